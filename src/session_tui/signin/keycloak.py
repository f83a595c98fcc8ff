"""Keycloak: signing in as a terminal app, over SSH with no browser on the machine.

The order, first that works: `SESSION_TUI_TOKEN` (an access token from elsewhere: it is used
until it expires, never refreshed), the refresh token an earlier run stored (0600), the
password grant with `SESSION_TUI_PASSWORD`, and on a terminal the OAuth 2.0 device
authorization grant: the verification link and the user code go to stderr, the user approves
on any device with a browser, and the refresh token is stored so that the next run signs in
silently. A client without the device grant falls back to a password prompt.

Every refresh token Keycloak hands back on a refresh is stored in place of the old one, so the
stored sign-in lives as long as the Keycloak session does.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from session_tui import credentials
from session_tui.console import say
from session_tui.errors import AuthExpired, ConfigError, ProviderError, WrongPassword
from session_tui.options import CLIENT_SECRET_ENV, PASSWORD_ENV, TOKEN_ENV
from session_tui.plugin import DeviceSignIn, OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.signin import common

if TYPE_CHECKING:
    from session_tui.providers.base import SessionProvider
    from session_tui.providers.oidc import Realm, Tokens

DEFAULT_CLIENT = "session-tui"


@dataclass
class KeycloakSignIn:
    """One realm, as the client session-tui signs in as."""

    base_url: str
    realm_name: str
    realm: Realm
    insecure: bool
    provider: str = "keycloak"

    @property
    def server(self) -> str:  # what the stored sign-in is filed under
        return f"{self.base_url}{self.realm.realm_path}"

    def client(self):
        from session_tui.providers.http import make_sync_client

        return make_sync_client(self.base_url)

    def key(self, user: str) -> str:
        return credentials.credential_key(self.server, user, provider=self.provider)

    def store(self, user: str, tokens: Tokens) -> None:
        if not tokens.refresh_token:
            return
        claims = tokens.claims
        sid = claims.get("sid")
        credentials.save(
            self.key(user),
            credentials.StoredCredential(
                homeserver=self.server,
                user_id=user,
                access_token=tokens.refresh_token,
                device_id=sid if isinstance(sid, str) else None,
                provider=self.provider,
            ),
        )

    def password(self, user: str, password: str) -> Tokens:
        with self.client() as client:
            return self.realm.password(client, user, password)

    def refresh(self, refresh_token: str) -> Tokens:
        with self.client() as client:
            return self.realm.refresh_sync(client, refresh_token)

    def device(self, show: DeviceSignIn | None) -> Tokens:
        from session_tui.plugin import DeviceCodePrompt

        with self.client() as client:
            code = self.realm.start_device(client)
            shown = DeviceCodePrompt(
                f"{self.realm_name} on {self.base_url}",
                code.verification_uri_complete or code.verification_uri,
                code.user_code,
            )

            def wait() -> Tokens:
                return self.realm.wait_for_device(client, code)

            if show is not None:
                tokens: Tokens = show(shown, wait)
                return tokens
            say(
                f"To sign in to {shown.where}, open {shown.link} on any device with a browser "
                f"and approve the code {shown.user_code}."
            )
            return wait()


def sign_in_for(request: OpenRequest) -> KeycloakSignIn:
    from session_tui.providers.http import check_url
    from session_tui.providers.keycloak import realm_path
    from session_tui.providers.oidc import Realm

    choices = request.choices
    if not choices.base_url or not choices.realm:
        raise ConfigError(
            "--provider keycloak needs --base-url URL (the server's root) and --realm NAME."
        )
    base = check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    secret = request.env.get(CLIENT_SECRET_ENV) or None
    realm = Realm(
        host=base.split("://", 1)[-1],
        realm_path=realm_path(choices.realm),
        client_id=choices.client_id or DEFAULT_CLIENT,
        client_secret=secret,
    )
    return KeycloakSignIn(base, choices.realm, realm, choices.allow_insecure_http)


def _tokens(signing: KeycloakSignIn, request: OpenRequest) -> tuple[Tokens, str | None]:
    """A working sign-in, and the user it is stored under (None: not stored)."""
    from session_tui.providers.oidc import Tokens

    env = request.env
    user = request.choices.user
    token = env.get(TOKEN_ENV)
    if token:
        return Tokens(token, None, float("inf")), None
    password = common.take_password(env)
    if not user:
        raise ConfigError(
            f"--provider keycloak needs --user NAME (or an access token in {TOKEN_ENV})."
        )
    stored = credentials.load(signing.key(user))
    if stored is not None:
        try:
            tokens = signing.refresh(stored.access_token)
        except AuthExpired:
            credentials.remove(signing.key(user))
            say(f"The stored sign-in for {user} has ended; signing in again.")
        else:
            signing.store(user, tokens)
            return tokens, user
    if password:
        tokens = signing.password(user, password)
    elif not sys.stdin.isatty():
        raise ConfigError(
            f"No stored sign-in and no terminal to sign in on: set {PASSWORD_ENV} (if the "
            f"client allows the password grant) or {TOKEN_ENV}, or run once on a terminal."
        )
    else:
        try:
            tokens = signing.device(request.device)
        except ConfigError:  # the client has no device grant: a password, then
            tokens = _prompted(signing, user, request)
    signing.store(user, tokens)
    return tokens, user


def _prompted(signing: KeycloakSignIn, user: str, request: OpenRequest) -> Tokens:
    for attempt in range(1, common.PASSWORD_TRIES + 1):
        password = request.prompt(f"Password for {user} on {signing.realm.host}: ")
        try:
            return signing.password(user, password)
        except WrongPassword:
            if attempt == common.PASSWORD_TRIES:
                raise
            say("Wrong password, try again.")
    raise AssertionError("unreachable")  # pragma: no cover


def open_keycloak(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.keycloak import KeycloakProvider
    from session_tui.providers.tokens import TokenSource

    choices = request.choices
    signing = sign_in_for(request)
    if choices.admin:
        return _open_on_call(signing, request)
    tokens, user = _tokens(signing, request)

    def keep(refresh_token: str) -> None:
        if user is not None:
            signing.store(user, _with_refresh(tokens, refresh_token))

    def make(fresh: Tokens) -> SessionProvider:
        source = TokenSource(signing.realm, fresh, on_refresh=keep if user else None)
        return KeycloakProvider(
            signing.base_url, signing.realm_name, source, allow_insecure_http=signing.insecure
        )

    async def reconnect(old: SessionProvider, password: str) -> SessionProvider:
        import asyncio

        if user is None:
            raise ConfigError(f"Signed in with {TOKEN_ENV}: set a new token and start again.")
        fresh = await asyncio.to_thread(signing.password, user, password)
        signing.store(user, fresh)
        return make(fresh)

    claims = tokens.claims
    name = claims.get("preferred_username") or user or "keycloak"
    return OpenAccounts([make(tokens)], profile=str(name), reconnect=reconnect)


def _open_on_call(signing: KeycloakSignIn, request: OpenRequest) -> OpenAccounts:
    """`--admin --watch USER...`: a service account (`--client-id`, its secret in
    SESSION_TUI_CLIENT_SECRET: client credentials, asked again as each token runs out) or an
    admin's access token in SESSION_TUI_TOKEN; one token and one connection pool for all."""
    from session_tui.providers.keycloak_admin import KeycloakAdminProvider
    from session_tui.providers.oidc import Tokens
    from session_tui.providers.tokens import SharedTokens, TokenSource

    choices = request.choices
    if not choices.watch:
        raise ConfigError("--admin needs at least one --watch USER (or `watch` in a profile).")
    token = request.env.get(TOKEN_ENV)
    if token:
        source = TokenSource(signing.realm, Tokens(token, None, float("inf")))
    elif signing.realm.client_secret:
        with signing.client() as client:
            first = signing.realm.client_credentials_sync(client)
        source = TokenSource(signing.realm, first, service_account=True)
    else:
        raise ConfigError(
            "On call, --provider keycloak signs in as a service account: --client-id NAME "
            f"and its secret in {CLIENT_SECRET_ENV} (or an admin's access token in "
            f"{TOKEN_ENV})."
        )
    access = SharedTokens(source)
    providers: list[SessionProvider] = [
        KeycloakAdminProvider(
            signing.base_url,
            signing.realm_name,
            access,
            watched,
            allow_insecure_http=signing.insecure,
        )
        for watched in dict.fromkeys(choices.watch)
    ]
    return OpenAccounts(providers, profile=f"on-call {access.operator or signing.realm_name}")


