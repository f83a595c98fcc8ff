"""Where session-tui keeps its files, per platform (platformdirs), with overrides for tests.

`SESSION_TUI_CONFIG_DIR`, `SESSION_TUI_STATE_DIR` and `SESSION_TUI_CACHE_DIR` move everything, so
tests and scripts never touch the user's real config, history or caches.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

APP_NAME = "session-tui"
CONFIG_DIR_ENV = "SESSION_TUI_CONFIG_DIR"
STATE_DIR_ENV = "SESSION_TUI_STATE_DIR"
CACHE_DIR_ENV = "SESSION_TUI_CACHE_DIR"


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else platformdirs.user_config_path(APP_NAME)


def state_dir() -> Path:
    override = os.environ.get(STATE_DIR_ENV)
    return Path(override) if override else platformdirs.user_state_path(APP_NAME)


def cache_dir() -> Path:
    """What can be thrown away at any time (derived data only: no account's sessions). Not
    the state directory: the demo gives every run a state directory of its own."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else platformdirs.user_cache_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"


def credentials_file() -> Path:
    return state_dir() / "credentials.json"


def audit_file() -> Path:
    return state_dir() / "audit.jsonl"


def safe_key(text: str) -> str:
    """A file-name-safe, still readable key for an account (e.g. '@bob:example.org@matrix')."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned[:120] or "account"


def profile_history_db(profile: str | None) -> Path:
    """The history of every account of a profile ("" or None: no profile), in one file."""
    return state_dir() / "history" / f"{safe_key(profile or 'default')}.profile.sqlite3"


def history_db(account_key: str) -> Path:
    """One account's history file, as kept before one file per profile (imported on open)."""
    return state_dir() / "history" / f"{safe_key(account_key)}.sqlite3"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by the user (it holds history and credentials)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
