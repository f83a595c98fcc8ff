"""The `session-tui` command: parse arguments, build providers, run the app or a subcommand.

Flag, subcommand and environment-variable names are a contract with users' scripts.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from session_tui import __version__
from session_tui.errors import ConfigError, SessionTuiError
from session_tui.options import PASSWORD_ENV, TOKEN_ENV, account_options

SUBCOMMANDS = ("logout", "audit")

__all__ = ["PASSWORD_ENV", "TOKEN_ENV", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui",
        description="A keyboard-driven terminal dashboard for the sign-in sessions of an account.",
        epilog=f"Subcommands: {', '.join(SUBCOMMANDS)} (see `session-tui SUBCOMMAND --help`). "
        f"Credentials: {TOKEN_ENV} (access token), {PASSWORD_ENV} (password, for scripts).",
    )
    parser.add_argument("--version", action="version", version=f"session-tui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="run on the embedded demo service (the default)"
    )
    parser.add_argument(
        "--demo-server",
        action="store_true",
        help="run only the demo service in the foreground and print its URL and token",
    )
    parser.add_argument(
        "--list-providers",
        action="store_true",
        help="list the installed session API providers (plugins included) and exit",
    )
    account_options(parser.add_argument_group("account"))
    view = parser.add_argument_group("display")
    view.add_argument(
        "--interval", type=float, default=None, metavar="SECONDS", help="poll interval (default 5)"
    )
    view.add_argument(
        "--online-window",
        type=float,
        default=None,
        metavar="MINUTES",
        help="active within this many minutes counts as Online (default 5)",
    )
    view.add_argument(
        "--city-db", type=Path, metavar="FILE", help="a MaxMind-format City database (.mmdb)"
    )
    view.add_argument(
        "--retention-days",
        type=float,
        default=None,
        metavar="DAYS",
        help="keep the history of ended sessions and sign-ins this long (default 90)",
    )
    admin = parser.add_argument_group("on-call mode (Synapse or Better Auth admin API)")
    admin.add_argument("--admin", action="store_true", help="use the server admin API")
    admin.add_argument(
        "--watch",
        action="append",
        default=None,
        metavar="USER",
        help="an account to watch in admin mode (repeatable): a Matrix id or an e-mail",
    )
    alerts = parser.add_argument_group("alerts")
    alerts.add_argument("--no-bell", action="store_true", help="do not ring the bell on alerts")
    alerts.add_argument(
        "--on-alert",
        metavar="COMMAND",
        help="run COMMAND for each alert, with the event as JSON on stdin",
    )
    return parser


# What each number may be: a poll faster than twice a second only loads the server, and the
# upper ends are far past any use (they also keep timedelta and the timers from overflowing).
LIMITS: dict[str, tuple[float, float, float]] = {  # flag: (default, lowest, highest)
    "--interval": (5.0, 0.5, 86_400.0),
    "--online-window": (5.0, 0.1, 10_080.0),
    "--retention-days": (90.0, 0.01, 36_500.0),
}


def _number(value: float | None, flag: str) -> float:
    """The flag's value (or the profile's, or the default), refused when out of its range."""
    default, lowest, highest = LIMITS[flag]
    if value is None:
        return default
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{flag} must be a positive number.")
    if not lowest <= value <= highest:
        raise ConfigError(f"{flag} must be between {lowest:g} and {highest:g}.")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in SUBCOMMANDS:
            return _subcommand(args_list[0], args_list[1:])
        args = build_parser().parse_args(args_list)
        if args.list_providers:
            from session_tui.registry import describe

            print(describe())
            return 0
        if args.demo_server:
            from session_tui.demo.server import run_foreground

            return run_foreground()
        return _run_app(args)
    except SessionTuiError as exc:
        print(f"session-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _subcommand(name: str, argv: list[str]) -> int:
    if name == "audit":
        from session_tui.tracking.audit import audit_main

        return audit_main(argv)
    from session_tui.connect import logout_main

    return logout_main(argv, os.environ)


def _run_app(args: argparse.Namespace) -> int:
    from session_tui.connect import open_accounts
    from session_tui.ui.app import AppOptions, SessionTuiApp

    # Refuse bad numbers before anything signs in or prompts for a password.
    _number(args.interval, "--interval")
    _number(args.online_window, "--online-window")
    _number(args.retention_days, "--retention-days")
    accounts = open_accounts(args, os.environ)
    try:
        # Profile values (accounts.*) already carry the flags laid over them.
        options = AppOptions(
            interval=_number(accounts.interval, "--interval"),
            online_window=timedelta(minutes=_number(args.online_window, "--online-window")),
            city_db=args.city_db or accounts.city_db,
            retention=timedelta(days=_number(accounts.retention_days, "--retention-days")),
            bell=not args.no_bell,
            on_alert=args.on_alert,
            profile=accounts.profile,
        )
        app = SessionTuiApp(accounts.providers, options, reconnect=accounts.reconnect)
        app.run()
    finally:
        accounts.close()
    return app.return_code or 0
