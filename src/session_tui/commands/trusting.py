"""`session-tui trust ID...`: "this was me". The sessions' device and network become the
account's own, their risk clears, and the same device and network never alert again; kept in
the history and written to the audit trail. `trust --undo ID...` takes it back."""

from __future__ import annotations

import asyncio
from typing import Any

from session_tui import exit_codes
from session_tui.commands.common import Run, command_parser, exit_code_of, one_account, open_run
from session_tui.console import from_csv_cell, say, show
from session_tui.engine.polling import PollKind
from session_tui.engine.presentation import describe
from session_tui.options import Parser


def parser() -> Parser:
    p = command_parser(
        "trust",
        'Say "this was me" for sessions (by id, as `session-tui list` prints them): their '
        "device and network become known for the account, their risk clears, and they are "
        "not alerted on again. Written to the audit trail.",
        [
            "session-tui trust ses_8c2f",
            "session-tui trust --undo ses_8c2f",
            "session-tui list --risky --json | jq -r '.[].id' | xargs session-tui trust",
        ],
    )
    p.add_argument("ids", nargs="+", metavar="ID", help="the sessions that were you")
    p.add_argument("--undo", action="store_true", help="take back an earlier `trust`")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    run = open_run(args)
    try:
        return asyncio.run(_trust(run, args))
    finally:
        run.close()


async def _trust(run: Run, args: Any) -> int:
    account = one_account(run, "trust")
    try:
        report, _ = await run.engine.poll_once(account)
        if report.kind is not PollKind.OK:
            say(f"{account.name}: {report.message}")
            return exit_code_of(report)
        wanted = [arg if arg in account.sessions else from_csv_cell(arg) for arg in args.ids]
        missing = [sid for sid in dict.fromkeys(wanted) if sid not in account.sessions]
        for sid in missing:
            say(f"{sid}: {account.name} has no such active session.")
        listed = [sid for sid in dict.fromkeys(wanted) if sid in account.sessions]
        if not listed:
            return exit_codes.USAGE
        await run.engine.trust(account, listed, undo=args.undo)
        for sid in listed:
            view = run.enricher.view(account.sessions[sid])
            show(f"{'No longer trusted' if args.undo else 'Trusted'}: {sid}  {describe(view)}")
        return exit_codes.PARTIAL if missing else exit_codes.OK
    finally:
        await run.engine.aclose()