def _with_refresh(tokens: Tokens, refresh_token: str) -> Tokens:
    from session_tui.providers.oidc import Tokens

    return Tokens(tokens.access_token, refresh_token, tokens.expires_at)


def logout_keycloak(request: OpenRequest) -> int:
    """End the stored sign-in's Keycloak session, then forget it."""
    user = request.choices.user
    if not user:
        raise ConfigError("logout --provider keycloak needs --base-url, --realm and --user.")
    signing = sign_in_for(request)
    stored = credentials.load(signing.key(user))
    if stored is None:
        common.show(f"No stored sign-in for {user} on {signing.server}; nothing to do.")
        return 0
    try:
        with signing.client() as client:
            was_live = signing.realm.logout(client, stored.access_token)
    except ProviderError as exc:
        say(f"could not sign out ({exc}); the stored sign-in was kept, run logout again later.")
        return 1
    credentials.remove(signing.key(user))
    if was_live:
        common.show(f"Signed out the session of {user} and removed the stored sign-in.")
    else:
        common.show(f"The session of {user} had already ended; removed the stored sign-in.")
    return 0


PLUGIN = ProviderPlugin(
    name="keycloak",
    summary="Keycloak realms (Account REST API, device sign-in; admin API on call)",
    open=open_keycloak,
    logout=logout_keycloak,
    options=("base_url", "realm", "client_id", "user"),
    admin=True,
)
