"""Stored access tokens: one JSON file, readable by the user alone (0600 in a 0700 directory).

Only tokens from our own password logins live here, never passwords. Keys name the account
(homeserver and user), so a profile and the equivalent command-line flags find the same token.
The file is rewritten whole through a private temporary file and an atomic rename, so a crash
never leaves half a file and the token is never, even briefly, in a file others may read.
"""

from __future__ import annotations

import json
import stat
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from session_tui import paths
from session_tui.errors import ConfigError

FILE_MODE = 0o600
DIR_MODE = 0o700
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class StoredCredential:
    homeserver: str
    user_id: str
    access_token: str
    device_id: str | None = None
    created_at: str | None = None  # RFC 3339, when we logged in
    provider: str | None = None  # None: Matrix (files written before other providers existed)

    def __repr__(self) -> str:  # the token must not reach logs or tracebacks
        return (
            f"StoredCredential(homeserver={self.homeserver!r}, user_id={self.user_id!r}, "
            f"device_id={self.device_id!r})"
        )


def credential_key(server: str, user: str, *, provider: str = "matrix") -> str:
    """One account: the server URL without trailing slash, and the user as typed.

    Matrix keys carry no provider name (they predate the others); the rest do, so one site
    serving two session APIs keeps two sign-ins apart.
    """
    base = f"{server.rstrip('/')} {user}"
    return base if provider == "matrix" else f"{provider} {base}"


def _path(path: Path | None) -> Path:
    return path if path is not None else paths.credentials_file()


def _check_private(path: Path) -> None:
    """Refuse a credentials file others may read or write: its tokens may have been copied.

    Quietly tightening it would hide that; the user decides (fix the mode, and sign in again
    if others could have read it).
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"The credentials file {path} is readable or writable by others (mode {mode:04o}); "
            f"its tokens may have been copied. Run `chmod 600 {path}` to use it, or delete it "
            "and sign in again (and sign those sessions out) if others could read it."
        )


def _read_all(path: Path) -> dict[str, Any]:
    try:
        _check_private(path)
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read the credentials file {path}: {exc.strerror}.") from exc
    try:
        data = json.loads(raw)
    except ValueError:
        raise ConfigError(
            f"The credentials file {path} is damaged; delete it and sign in again."
        ) from None
    entries = data.get("credentials") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"The credentials file {path} is damaged; delete it and sign in again.")
    return entries


def _write_all(path: Path, entries: dict[str, Any]) -> None:
    text = json.dumps({"version": FORMAT_VERSION, "credentials": entries}, indent=2)
    paths.write_private(path, text + "\n")


def load(key: str, path: Path | None = None) -> StoredCredential | None:
    entry = _read_all(_path(path)).get(key)
    if not isinstance(entry, dict):
        return None
    try:
        return StoredCredential(
            homeserver=str(entry["homeserver"]),
            user_id=str(entry["user_id"]),
            access_token=str(entry["access_token"]),
            device_id=entry.get("device_id"),
            created_at=entry.get("created_at"),
            provider=entry.get("provider"),
        )
    except KeyError:
        return None


def save(key: str, credential: StoredCredential, path: Path | None = None) -> Path:
    target = _path(path)
    entries = _read_all(target)
    record = asdict(credential)
    if record.get("created_at") is None:
        record["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    entries[key] = record
    _write_all(target, entries)
    return target


def remove(key: str, path: Path | None = None) -> StoredCredential | None:
    """Forget one account's token; returns what was stored (None if nothing was)."""
    target = _path(path)
    found = load(key, target)
    if found is None:
        return None
    entries = _read_all(target)
    entries.pop(key, None)
    _write_all(target, entries)
    return found
