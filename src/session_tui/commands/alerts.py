"""`session-tui alerts` and `session-tui ack ALERT_ID…`: the store's alerts, and saying one is
handled for the whole team.

Both read and write only the store (a profile's history file, or the team's PostgreSQL named by
`--store`, `SESSION_TUI_STORE` or the profile's `store`): no provider is signed in to, so an
engineer acknowledges from any shell in a moment. The alert's id is the one the dashboard's
feed shows ("#42"). The acknowledgement names the operator (`operator = "…"` in the config,
else the OS user and host), and reaches every dashboard on a shared store at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from session_tui import exit_codes, paths
from session_tui.commands.common import print_table
from session_tui.commands.store_options import store_options
from session_tui.config import load_profiles, top_level
from session_tui.console import json_text, show
from session_tui.enrich.text import plain
from session_tui.errors import ConfigError
from session_tui.text import without_flags
from session_tui.tracking.acks import AckResult, Alert
from session_tui.tracking.codec import rfc3339, time_from_text
from session_tui.tracking.events import SignIn
from session_tui.tracking.schema import HistoryStoreError
from session_tui.tracking.service import TrackingService
from session_tui.tracking.wording import acked_text, short_time

LIMIT = 200


def alerts_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui alerts",
        description="Print the sign-in alerts in the store, newest first, with their ids "
        "(for session-tui ack) and who acknowledged each.",
        epilog="example: session-tui alerts --unacked --store postgresql://oncall@db/sessions",
    )
    parser.add_argument("--json", action="store_true", help="one JSON array (docs/schemas)")
    parser.add_argument("--unacked", action="store_true", help="only alerts nobody acknowledged")
    parser.add_argument("--account", metavar="ACCOUNT", help="only this account (as printed)")
    parser.add_argument(
        "--limit", type=int, default=LIMIT, metavar="N", help=f"at most N (default {LIMIT})"
    )
    store_options(parser, "the alerts")
    return parser


def ack_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui ack",
        description="Acknowledge alerts for the whole team: they stop counting as new on "
        "every screen, which says who acknowledged them and when.",
        epilog="example: session-tui ack 42 43 --store postgresql://oncall@db/sessions\n"
        + exit_codes.HELP,
    )
    parser.add_argument("alert_ids", nargs="+", type=int, metavar="ALERT_ID")
    parser.add_argument("--json", action="store_true", help="what was done, as JSON")
    store_options(parser, "the alerts")
    return parser


SUFFIX = ".profile.sqlite3"


def local_histories() -> dict[str, Path]:
    """This machine's history files by name ("rest", "work"): one per profile."""
    folder = paths.state_dir() / "history"
    found = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    return {p.name.removesuffix(SUFFIX): p for p in found}


