"""`session-tui list`: the active sessions, as the table shows them, for people and scripts."""

from __future__ import annotations

import asyncio
import csv
import sys
from datetime import datetime
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.commands.common import (
    FIELDS,
    Run,
    command_parser,
    exit_code_of,
    now,
    open_run,
    print_table,
    record,
    say,
)
from session_tui.console import csv_cell, json_text
from session_tui.engine.ordering import SortColumn, ordered
from session_tui.engine.polling import PollKind
from session_tui.engine.presentation import THIS_DEVICE, device_words, risk_badge
from session_tui.enrich import SessionView
from session_tui.enrich.risk import Risk
from session_tui.enrich.times import MISSING, expires_text, last_active_text
from session_tui.options import Parser
from session_tui.text import terminal_text


def parser() -> Parser:
    p = command_parser(
        "list",
        "Print the active sessions with the same fields as the dashboard's table, plus whether "
        "each is the one session-tui is signed in with (current).",
        [
            "session-tui list",
            "session-tui list --json | jq '.[] | select(.current | not) | .id'",
            "session-tui list --risky   # only the sessions with a risk (docs: risk signals)",
            "session-tui list --csv --provider matrix --homeserver https://matrix.example.org "
            "--user @alice:example.org",
        ],
    )
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON array (docs/schemas)")
    form.add_argument("--csv", action="store_true", help="CSV with a header row")
    p.add_argument(
        "--risky", action="store_true", help="only sessions with a risk (low, medium or high)"
    )
    return p


def main(argv: list[str], out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    run = open_run(args)
    try:
        return asyncio.run(_list(run, args, out))
    finally:
        run.close()


async def _list(run: Run, args: Any, out: TextIO) -> int:
    rows: list[dict[str, Any]] = []
    texts: list[tuple[str, ...]] = []
    at = now()
    code = exit_codes.OK
    try:
        for account in run.accounts:
            report, _ = await run.engine.poll_once(account)
            if report.kind is not PollKind.OK:
                say(f"{account.name}: {report.message}")
                code = max(code, exit_code_of(report))
                continue
            views = ordered(
                (run.enricher.view(s) for s in report.sessions),
                SortColumn.LAST_ACTIVE,
                at,
                run.online_window,
            )
            for view in views:
                if args.risky and not account.risky(view.session.id):
                    continue
                rows.append(record(view, run, account, at))
                texts.append(
                    _table_row(run, view, rows[-1], at, account.risks.get(view.session.id))
                )
    finally:
        await run.engine.aclose()
    if args.json:
        out.write(json_text(rows) + "\n")
    elif args.csv:
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in rows)
    else:
        multi = len(run.accounts) > 1
        print_table(("ACCOUNT", *HEADINGS) if multi else HEADINGS, texts, out)
    return code


def _csv_value(value: Any) -> str:
    """Every cell as inert text: no formula (`console.csv_cell`), nothing a terminal acts on.
    The risk is its level and codes: "medium: new_device new_network"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        codes = " ".join(str(r.get("code")) for r in value.get("reasons", ()))
        value = f"{value.get('level')}: {codes}" if codes else value.get("level")
    return "" if value is None else csv_cell(terminal_text(str(value)))


HEADINGS = ("DEVICE", "LOCATION", "IP", "LAST ACTIVE", "EXPIRES", "RISK", "ID")


def _table_row(
    run: Run, view: SessionView, row: dict[str, Any], at: datetime, risk: Risk | None
) -> tuple[str, ...]:
    device = (f"{THIS_DEVICE}: " if row["current"] else "") + device_words(view)
    last = view.session.last_active_at
    cells = (
        device,
        row["location"] or MISSING,
        row["ip"] or MISSING,
        last_active_text(last, at, run.online_window) if last else MISSING,
        expires_text(view.session.expires_at, at) if view.session.expires_at else MISSING,
        risk_badge(risk) or MISSING,
        row["id"],
    )
    return (row["account"], *cells) if len(run.accounts) > 1 else cells
