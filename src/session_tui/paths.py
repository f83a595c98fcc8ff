"""Where session-tui keeps its files, per platform (platformdirs), with overrides for tests.

`SESSION_TUI_CONFIG_DIR`, `SESSION_TUI_STATE_DIR` and `SESSION_TUI_CACHE_DIR` move everything, so
tests and scripts never touch the user's real config, history or caches.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "session-tui"
CONFIG_DIR_ENV = "SESSION_TUI_CONFIG_DIR"
STATE_DIR_ENV = "SESSION_TUI_STATE_DIR"
CACHE_DIR_ENV = "SESSION_TUI_CACHE_DIR"
STORE_ENV = "SESSION_TUI_STORE"  # --store: a SQLite file or postgresql://… (a shared store)


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


DIR_MODE = 0o700
FILE_MODE = 0o600


def ensure_private_dir(path: Path, *, narrow: bool = True) -> Path:
    """A directory only the user can enter (it holds history, credentials, the audit trail).

    Every directory this creates is 0700, parents included (`mkdir(parents=True)` would make
    those with the umask's mode), and the directory itself is narrowed to 0700 if an earlier
    version or another tool left it open to others. `narrow=False` for a directory the user
    chose (`--store /tmp/team.sqlite3`): one that exists is theirs and is left as it is (as
    root, narrowing /tmp would break every other user of the machine).
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another instance made it meanwhile
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # mkdir's mode passes through the umask
    if narrow and stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, DIR_MODE)
    return path


def is_ours(path: Path) -> bool:
    """Whether `path` is in session-tui's own state directory (not a place the user named)."""
    return path.resolve().is_relative_to(state_dir().resolve())


def write_private(path: Path, text: str) -> Path:
    """Replace `path` with `text`, atomically, as a 0600 file in a 0700 directory.

    The new content goes to a temporary file with a unique name beside it (two instances
    saving at once cannot write into each other's), made 0600 from the start, flushed to
    disk, then renamed over the old file: a reader sees the old file or the new, never half.
    """
    ensure_private_dir(path.parent)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    return path
