"""What every command shares: its parser, opening the accounts, one poll through the engine, and
the stable record a session becomes in `--json`, `--csv` and the table.

Commands are a second, plain view of the engine: the same providers, profiles, credentials,
history and audit trail as the dashboard, the same poll (`engine.polling.poll`) and revoke
(`engine.revocation.revoke`), written down by the same `engine.recording` functions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.console import say as say
from session_tui.console import show
from session_tui.engine import device_memory
from session_tui.engine.polling import PollKind, PollReport, poll
from session_tui.engine.recording import record_poll
from session_tui.engine.state import AccountState
from session_tui.enrich import Enricher, GeoLocator, SessionView
from session_tui.enrich.text import plain
from session_tui.enrich.times import is_online
from session_tui.options import Parser, number, session_options
from session_tui.plugin import OpenAccounts
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.events import Event
from session_tui.tracking.service import TrackingService
from session_tui.ui.cells import device_label, short_place

ONLINE_WINDOW = timedelta(minutes=5)
MAX_CELL = 1100  # characters of one table cell: a whole session id (ids.MAX_ID) fits

# The fields of a session in `list --json` / `--csv`, in order: a contract (docs/schemas).
FIELDS = (
    "account",
    "id",
    "current",
    "name",
    "device",
    "browser",
    "os",
    "device_type",
    "ip",
    "location",
    "country_code",
    "country",
    "region",
    "city",
    "created_at",
    "last_active_at",
    "expires_at",
    "online",
)


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
    """The opened accounts of one command, with what the engine needs to poll them."""

    opened: OpenAccounts
    accounts: list[AccountState]
    tracking: TrackingService
    enricher: Enricher

    def close(self) -> None:
        device_memory.save()
        self.tracking.close()
        self.enricher.geo.close()
        self.opened.close()


def open_run(args: Any, env: Mapping[str, str] | None = None) -> Run:
    from session_tui.connect import open_accounts

    number(getattr(args, "interval", None), "--interval")
    number(getattr(args, "retention_days", None), "--retention-days")
    opened = open_accounts(args, os.environ if env is None else env)
    geo = GeoLocator(args.city_db or opened.city_db)
    tracking = TrackingService(
        opened.profile,
        retention=timedelta(days=number(opened.retention_days, "--retention-days")),
        locator=geo,
    )
    device_memory.prepare()
    return Run(opened, [AccountState(p) for p in opened.providers], tracking, Enricher(geo))


def now() -> datetime:
    return datetime.now(UTC)


async def poll_once(run: Run, account: AccountState) -> tuple[PollReport, list[Event]]:
    """One poll of one account, recorded in its history as the dashboard records it; the
    report, and the events the history saw in it (none for the first, the baseline)."""
    account.poll_seq += 1
    report = await poll(
        account,
        account.poll_seq,
        now=now,
        loop_time=asyncio.get_running_loop().time,
        can_sign_in=False,
        interval=number(run.opened.interval, "--interval"),
    )
    if report.kind is not PollKind.OK:
        return report, []
    at = account.updated_at or now()
    result, _ = await asyncio.to_thread(
        record_poll, run.tracking, account.provider, report.sessions, at
    )
    return report, result.events


def exit_code_of(report: PollReport) -> int:
    if report.kind is PollKind.OK:
        return exit_codes.OK
    if report.kind in (PollKind.SIGNED_OUT, PollKind.STOPPED):
        return exit_codes.AUTH
    return exit_codes.SERVER


def record(view: SessionView, account: AccountState, at: datetime) -> dict[str, Any]:
    """One session as the stable, plain record `list` prints (every string made safe)."""
    session = view.session
    place = view.place
    last = session.last_active_at
    return {
        "account": account.name,
        "id": session.id,  # shown as it is: `ids` made sure it can be, and revoke takes it
        "current": session.is_current,
        "name": view.name or None,
        "device": device_label(view) or None,
        "browser": plain(view.device.browser, 120) or None,
        "os": plain(view.device.os, 120) or None,
        "device_type": str(view.device.device_type),
        "ip": view.ip or None,
        "location": short_place(place) or None,
        "country_code": place.country_code,
        "country": plain(place.country_name, 120) or None,
        "region": plain(place.region, 120) or None,
        "city": plain(place.city, 120) or None,
        "created_at": rfc3339(session.created_at),
        "last_active_at": rfc3339(last),
        "expires_at": rfc3339(session.expires_at),
        "online": last is not None and is_online(last, at, ONLINE_WINDOW),
    }


def one_account(run: Run, command: str) -> AccountState:
    """Commands that act (revoke) act on one account: in on-call mode, one --watch."""
    if len(run.accounts) != 1:
        from session_tui.errors import ConfigError

        raise ConfigError(
            f"{command} acts on one account: give one --watch USER (got {len(run.accounts)})."
        )
    return run.accounts[0]


def print_table(headings: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Aligned columns on a terminal; tab-separated lines (for cut and awk) in a pipe."""
    lines = [[plain(cell, MAX_CELL) for cell in line] for line in (headings, *rows)]
    if not out.isatty():
        for line in lines:
            show("\t".join(line), out)
        return
    widths = [max(len(line[i]) for line in lines) for i in range(len(headings))]
    for line in lines:
        cells = (cell.ljust(w) for cell, w in zip(line, widths, strict=True))
        show("  ".join(cells).rstrip(), out)
