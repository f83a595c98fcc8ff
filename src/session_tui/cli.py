"""The `session-tui` command: the dashboard, or one of its commands for scripts.

Flag, command and environment-variable names, and the exit codes (`exit_codes`), are a
contract with users' scripts. Every command takes the same account options as the dashboard
(`options.session_options`) and, with no provider, runs on the embedded demo as it does.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from session_tui import __version__, exit_codes
from session_tui.console import say, show
from session_tui.errors import SessionTuiError
from session_tui.options import PASSWORD_ENV, TOKEN_ENV, Parser, number, session_options

if TYPE_CHECKING:
    from session_tui.plugin import DeviceCodePrompt

# name: one line for `session-tui --help`
COMMANDS: dict[str, str] = {
    "list": "print the active sessions (a table, --json or --csv)",
    "revoke": "revoke sessions by id, --all-others or --risky",
    "trust": 'say "this was me" for sessions: their risk clears (--undo takes it back)',
    "watch": "print sign-ins, endings, alerts and connection changes as they happen",
    "history": "print the ended sessions session-tui has seen",
    "audit": "print the audit trail of revocations",
    "alerts": "print the sign-in alerts with their ids, and who acknowledged each",
    "ack": "acknowledge alerts by id, for the whole team",
    "serve": "show the dashboard in a browser (127.0.0.1; read-only unless --allow-revoke)",
    "logout": "end the session session-tui signed in with, and forget it",
    "config": "config show: the effective configuration, secrets masked",
}
SUBCOMMANDS = tuple(COMMANDS)

__all__ = ["COMMANDS", "PASSWORD_ENV", "TOKEN_ENV", "build_parser", "main"]


def _usage() -> str:
    return (
        "session-tui [options]                the dashboard\n"
        f"       session-tui {{{','.join(COMMANDS)}}} ...   a command (see COMMAND --help)"
    )


def _epilog() -> str:
    lines = ["commands:"]
    lines += [f"  {name:<9} {what}" for name, what in COMMANDS.items()]
    lines += [
        "",
        f"credentials: {TOKEN_ENV} (an access token), {PASSWORD_ENV} (a password, for scripts)",
        exit_codes.HELP,
        "",
        "example: session-tui --provider matrix --homeserver https://matrix.example.org "
        "--user @alice:example.org",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="session-tui",
        usage=_usage(),
        description="A keyboard-driven terminal dashboard for the sign-in sessions of an account.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"session-tui {__version__}")
    parser.add_argument(
        "--demo-server",
        action="store_true",
        help="run only the demo service in the foreground and print its URL and token (the "
        "kept demo account, or --demo-sessions N sessions)",
    )
    parser.add_argument(
        "--list-providers",
        action="store_true",
        help="list the installed session API providers (plugins included) and exit",
    )
    session_options(parser)
    view = parser.add_argument_group("display and alerts")
    view.add_argument(
        "--inactive-days",
        type=float,
        default=None,
        metavar="DAYS",
        help="`i` shows the sessions idle longer than this (default 90)",
    )
    view.add_argument(
        "--background-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="on call, poll the accounts not on screen this often (default 4 x --interval)",
    )
    view.add_argument("--no-bell", action="store_true", help="do not ring the bell on alerts")
    view.add_argument(
        "--ascii",
        action="store_true",
        help="every character sent is ASCII: country codes instead of flags, plain borders and "
        "markers, accents dropped, cuts ending in ~ (automatic where the locale is not UTF-8, "
        "or TERM=linux)",
    )
    view.add_argument(
        "--on-alert",
        metavar="COMMAND",
        help="run COMMAND for each alert, with the event as JSON on stdin",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C ends a command (exit 130) even when this process was started with SIGINT
        # ignored, as background jobs and some CI systems start theirs.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        command = _command_in(args_list)
        if command is not None:
            return _command(*command)
        args = build_parser().parse_args(args_list)
        if args.list_providers:
            from session_tui.registry import describe

            show(describe())
            return exit_codes.OK
        if args.demo_server:
            from session_tui.demo.foreground import run_foreground

            return run_foreground(sessions=_demo_sessions(args), reset=args.demo_reset)
        return _run_app(args)
    except SessionTuiError as exc:
        say(str(exc))
        return exit_codes.for_error(exc)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Point stdout at nothing so the
        # interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exit_codes.OK


def _command_in(argv: list[str]) -> tuple[str, list[str]] | None:
    """The command and its arguments, when `argv` names one: `list --json`, and also
    `--interval 2 list --json`, whose options before the command are handed to it after
    (`list --json --interval 2`): every command takes the account options the dashboard does."""
    if argv and argv[0] in COMMANDS:
        return argv[0], argv[1:]
    if not argv or not argv[0].startswith("-"):
        return None
    takes_value = {
        flag
        for action in build_parser()._actions  # argparse keeps no public list of them
        if action.nargs != 0
        for flag in action.option_strings
    }
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--" or not token.startswith("-"):
            break
        index += 2 if token in takes_value else 1
    if index < len(argv) and argv[index] in COMMANDS:
        return argv[index], argv[index + 1 :] + argv[:index]
    return None


def _demo_sessions(args: argparse.Namespace) -> int | None:
    from session_tui.errors import ConfigError
    from session_tui.options import MAX_DEMO_SESSIONS

    sessions: int | None = args.demo_sessions
    if sessions is not None and not 1 <= sessions <= MAX_DEMO_SESSIONS:
        raise ConfigError(f"--demo-sessions must be between 1 and {MAX_DEMO_SESSIONS:,}.")
    return sessions


def _command(name: str, argv: list[str]) -> int:
    if name == "audit":
        from session_tui.commands.audit import audit_main

        return audit_main(argv)
    if name == "serve":
        from session_tui.web.command import serve, split

        args, dashboard = split(argv)
        build_parser().parse_args(dashboard)  # the pages' options, checked before listening
        return serve(args, dashboard)
    if name in ("alerts", "ack"):
        from session_tui.commands.alerts import ack_main, alerts_main

        return (alerts_main if name == "alerts" else ack_main)(argv)
    if name == "logout":
        from session_tui.connect import logout_main

        return logout_main(argv, os.environ)
    from session_tui.commands import run

    return run(name, argv)


def _run_app(args: argparse.Namespace) -> int:
    # Start-up makes hundreds of thousands of objects that live as long as the app (modules,
    # classes, widgets, styles), and the collector walking them again and again was 37 ms of
    # the time to the first listing (a bare Textual app: 12). It is off until the first
    # listing is on screen; the app then freezes what start-up made and turns it back on
    # (`ui/collection.py`), and so does leaving here, whatever happened.
    gc.disable()
    try:
        return _run_dashboard(args)
    finally:
        gc.enable()


def _device_screen(prompt: DeviceCodePrompt, wait: Callable[[], Any]) -> Any:
    """A device sign-in, shown full screen before the dashboard (`ui.device_signin`)."""
    from session_tui.ui.device_signin import show

    return show(prompt, wait)


def _run_dashboard(args: argparse.Namespace) -> int:
    from session_tui.config import top_level
    from session_tui.connect import open_accounts
    from session_tui.ui.app import AppOptions, SessionTuiApp
    from session_tui.ui.glyphs import wants_ascii

    # Refuse bad numbers before anything signs in or prompts for a password.
    number(args.interval, "--interval")
    number(args.online_window, "--online-window")
    number(args.retention_days, "--retention-days")
    number(args.inactive_days, "--inactive-days")
    if args.background_interval is not None:
        number(args.background_interval, "--background-interval")
    accounts = open_accounts(args, os.environ, device=_device_screen)
    settings = top_level()  # the theme and the operator, in one read of the file
    try:
        # Profile values (accounts.*) already carry the flags laid over them.
        options = AppOptions(
            interval=number(accounts.interval, "--interval"),
            online_window=timedelta(minutes=number(args.online_window, "--online-window")),
            city_db=args.city_db or accounts.city_db,
            asn_db=args.asn_db or accounts.asn_db,
            retention=timedelta(days=number(accounts.retention_days, "--retention-days")),
            bell=not args.no_bell,
            on_alert=args.on_alert,
            profile=accounts.profile,
            read_only=accounts.read_only,
            theme=settings.get("theme"),
            operator=settings.get("operator"),
            store=accounts.store,
            ascii=args.ascii or wants_ascii(),
            inactive_days=number(args.inactive_days, "--inactive-days"),
            background_interval=args.background_interval,
        )
        app = SessionTuiApp(accounts.providers, options, reconnect=accounts.reconnect)
        app.run()
    finally:
        accounts.close()
    return app.return_code or 0
