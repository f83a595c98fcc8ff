"""Clerk, on call only: the instance's secret key (`SESSION_TUI_TOKEN`, `sk_...`) and the
Backend API (`--base-url`, by default Clerk's own)."""

from __future__ import annotations

from session_tui.errors import ConfigError
from session_tui.options import TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider


def open_clerk(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.clerk import DEFAULT_BASE_URL, ClerkProvider
    from session_tui.providers.http import check_url, host_of

    choices = request.choices
    if not choices.admin or not choices.watch:
        raise ConfigError(
            "Clerk is watched on call: --admin --watch USER_ID (e.g. user_2x...), with the "
            f"instance's secret key in {TOKEN_ENV}."
        )
    key = request.env.get(TOKEN_ENV)
    if not key:
        raise ConfigError(f"--provider clerk needs the instance's secret key in {TOKEN_ENV}.")
    base = check_url(
        choices.base_url or DEFAULT_BASE_URL, allow_insecure_http=choices.allow_insecure_http
    )
    providers: list[SessionProvider] = [
        ClerkProvider(base, key, user, allow_insecure_http=choices.allow_insecure_http)
        for user in dict.fromkeys(choices.watch)
    ]
    return OpenAccounts(providers, profile=f"on-call {host_of(base)}")


PLUGIN = ProviderPlugin(
    name="clerk",
    summary="Clerk instances, on call (Backend API: users' sessions)",
    open=open_clerk,
    options=("base_url",),
    admin=True,
)
