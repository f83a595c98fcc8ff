"""authentik: an API token (`SESSION_TUI_TOKEN`, made under the user's settings, Tokens and App
passwords); the user's own sessions, or on call (an admin's token) the watched users'."""

from __future__ import annotations

from session_tui.errors import ConfigError
from session_tui.options import TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider


def open_authentik(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.authentik import AuthentikProvider
    from session_tui.providers.http import check_url, host_of

    choices = request.choices
    if not choices.base_url:
        raise ConfigError("--provider authentik needs --base-url URL (the authentik server).")
    token = request.env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider authentik needs an API token in {TOKEN_ENV}.")
    base = check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    insecure = choices.allow_insecure_http
    if choices.admin:
        if not choices.watch:
            raise ConfigError("--admin needs at least one --watch USERNAME.")
        providers: list[SessionProvider] = [
            AuthentikProvider(base, token, watched=user, allow_insecure_http=insecure)
            for user in dict.fromkeys(choices.watch)
        ]
        return OpenAccounts(providers, profile=f"on-call {host_of(base)}")
    own = AuthentikProvider(base, token, allow_insecure_http=insecure)
    own.account = choices.user or host_of(base)
    return OpenAccounts([own], profile=choices.user or host_of(base))


PLUGIN = ProviderPlugin(
    name="authentik",
    summary="authentik (API token: your sessions; an admin's, on call)",
    open=open_authentik,
    options=("base_url", "user"),
    admin=True,
)
