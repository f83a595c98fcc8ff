"""Names shared by the command line and the code that signs in: environment variables, the
account options every command takes, and what their numbers may be. `cli`, `connect` and the
commands import this module, never each other."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import NoReturn

from session_tui.errors import ConfigError
from session_tui.paths import STORE_ENV

TOKEN_ENV = "SESSION_TUI_TOKEN"
PASSWORD_ENV = "SESSION_TUI_PASSWORD"
CLIENT_SECRET_ENV = "SESSION_TUI_CLIENT_SECRET"
MAX_DEMO_SESSIONS = 100_000


def account_options(group: argparse._ActionsContainer) -> None:
    """Which account: shared by the app and `session-tui logout`."""
    group.add_argument(
        "--provider",
        metavar="NAME",
        help="which session API to use (default: the embedded demo service; see --list-providers)",
    )
    group.add_argument("--profile", metavar="NAME", help="a named profile from the config file")
    group.add_argument(
        "--url", metavar="URL", help="base URL of a REST session API (--provider rest)"
    )
    group.add_argument("--homeserver", metavar="URL", help="Matrix homeserver URL")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="the site's or server's root URL (--provider allauth, better-auth, keycloak, "
        "home-assistant, kratos, auth0, clerk, authentik, okta)",
    )
    group.add_argument(
        "--base-path",
        metavar="PATH",
        help="where a Better Auth API is mounted (default /api/auth)",
    )
    group.add_argument("--realm", metavar="NAME", help="the Keycloak realm (--provider keycloak)")
    group.add_argument(
        "--client-id",
        metavar="ID",
        help="the OIDC client session-tui signs in as (--provider keycloak; default session-tui; "
        f"on call a service account, its secret in {CLIENT_SECRET_ENV})",
    )
    group.add_argument(
        "--user",
        metavar="USER",
        help="the account: a Matrix user id (@alice:example.org), a user name or an e-mail",
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http to hosts other than loopback (sends the token unencrypted)",
    )


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error exiting 1 (our code for "usage"), not argparse's 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def session_options(parser: argparse.ArgumentParser) -> None:
    """Which account and how to watch it: the same for the dashboard and every command."""
    parser.add_argument(
        "--demo", action="store_true", help="run on the embedded demo service (the default)"
    )
    parser.add_argument(
        "--demo-sessions",
        type=int,
        default=None,
        metavar="N",
        help=f"give the demo account N live sessions (up to {MAX_DEMO_SESSIONS:,}), to feel a "
        "large account (made for this run only)",
    )
    parser.add_argument(
        "--demo-reset",
        action="store_true",
        help="start the demo account afresh (it is kept in the state directory, and every run "
        "continues where the last one left it)",
    )
    account = parser.add_argument_group("account")
    account_options(account)
    admin = parser.add_argument_group("on-call mode (the server's admin API)")
    admin.add_argument(
        "--admin",
        action="store_true",
        help="use the server admin API (with --demo: watch the demo's users)",
    )
    admin.add_argument(
        "--watch",
        action="append",
        default=None,
        metavar="USER",
        help="an account to watch in admin mode (repeatable): a user id or an e-mail",
    )
    account.add_argument(  # for any account, not only on call
        "--read-only",
        action="store_true",
        default=None,
        help="never revoke, sign out or rename anything (the provider is opened read-only)",
    )
    polling_options(parser.add_argument_group("polling and history"))


def polling_options(view: argparse._ArgumentGroup) -> None:
    """How often to poll, what to keep, and how answers are fetched."""
    view.add_argument(
        "--interval", type=float, default=None, metavar="SECONDS", help="poll interval (default 5)"
    )
    view.add_argument(
        "--city-db", type=Path, metavar="FILE", help="a MaxMind-format City database (.mmdb)"
    )
    view.add_argument(
        "--asn-db",
        type=Path,
        metavar="FILE",
        help="a MaxMind-format ASN database (.mmdb): networks by name, for risk signals",
    )
    view.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="where the history, alerts and audit trail go: postgresql://… shares them with "
        f"every instance on that database (on-call teams), a path a SQLite file of its own "
        f"(default: the profile's file; also {STORE_ENV})",
    )
    view.add_argument(
        "--online-window",
        type=float,
        default=None,
        metavar="MINUTES",
        help="active within this many minutes counts as Online (default 5)",
    )
    view.add_argument(
        "--retention-days",
        type=float,
        default=None,
        metavar="DAYS",
        help="keep the history of ended sessions and sign-ins this long (default 90)",
    )
    view.add_argument(
        "--max-response",
        type=float,
        default=None,
        metavar="MIB",
        help="refuse a server answer larger than this, unread (default 4)",
    )
    view.add_argument(
        "--proxy",
        default=None,
        metavar="URL",
        help="send https requests through this proxy (http:// or https://); the environment's "
        "HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are never used",
    )


# What each number may be: a poll faster than twice a second only loads the server, and the
# upper ends are far past any use (they also keep timedelta and the timers from overflowing).
LIMITS: dict[str, tuple[float, float, float]] = {  # flag: (default, lowest, highest)
    "--interval": (5.0, 0.5, 86_400.0),
    "--background-interval": (20.0, 0.5, 86_400.0),  # the default is 4 x --interval, not this
    "--online-window": (5.0, 0.1, 10_080.0),
    "--retention-days": (90.0, 0.01, 36_500.0),
    "--max-response": (4.0, 0.01, 1024.0),
    "--inactive-days": (90.0, 0.01, 36_500.0),
}


def number(value: float | None, flag: str) -> float:
    """The flag's value (or the profile's, or the default), refused when out of its range."""
    default, lowest, highest = LIMITS[flag]
    if value is None:
        return default
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{flag} must be a positive number.")
    if not lowest <= value <= highest:
        raise ConfigError(f"{flag} must be between {lowest:g} and {highest:g}.")
    return value