def _named_store(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(the profile's name, the store) the options name: `--store`, a profile's store or its
    history file, `SESSION_TUI_STORE`, else this machine's one history file."""
    if args.store:
        return args.profile, args.store
    local = local_histories()
    if args.profile:
        profiles = load_profiles()
        if args.profile in profiles and profiles[args.profile].store:
            return args.profile, profiles[args.profile].store
        path = local.get(paths.safe_key(args.profile))
        if path is None and args.profile not in profiles:
            raise ConfigError(f"No profile or history {args.profile!r}{_known(local)}.")
        return args.profile, str(path or paths.profile_history_db(args.profile))
    if os.environ.get(paths.STORE_ENV):
        return None, os.environ[paths.STORE_ENV]
    if len(local) > 1:
        raise ConfigError(f"Several histories on this machine{_known(local)}: name one.")
    name, path = next(iter(local.items()), (None, None))
    return name, str(path) if path is not None else None


def _known(local: dict[str, Path]) -> str:
    if not local:
        return " (none on this machine; --store names a shared one)"
    return f" (--profile {', '.join(local)}; or --store)"


@contextlib.contextmanager
def _service(args: argparse.Namespace) -> Iterator[TrackingService | None]:
    """The store the options name, as a tracking service with this operator's name; None when
    this machine has no history yet (nothing is created by asking)."""
    profile, store = _named_store(args)
    if store is None:
        yield None
        return
    service = TrackingService(profile, store=store, operator=top_level().get("operator"))
    try:
        yield service
    finally:
        service.close()


def _record(service: TrackingService, alert: Alert) -> dict[str, Any]:
    event = alert.event
    reasons = list(event.reasons) if isinstance(event, SignIn) else []
    return {
        "alert_id": alert.alert_id,
        "at": rfc3339(event.at),
        "account": plain(service.shown_key(alert.account), 256),
        "session_id": plain(event.session_id, 256),
        "device": plain(event.device, 256),
        "location": plain(without_flags(event.location), 256),
        "reasons": [plain(r, 256) for r in reasons],
        "acked_by": plain(event.acked_by, 128) if event.acked_by is not None else None,
        "acked_at": rfc3339(event.acked_at) if event.acked_at is not None else None,
    }


def alerts_main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = alerts_parser()
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1.")
    try:
        with _service(args) as service:
            found: list[Alert] = []
            if service is not None:
                found = service.alerts(account=args.account, unacked=args.unacked, limit=args.limit)
            records = [_record(service, a) for a in found if service is not None]
    except (HistoryStoreError, ConfigError) as exc:
        show(f"session-tui alerts: {plain(str(exc), 300)}", sys.stderr)
        return exit_codes.USAGE if isinstance(exc, ConfigError) else exit_codes.SERVER
    if args.json:
        show(json_text(records), out)
    elif not records:
        show("No unacknowledged alerts." if args.unacked else "No alerts yet.", out)
    else:
        rows = [
            [
                str(r["alert_id"]),
                short_time(alert.event.at),
                r["account"],
                r["device"] or "Unknown client",
                r["location"] or "—",
                "; ".join(r["reasons"]) or "—",
                acked_text(r["acked_by"], time_from_text(r["acked_at"])) or "no",
            ]
            for alert, r in zip(found, records, strict=True)
        ]
        headings = ("ID", "TIME", "ACCOUNT", "DEVICE", "PLACE", "WHY", "ACKNOWLEDGED")
        print_table(headings, rows, out)
    return exit_codes.OK


def ack_main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = ack_parser().parse_args(argv)
    try:
        with _service(args) as service:
            if service is None:  # no history on this machine: none of them is here
                result, acked, already = (
                    AckResult(missing=list(dict.fromkeys(args.alert_ids))),
                    [],
                    [],
                )
            else:
                result = service.acknowledge(args.alert_ids)
                acked = [_record(service, a) for a in result.acked]
                already = [_record(service, a) for a in result.already]
    except (HistoryStoreError, ConfigError) as exc:
        show(f"session-tui ack: {plain(str(exc), 300)}", sys.stderr)
        return exit_codes.USAGE if isinstance(exc, ConfigError) else exit_codes.SERVER
    if args.json:
        show(
            json_text(
                {
                    "acknowledged": acked,
                    "already": already,
                    "not_alerts": result.not_alerts,
                    "missing": result.missing,
                }
            ),
            out,
        )
    else:
        _say_result(acked, already, result, out)
    return _exit_code(result)


def _say_result(
    acked: list[dict[str, Any]], already: list[dict[str, Any]], result: AckResult, out: TextIO
) -> None:
    for r in acked:
        show(f"Acknowledged alert {r['alert_id']}: {_what(r)}.", out)
    for r in already:
        when = acked_text(r["acked_by"], time_from_text(r["acked_at"]))
        show(f"Alert {r['alert_id']} was already {when}: {_what(r)}.", out)
    for alert_id in result.not_alerts:
        show(f"{alert_id} is a sign-in that raised no alert: nothing to acknowledge.", sys.stderr)
    for alert_id in result.missing:
        show(f"No alert {alert_id} in the store (see session-tui alerts).", sys.stderr)


def _what(record: dict[str, Any]) -> str:
    where = f" from {record['location']}" if record["location"] else ""
    return f"{record['account']}, {record['device'] or 'Unknown client'}{where}"


def _exit_code(result: AckResult) -> int:
    """0 when every id is acknowledged (now or before); 5 when only some are; 1 when none."""
    done = len(result.acked) + len(result.already)
    if not result.not_alerts and not result.missing:
        return exit_codes.OK
    return exit_codes.PARTIAL if done else exit_codes.USAGE
