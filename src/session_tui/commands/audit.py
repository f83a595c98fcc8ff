"""`session-tui audit`: the audit trail (`tracking.audit`) as a table, or as JSON Lines."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from session_tui import paths
from session_tui.commands.store_options import store_options
from session_tui.console import json_text, show
from session_tui.enrich.text import plain
from session_tui.text import without_flags
from session_tui.tracking.audit import read_records
from session_tui.tracking.backend import StoreSpec
from session_tui.tracking.schema import HistoryStoreError

_TEXT_LEN = 256


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui audit",
        description="Show the audit log of revocations made from session-tui.",
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON array (docs/schemas/audit.schema.json)"
    )
    parser.add_argument("--account", metavar="ACCOUNT", help="only this account")
    parser.add_argument("--limit", type=int, metavar="N", help="only the last N records")
    store_options(parser, "the audit trail", files=False)
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
    header = ("TIME", "OPERATOR", "ACCOUNT", "PROVIDER", "PROFILE", "ACTION", "OUTCOME")
    rows = [
        (
            _local(r.get("time")),
            _cell(r.get("operator"), 24),
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
    selected: list[dict[str, Any]] = []
    skipped = 0
    try:
        for _line, data in _trail(args, path):
            if data is None:
                skipped += 1
            elif args.account is None or data.get("account") == args.account:
                selected.append(data)
    except (OSError, HistoryStoreError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        show(f"session-tui audit: cannot read the audit trail: {why}", sys.stderr)
        return 2
    if args.limit is not None:
        selected = selected[-args.limit :]
    if skipped:
        show(f"session-tui audit: skipped {skipped} unreadable line(s).", sys.stderr)
    if args.json:
        # One JSON array, `[]` when there is nothing, as `list --json` and `history --json`.
        show(json_text([_json_record(data) for data in selected]), out)
    elif not selected:
        suffix = f" for {plain(args.account, 120)}" if args.account else ""
        show(f"No revocations recorded yet{suffix}.", out)
    else:
        show(format_table(selected), out)
    return 0


def _trail(args: argparse.Namespace, path: Path | None) -> Iterator[tuple[str, Any]]:
    """The audit trail's lines: the shared store's when one is named, else the file."""
    from session_tui.config import get_profile

    named = args.store or (get_profile(args.profile).store if args.profile else None)
    spec = StoreSpec.parse(named or os.environ.get(paths.STORE_ENV))
    if spec.url is None:
        target = path or paths.audit_file()
        if target.exists():
            yield from read_records(target)
        return
    from contextlib import closing

    from session_tui.tracking.postgres import PostgresDatabase

    with closing(PostgresDatabase(spec.url)) as store:
        yield from list(store.audit_lines())


def _json_record(data: dict[str, Any]) -> dict[str, Any]:
    """A line as printed: re-encoded rather than echoed, so a tampered line cannot smuggle
    escapes to the terminal, and places without flags (lines written before they lost them)."""
    if isinstance(data.get("devices"), list):
        data = {**data, "devices": [without_flags(str(d)) for d in data["devices"]]}
    return {**data, "operator": data.get("operator")}  # None in lines from before operators
