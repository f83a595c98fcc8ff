"""Names shared by the command line and the code that signs in: environment variables and the
account options. Both `cli` and `connect` import this module, never each other."""

from __future__ import annotations

import argparse

TOKEN_ENV = "SESSION_TUI_TOKEN"
PASSWORD_ENV = "SESSION_TUI_PASSWORD"


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
        help="the site's root URL (--provider allauth, better-auth)",
    )
    group.add_argument(
        "--base-path",
        metavar="PATH",
        help="where a Better Auth API is mounted (default /api/auth)",
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
