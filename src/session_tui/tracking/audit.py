"""The audit trail: one JSON line per revocation or rename attempted from this app, and
`session-tui audit`.

Every record names its operator: who pressed the key (`operator = "…"` in the config file, else
the OS user and host, "alice@ops-2"), so a trail shared by an on-call team says who did what.

Append-only JSON Lines in the state dir, created 0600 (and put back to 0600 if someone loosened
it): who revoked what, when, from which profile, and how it went. Every field is built here from
plain values and sanitised, and nothing secret is ever handed in, so no token or password can
reach the file; known secrets passed as `redact` are scrubbed from error text as a last guard.
"""

from __future__ import annotations

import enum
import getpass
import json
import os
import socket
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from session_tui import paths
from session_tui.enrich.text import plain
from session_tui.errors import SessionTuiError
from session_tui.model import Session
from session_tui.text import without_flags
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.describe import Describer

FILE_MODE = 0o600
_ID_LEN = 256
_TEXT_LEN = 256
OPERATOR_LEN = 128
_REDACTED = "[redacted]"


class AuditAction(enum.StrEnum):
    REVOKE = "revoke"  # one session
    REVOKE_OTHERS = "revoke-others"  # every session but the current one
    FORCE_SIGN_OUT = "force-sign-out"  # on-call: every session of a watched account
    RENAME = "rename"  # a session given a new name (`name` says which)
    TRUST = "trust"  # "this was me": the session's device and network are the account's
    UNTRUST = "untrust"  # that, taken back


class AuditError(SessionTuiError):
    """The audit log could not be written or read."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One revocation attempt. `error` is None exactly when the outcome is "ok"."""

    time: datetime
    account: str
    provider: str
    profile: str | None
    action: AuditAction
    session_ids: tuple[str, ...]
    devices: tuple[str, ...] = ()
    error: str | None = None
    revoked: int | None = None  # how many ended, when the API says
    result: str | None = None  # ok, already-gone, partial, unknown, refused, error
    name: str | None = None  # a rename: the name asked for
    operator: str | None = None  # who did it ("alice@ops-2"); None in records from before

    @property
    def outcome(self) -> str:
        if self.result is not None:
            return self.result
        return "ok" if self.error is None else "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": rfc3339(self.time),
            "account": self.account,
            "provider": self.provider,
            "profile": self.profile,
            "action": str(self.action),
            "session_ids": list(self.session_ids),
            "devices": list(self.devices),
            "outcome": self.outcome,
            "error": self.error,
            "revoked": self.revoked,
            "operator": self.operator,
            **({"name": self.name} if self.action is AuditAction.RENAME else {}),
        }


def _scrub(text: str | None, redact: Iterable[str]) -> str | None:
    if text is None:
        return None
    for secret in redact:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    return plain(text, 500) or "error"


def default_operator() -> str:
    """The OS user and host ("alice@ops-2"): who is at this terminal, as far as it knows."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        user = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    host = socket.gethostname().split(".", 1)[0] or "localhost"
    return plain(f"{user}@{host}", OPERATOR_LEN)


def operator_name(configured: str | None) -> str:
    """The configured operator (plain text, bounded), else the OS user and host."""
    name = plain(configured, OPERATOR_LEN) if configured else ""
    return name or default_operator()


def device_summary(session: Session, describer: Describer | None = None) -> str:
    """ "Firefox 128 on Linux, Berlin, Germany, 203.0.113.9": what the dialog named."""
    describe = describer or Describer()
    parts = [describe.device_label(session), without_flags(describe.location_label(session))]
    if session.ip:
        parts.append(plain(session.ip, 64))
    return ", ".join(p for p in parts if p)


def make_record(
    *,
    account: str,
    provider: str,
    profile: str | None,
    action: AuditAction | str,
    session_ids: Sequence[str],
    sessions: Sequence[Session] = (),
    error: str | BaseException | None = None,
    revoked: int | None = None,
    at: datetime | None = None,
    redact: Iterable[str] = (),
    describer: Describer | None = None,
    outcome: str | None = None,
    name: str | None = None,
    operator: str | None = None,
) -> AuditRecord:
    """Build a sanitised record; `sessions` (as last listed) give the device summaries."""
    secrets = [s for s in redact if s]
    describe = describer or Describer()
    message = None
    if error is not None:
        message = _scrub(str(error) or type(error).__name__, secrets)
    return AuditRecord(
        time=at or datetime.now(UTC),
        account=_scrub(account, secrets) or "",
        provider=plain(provider, 64),
        profile=_scrub(profile, secrets) if profile else None,
        action=AuditAction(action),
        session_ids=tuple(_scrub(s, secrets) or "" for s in session_ids),
        devices=tuple(_scrub(device_summary(s, describe), secrets) or "" for s in sessions),
        error=message,
        revoked=revoked,
        result=plain(outcome, 32) if outcome else None,
        name=None if name is None else (_scrub(name, secrets) if name else ""),
        operator=operator_name(operator),
    )


def _open_private(path: Path) -> int:
    paths.ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def append(record: AuditRecord, path: Path | None = None) -> None:
    """Append one record as one line, in one write (so concurrent instances never interleave)."""
    target = path or paths.audit_file()
    line = json.dumps(record.to_dict(), ensure_ascii=False) + "\n"
    try:
        fd = _open_private(target)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise AuditError(f"Cannot write the audit log {target}: {exc.strerror or exc}") from None


def log_revocation(path: Path | None = None, **kwargs: Any) -> AuditRecord:
    """`make_record(**kwargs)` then `append`: what the UI calls after every revocation attempt."""
    record = make_record(**kwargs)
    append(record, path)
    return record


def read_records(path: Path | None = None) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Each line of the log with its parsed record (None when the line is not a record)."""
    target = path or paths.audit_file()
    with open(target, encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            yield line, data if isinstance(data, dict) else None
