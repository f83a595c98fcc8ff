"""Ory Kratos: a session token (`SESSION_TUI_TOKEN`, or one stored by an earlier password
sign-in through the native login flow); on call, the admin API with an API key."""

from __future__ import annotations

from dataclasses import dataclass

from session_tui.errors import ConfigError
from session_tui.options import TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider
from session_tui.signin import common
from session_tui.signin.common import Identity, Login


@dataclass
class KratosAuthenticator:
    server: str  # the checked public API URL
    provider: str = "kratos"

    def check(self, token: str) -> Identity:
        from session_tui.providers.kratos_auth import whoami_sync

        who = whoami_sync(self.server, token)
        return Identity(who.name, who.session_id)

    def login(self, user: str, password: str) -> Login:
        from session_tui.providers.kratos_auth import login_sync

        token, who = login_sync(self.server, user, password)
        return Login(token, Identity(who.name, who.session_id))

    def logout(self, token: str) -> bool:
        from session_tui.providers.kratos_auth import logout_sync

        return logout_sync(self.server, token)


def authenticator(request: OpenRequest) -> KratosAuthenticator:
    from session_tui.providers.http import check_url

    choices = request.choices
    if not choices.base_url:
        raise ConfigError(
            "--provider kratos needs --base-url URL (the public API; on call, the admin API)."
        )
    return KratosAuthenticator(
        check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    )


def open_kratos(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.kratos import KratosAdminProvider, KratosProvider

    choices = request.choices
    auth = authenticator(request)
    insecure = choices.allow_insecure_http
    if choices.admin:
        if not choices.watch:
            raise ConfigError("--admin needs at least one --watch IDENTITY_ID.")
        key = request.env.get(TOKEN_ENV) or None
        providers: list[SessionProvider] = [
            KratosAdminProvider(auth.server, key, ident, allow_insecure_http=insecure)
            for ident in dict.fromkeys(choices.watch)
        ]
        return OpenAccounts(providers, profile=f"on-call {auth.server}")
    signed = common.sign_in(
        auth,
        choices.user,
        request.env,
        request.prompt,
        user_hint="EMAIL",
        matches=lambda name, me: name.casefold() == me.user.casefold(),
    )
    user = choices.user or signed.identity.user

    def make(login: Login) -> SessionProvider:
        return KratosProvider(auth.server, login.token, allow_insecure_http=insecure)

    return OpenAccounts(
        [make(signed)],
        profile=signed.identity.user,
        reconnect=common.reconnector(auth, user, make),
    )


def logout_kratos(request: OpenRequest) -> int:
    if not request.choices.user:
        raise ConfigError("logout --provider kratos needs --base-url URL and --user EMAIL.")
    return common.logout(authenticator(request), request.choices.user)


PLUGIN = ProviderPlugin(
    name="kratos",
    summary="Ory Kratos (sessions of a session token; admin API on call)",
    open=open_kratos,
    logout=logout_kratos,
    options=("base_url", "user"),
    admin=True,
)
