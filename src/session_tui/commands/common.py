"""What every command shares: its parser, opening the accounts and their engine, and printing.

Commands are a second, plain view of the engine the dashboard shows: the same providers,
profiles, credentials, history and audit trail, the same polls, revocations and events
(`engine.core.Engine`), the same words for a session (`engine.presentation`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.console import say as say
from session_tui.console import show
from session_tui.engine.core import Engine, EngineOptions
from session_tui.engine.polling import PollKind, PollReport
from session_tui.engine.presentation import FIELDS as FIELDS
from session_tui.engine.presentation import session_record
from session_tui.engine.state import AccountState
from session_tui.enrich import Enricher, SessionView
from session_tui.enrich.text import plain
from session_tui.options import Parser, number, session_options
from session_tui.plugin import OpenAccounts
from session_tui.text import ELLIPSIS, cut_middle

MAX_CELL = 1100  # characters of one table cell: a whole session id (ids.MAX_ID) fits


def command_parser(name: str, description: str, examples: Sequence[str]) -> Parser:
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) + f"\n\n{exit_codes.HELP}"
    parser = Parser(
        prog=f"session-tui {name}",
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    session_options(parser)
    return parser


@dataclass
class Run:
    """The opened accounts of one command and the engine that acts on them.

    The command's coroutine ends with `await run.engine.aclose()` (providers, history files);
    `close` then lets go of what opening the accounts held.
    """

    opened: OpenAccounts
    engine: Engine
    online_window: timedelta

    @property
    def accounts(self) -> list[AccountState]:
        return self.engine.accounts

    @property
    def enricher(self) -> Enricher:
        return self.engine.enricher

    def close(self) -> None:
        self.opened.close()


def open_run(
    args: Any,
    env: Mapping[str, str] | None = None,
    *,
    on_alert: str | None = None,
    background_interval: float | None = None,
) -> Run:
    from session_tui.config import load_operator
    from session_tui.connect import open_accounts

    number(getattr(args, "interval", None), "--interval")
    number(getattr(args, "retention_days", None), "--retention-days")
    window = timedelta(minutes=number(getattr(args, "online_window", None), "--online-window"))
    opened = open_accounts(args, os.environ if env is None else env)
    options = EngineOptions(
        interval=number(opened.interval, "--interval"),
        background_interval=background_interval,
        profile=opened.profile,
        retention=timedelta(days=number(opened.retention_days, "--retention-days")),
        on_alert=on_alert,
        city_db=args.city_db or opened.city_db,
        asn_db=args.asn_db or opened.asn_db,
        operator=load_operator(),
        store=opened.store,
    )
    return Run(opened, Engine(opened.providers, options), window)


def now() -> datetime:
    return datetime.now(UTC)


def exit_code_of(report: PollReport) -> int:
    if report.kind is PollKind.OK:
        return exit_codes.OK
    if report.kind in (PollKind.SIGNED_OUT, PollKind.STOPPED):
        return exit_codes.AUTH
    return exit_codes.SERVER


def record(view: SessionView, run: Run, account: AccountState, at: datetime) -> dict[str, Any]:
    """One session as the stable, plain record `list` prints (`presentation.session_record`)."""
    risk = account.risks.get(view.session.id)
    return session_record(view, account.name, at, run.online_window, risk)


def one_account(run: Run, command: str) -> AccountState:
    """Commands that act (revoke) act on one account: in on-call mode, one --watch."""
    if len(run.accounts) != 1:
        from session_tui.errors import ConfigError

        raise ConfigError(
            f"{command} acts on one account: give one --watch USER (got {len(run.accounts)})."
        )
    return run.accounts[0]


def print_table(
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    out: TextIO,
    *,
    whole: Sequence[str] = ("ID",),
    middle: Sequence[str] = ("IP",),
) -> None:
    """Aligned columns on a terminal, fitted to its width; tab-separated lines (for cut and
    awk) in a pipe, nothing cut.

    On a terminal, as `gh` does: when the rows would wrap, the widest columns are cut with an
    ellipsis, down to their heading's width, until the table fits. The columns named in `whole`
    (ids, which a user copies into `revoke`) are never cut; those in `middle` (addresses) keep
    their start and end.
    """
    lines = [[plain(cell, MAX_CELL) for cell in line] for line in (headings, *rows)]
    if not out.isatty():
        for line in lines:
            show("\t".join(line), out)
        return
    floors = [_MIDDLE_FLOOR if h in middle else 0 for h in headings]
    widths = _fitted(lines, [h in whole for h in headings], floors, _columns())
    cut_in_middle = [h in middle for h in headings]
    for line in lines:
        cells = (
            _pad(cut_middle(cell, w) if mid else cell, w)
            for cell, w, mid in zip(line, widths, cut_in_middle, strict=True)
        )
        show("  ".join(cells).rstrip(), out)


GAP = 2  # spaces between two columns
MIN_CUT = 6  # no column is cut narrower than this (or its heading)
_MIDDLE_FLOOR = 15  # an address column keeps a whole IPv4 address


def _columns() -> int:
    return shutil.get_terminal_size().columns


def _fitted(lines: list[list[str]], whole: list[bool], floors: list[int], room: int) -> list[int]:
    widths = [max(cell_width(line[i]) for line in lines) for i in range(len(whole))]
    floor = [
        min(widths[i], max(cell_width(lines[0][i]), MIN_CUT, floors[i])) for i in range(len(whole))
    ]
    over = sum(widths) + GAP * (len(widths) - 1) - room
    while over > 0:
        cuttable = [i for i, w in enumerate(widths) if not whole[i] and w > floor[i]]
        if not cuttable:
            break  # a terminal narrower than the ids: they wrap whole rather than cut
        widest = max(cuttable, key=lambda i: widths[i])
        others = [widths[i] for i in cuttable if i != widest]
        # Down to the next widest column (or the floor), never by more than is over.
        step = min(over, widths[widest] - max([floor[widest], *others]) or 1)
        widths[widest] -= step
        over -= step
    return widths


def cell_width(text: str) -> int:
    """Columns a terminal gives the text: two for wide (East Asian, emoji) characters, none
    for a combining mark (it sits on the letter before it)."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _pad(text: str, width: int) -> str:
    """The text in exactly `width` columns: padded, or cut with an ellipsis."""
    used = cell_width(text)
    if used > width:
        kept: list[str] = []
        used = 1  # the ellipsis
        for char in text:
            step = cell_width(char)
            if used + step > width:
                break
            kept.append(char)
            used += step
        text = "".join(kept).rstrip() + ELLIPSIS
        used = cell_width(text)
    return text + " " * (width - used)
