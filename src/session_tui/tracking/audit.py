"""The audit trail: one JSON line per revocation or rename attempted from this app, and
`session-tui audit`.

Append-only JSON Lines in the state dir, created 0600 (and put back to 0600 if someone loosened
it): who revoked what, when, from which profile, and how it went. Every field is built here from
plain values and sanitised, and nothing secret is ever handed in, so no token or password can
reach the file; known secrets passed as `redact` are scrubbed from error text as a last guard.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from session_tui import paths
from session_tui.console import show
from session_tui.enrich.text import plain
from session_tui.errors import SessionTuiError
from session_tui.model import Session
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.describe import Describer

FILE_MODE = 0o600
_ID_LEN = 256
_TEXT_LEN = 256
_REDACTED = "[redacted]"


class AuditAction(enum.StrEnum):
    REVOKE = "revoke"  # one session
    REVOKE_OTHERS = "revoke-others"  # every session but the current one
    FORCE_SIGN_OUT = "force-sign-out"  # on-call: every session of a watched account
    RENAME = "rename"  # a session given a new name (`name` says which)


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
            **({"name": self.name} if self.action is AuditAction.RENAME else {}),
        }


def _scrub(text: str | None, redact: Iterable[str]) -> str | None:
    if text is None:
        return None
    for secret in redact:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    return plain(text, 500) or "error"


def device_summary(session: Session, describer: Describer | None = None) -> str:
    """ "Firefox 128 on Linux, 🇩🇪 Berlin, Germany, 203.0.113.9": what the dialog named."""
    describe = describer or Describer()
    parts = [describe.device_label(session), describe.location_label(session)]
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


# -- `session-tui audit` ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui audit",
        description="Show the audit log of revocations made from session-tui.",
    )
    parser.add_argument("--json", action="store_true", help="print the raw JSON lines")
    parser.add_argument("--account", metavar="ACCOUNT", help="only this account")
    parser.add_argument("--limit", type=int, metavar="N", help="only the last N records")
    return parser


def _local(text: Any) -> str:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return plain(str(text), 25)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: Any, width: int | None = None) -> str:
    text = plain(str(value), _TEXT_LEN) if value not in (None, "") else "—"
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def format_table(records: Sequence[dict[str, Any]]) -> str:
    """A readable table; one line per record, then one indented line per target session."""
    header = ("TIME", "ACCOUNT", "PROVIDER", "PROFILE", "ACTION", "OUTCOME")
    rows = [
        (
            _local(r.get("time")),
            _cell(r.get("account"), 40),
            _cell(r.get("provider"), 16),
            _cell(r.get("profile"), 16),
            _cell(r.get("action"), 16),
            _cell(r.get("outcome"), 12),
        )
        for r in records
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header)]
    for record, row in zip(records, rows, strict=True):
        out.append(line(row))
        ids = record.get("session_ids") or []
        devices = record.get("devices") or []
        for i, sid in enumerate(ids if isinstance(ids, list) else []):
            device = devices[i] if isinstance(devices, list) and i < len(devices) else None
            out.append(f"    {_cell(sid, 1100)}" + (f"  {_cell(device, 120)}" if device else ""))
        if record.get("name") is not None:
            out.append(f"    new name: {_cell(record.get('name'), 200)}")
        if record.get("error"):
            out.append(f"    error: {_cell(record.get('error'), 200)}")
    return "\n".join(out)


def audit_main(argv: list[str], *, stdout: TextIO | None = None, path: Path | None = None) -> int:
    """`session-tui audit [--json] [--account X] [--limit N]`."""
    out = stdout or sys.stdout
    args = _parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        show("session-tui audit: --limit must be at least 1.", sys.stderr)
        return 2
    target = path or paths.audit_file()
    # With --json, standard output stays JSON Lines (empty when there is nothing): the
    # friendly sentence goes to standard error, for scripts that pipe the output on.
    quiet_out = sys.stderr if args.json else out
    if not target.exists():
        show("No revocations recorded yet.", quiet_out)
        return 0
    selected: list[tuple[str, dict[str, Any]]] = []
    skipped = 0
    try:
        for line, data in read_records(target):
            if data is None:
                skipped += 1
                continue
            if args.account is not None and data.get("account") != args.account:
                continue
            selected.append((line, data))
    except OSError as exc:
        show(f"session-tui audit: cannot read {target}: {exc.strerror or exc}", sys.stderr)
        return 2
    if args.limit is not None:
        selected = selected[-args.limit :]
    if skipped:
        show(f"session-tui audit: skipped {skipped} unreadable line(s).", sys.stderr)
    if not selected:
        suffix = f" for {plain(args.account, 120)}" if args.account else ""
        show(f"No revocations recorded yet{suffix}.", quiet_out)
        return 0
    if args.json:
        for _line, data in selected:
            # Re-encoded rather than echoed: a tampered line cannot smuggle escapes to the tty.
            show(json.dumps(data, ensure_ascii=True), out)
    else:
        show(format_table([data for _line, data in selected]), out)
    return 0
