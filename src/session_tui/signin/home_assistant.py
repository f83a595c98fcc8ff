"""Home Assistant: a long-lived access token (`SESSION_TUI_TOKEN`), else the refresh token an
earlier run stored (0600), else the login flow with a password (`SESSION_TUI_PASSWORD` or a
prompt). The shared sign-in order of `signin.common` does the rest."""

from __future__ import annotations

from dataclasses import dataclass

from session_tui.errors import ConfigError
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider
from session_tui.signin import common
from session_tui.signin.common import Identity, Login


def _is_access_token(token: str) -> bool:
    """Access tokens (long-lived ones too) are JWTs; refresh tokens are opaque hex."""
    return token.count(".") == 2


@dataclass
class HassAuthenticator:
    server: str  # the checked base URL
    provider: str = "home-assistant"

    def _identity(self, access_token: str) -> Identity:
        from session_tui.providers.hass_auth import whoami_sync

        user = whoami_sync(self.server, access_token)
        name = user.get("name")
        return Identity(name if isinstance(name, str) and name else "home assistant user")

    def check(self, token: str) -> Identity:
        from session_tui.providers.hass_auth import refresh_sync

        if _is_access_token(token):
            return self._identity(token)
        return self._identity(refresh_sync(self.server, token).access_token)

    def login(self, user: str, password: str) -> Login:
        from session_tui.providers.hass_auth import login_sync

        granted = login_sync(self.server, user, password)
        if granted.refresh_token is None:
            raise ConfigError(f"{self.server} signed us in without a refresh token.")
        return Login(granted.refresh_token, self._identity(granted.access_token))

    def logout(self, token: str) -> bool:
        from session_tui.providers.hass_auth import logout_sync

        if _is_access_token(token):
            return False  # a long-lived token is ended in Home Assistant's profile page
        return logout_sync(self.server, token)


def authenticator(request: OpenRequest) -> HassAuthenticator:
    from session_tui.providers.http import check_url

    choices = request.choices
    if not choices.base_url:
        raise ConfigError(
            "--provider home-assistant needs --base-url URL (e.g. http://homeassistant.local:8123)."
        )
    return HassAuthenticator(
        check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    )


def open_home_assistant(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.hass_auth import Granted, HassTokens
    from session_tui.providers.home_assistant import HomeAssistantProvider

    choices = request.choices
    if choices.admin:
        raise ConfigError(
            "Home Assistant has no API that lists another user's sessions: no --admin."
        )
    auth = authenticator(request)
    signed = common.sign_in(
        auth,
        choices.user,
        request.env,
        request.prompt,
        user_hint="NAME",
        matches=lambda _name, _identity: True,  # a token does not carry the login name
    )
    user = choices.user or signed.identity.user

    def make(login: Login) -> SessionProvider:
        token = login.token
        granted = (
            Granted(token, None, float("inf"))
            if _is_access_token(token)
            else Granted("", token, 0.0)  # refreshed on first use
        )
        return HomeAssistantProvider(
            auth.server,
            HassTokens(auth.server, granted),
            account=login.identity.user,
            allow_insecure_http=choices.allow_insecure_http,
        )

    return OpenAccounts(
        [make(signed)],
        profile=signed.identity.user,
        reconnect=common.reconnector(auth, user, make),
    )


def logout_home_assistant(request: OpenRequest) -> int:
    if not request.choices.user:
        raise ConfigError("logout --provider home-assistant needs --base-url URL and --user NAME.")
    return common.logout(authenticator(request), request.choices.user)


PLUGIN = ProviderPlugin(
    name="home-assistant",
    summary="Home Assistant (its refresh tokens, over the websocket API)",
    open=open_home_assistant,
    logout=logout_home_assistant,
    options=("base_url", "user"),
)
