"""`session-tui history`: the ended sessions session-tui has seen, newest first.

The same history the dashboard's History pane shows (one SQLite file per account in the state
directory); one poll first, so the account is known and what ended since is in it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.commands.common import (
    Run,
    command_parser,
    exit_code_of,
    open_run,
    print_table,
    say,
)
from session_tui.console import json_text, show
from session_tui.engine.polling import PollKind
from session_tui.enrich.text import plain
from session_tui.enrich.times import MISSING
from session_tui.options import Parser
from session_tui.text import without_flags
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.events import TimeRange
from session_tui.tracking.store import HistoryRow
from session_tui.tracking.wording import duration_text, when_text

LIMIT = 500


def parser() -> Parser:
    p = command_parser(
        "history",
        "Print the ended sessions session-tui has seen for the account: how each one ended "
        '("revoked here", "expired", "ended elsewhere", or the API\'s own reason), when it '
        "signed in and how long it lasted.",
        ["session-tui history", "session-tui history --json --profile work | jq '.[0]'"],
    )
    p.add_argument("--json", action="store_true", help="one JSON array (docs/schemas)")
    p.add_argument(
        "--limit", type=int, default=LIMIT, metavar="N", help=f"at most N (default {LIMIT})"
    )
    return p


def main(argv: list[str], out: TextIO | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.limit < 1:
        p.error("--limit must be at least 1.")  # exits 1, before anything signs in
    run = open_run(args)
    try:
        return asyncio.run(_history(run, args, out or sys.stdout))
    finally:
        run.close()


async def _history(run: Run, args: Any, out: TextIO) -> int:
    """What the History pane shows for the same accounts: a fresh listing and the server's own
    history recorded first, then the same read (`Engine.history`)."""
    code = exit_codes.OK
    engine = run.engine
    try:
        for account in run.accounts:
            report, _ = await engine.poll_once(account)
            if report.kind is not PollKind.OK:
                say(f"{account.name}: {report.message} (showing what was recorded before)")
                code = max(code, exit_code_of(report))
        await engine.merge_history()
        rows = [(e.account.name, e.row) for e in await engine.history(args.limit)]
    finally:
        await engine.aclose()
    if args.json:
        out.write(json_text([_record(name, row) for name, row in rows]) + "\n")
    elif not rows:
        show("No ended sessions recorded yet.", out)
    else:
        _print(rows, out, multi=len(run.accounts) > 1)
    return code


def _range(value: TimeRange | None) -> dict[str, str | None] | None:
    if value is None:
        return None
    return {"earliest": rfc3339(value.earliest), "latest": rfc3339(value.latest)}


def _record(account: str, row: HistoryRow) -> dict[str, Any]:
    return {
        "account": account,
        "id": plain(row.session_id, 1100),
        "device": row.device,
        "location": without_flags(row.location),
        "reason": str(row.reason),
        "revoked_by": plain(row.revoked_by, 128) if row.revoked_by is not None else None,
        "signed_in": _range(row.signed_in),
        "ended": _range(row.ended),
        "source": row.source,
    }


def _print(rows: list[tuple[str, HistoryRow]], out: TextIO, *, multi: bool) -> None:
    headings = ("ENDED", "HOW", "DEVICE", "LOCATION", "SIGNED IN", "LASTED", "ID")
    lines = [
        (
            when_text(row.ended),
            row.reason_text,
            (f"{name}: " if multi else "") + row.device,
            without_flags(row.location) or MISSING,
            when_text(row.signed_in),
            duration_text(row.signed_in, row.ended),
            plain(row.session_id, 1100),
        )
        for name, row in rows
    ]
    print_table(headings, lines, out)
