"""django-allauth sites: sign in through the headless app client, token stored 0600."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from session_tui.errors import ConfigError
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider
from session_tui.signin import common
from session_tui.signin.common import Identity, Login

if TYPE_CHECKING:
    from session_tui.providers.allauth import AllauthUser


def _identity(user: AllauthUser, session_id: str | None) -> Identity:
    aliases = frozenset(a for a in (user.username, user.email) if a)
    return Identity(user.name, session_id, aliases)


@dataclass
class AllauthAuthenticator:
    server: str  # the checked site root
    provider: str = "allauth"

    def check(self, token: str) -> Identity:
        from session_tui.providers.allauth import who_sync

        return _identity(who_sync(self.server, token), None)

    def login(self, user: str, password: str) -> Login:
        from session_tui.providers.allauth import login_sync

        result = login_sync(self.server, user, password)
        return Login(result.token, _identity(result.user, result.session_id))

    def logout(self, token: str) -> bool:
        from session_tui.providers.allauth import logout_sync

        return logout_sync(self.server, token)


def authenticator(request: OpenRequest) -> AllauthAuthenticator:
    from session_tui.providers.http import check_url

    choices = request.choices
    if not choices.base_url:
        raise ConfigError(
            "--provider allauth needs --base-url URL (the site's root; the API is under "
            "/_allauth/app/v1/)."
        )
    return AllauthAuthenticator(
        check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    )


def open_allauth(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.allauth import AllauthProvider

    choices = request.choices
    auth = authenticator(request)
    signed = common.sign_in(
        auth, choices.user, request.env, request.prompt, user_hint="NAME (user name or e-mail)"
    )

    def make(login: Login) -> SessionProvider:
        return AllauthProvider(
            auth.server,
            login.token,
            account=login.identity.user,
            allow_insecure_http=choices.allow_insecure_http,
        )

    user = choices.user or signed.identity.user
    return OpenAccounts(
        [make(signed)],
        profile=signed.identity.user,
        reconnect=common.reconnector(auth, user, make),
    )


def logout_allauth(request: OpenRequest) -> int:
    if not request.choices.user:
        raise ConfigError("logout --provider allauth needs --base-url URL and --user NAME.")
    return common.logout(authenticator(request), request.choices.user)


PLUGIN = ProviderPlugin(
    name="allauth",
    summary="django-allauth sites (allauth.usersessions and the headless API)",
    open=open_allauth,
    logout=logout_allauth,
    options=("base_url", "user"),
)
