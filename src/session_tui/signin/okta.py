"""Okta, on call only: an API token (`SESSION_TUI_TOKEN`, sent as `SSWS`) of an admin who may
read the System Log and users, and clear sessions to revoke."""

from __future__ import annotations

from session_tui.errors import ConfigError
from session_tui.options import TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider


def open_okta(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.http import check_url, host_of
    from session_tui.providers.okta import OktaProvider

    choices = request.choices
    if not choices.base_url:
        raise ConfigError("--provider okta needs --base-url https://ORG.okta.com.")
    if not choices.admin or not choices.watch:
        raise ConfigError(
            "Okta is watched on call: --admin --watch USER (a login or a user id), with an API "
            f"token in {TOKEN_ENV}."
        )
    token = request.env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider okta needs an API token in {TOKEN_ENV}.")
    base = check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    providers: list[SessionProvider] = [
        OktaProvider(base, token, user, allow_insecure_http=choices.allow_insecure_http)
        for user in dict.fromkeys(choices.watch)
    ]
    return OpenAccounts(providers, profile=f"on-call {host_of(base)}")


PLUGIN = ProviderPlugin(
    name="okta",
    summary="Okta orgs, on call (sign-ins from the System Log that are still live sessions)",
    open=open_okta,
    options=("base_url",),
    admin=True,
)
