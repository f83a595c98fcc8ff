"""Better Auth sites: e-mail and password sign-in as a bearer client, token stored 0600;
on-call mode through the admin plugin."""

from __future__ import annotations

from dataclasses import dataclass

from session_tui.errors import ConfigError
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider
from session_tui.signin import common
from session_tui.signin.common import Identity, Login


@dataclass
class BetterAuthAuthenticator:
    server: str  # the API root: site URL and base path
    provider: str = "better-auth"

    def check(self, token: str) -> Identity:
        from session_tui.providers.better_auth_signin import me_sync

        me = me_sync(self.server, token)
        return Identity(me.email, me.session_id)

    def login(self, user: str, password: str) -> Login:
        from session_tui.providers.better_auth_signin import login_sync

        token, me = login_sync(self.server, user, password)
        return Login(token, Identity(me.email, me.session_id))

    def logout(self, token: str) -> bool:
        from session_tui.providers.better_auth_signin import logout_sync

        return logout_sync(self.server, token)


def authenticator(request: OpenRequest) -> BetterAuthAuthenticator:
    from session_tui.providers.better_auth import api_root
    from session_tui.providers.http import check_url

    choices = request.choices
    if not choices.base_url:
        raise ConfigError(
            "--provider better-auth needs --base-url URL (the site's root; the API is under "
            "/api/auth unless --base-path says otherwise)."
        )
    base = check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    return BetterAuthAuthenticator(api_root(base, choices.base_path))


def open_better_auth(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.better_auth import (
        BetterAuthAdminProvider,
        BetterAuthProvider,
        SharedToken,
    )
    from session_tui.providers.better_auth_signin import check_admin_sync

    choices = request.choices
    auth = authenticator(request)
    insecure = choices.allow_insecure_http
    if choices.admin and not choices.watch:
        raise ConfigError("--admin needs at least one --watch EMAIL (or `watch` in a profile).")
    signed = common.sign_in(auth, choices.user, request.env, request.prompt, user_hint="EMAIL")
    user = choices.user or signed.identity.user
    assert choices.base_url is not None
    base_url, base_path = choices.base_url, choices.base_path

    def watching(credential: SharedToken, account: str) -> BetterAuthAdminProvider:
        return BetterAuthAdminProvider(
            base_url, credential, account, base_path=base_path, allow_insecure_http=insecure
        )

    if not choices.admin:

        def make(login: Login) -> SessionProvider:
            return BetterAuthProvider(
                base_url, login.token, base_path=base_path, allow_insecure_http=insecure
            )

        return OpenAccounts(
            [make(signed)],
            profile=signed.identity.user,
            reconnect=common.reconnector(auth, user, make),
        )

    check_admin_sync(auth.server, signed.token)
    shared = SharedToken(signed.token)
    watched = list(dict.fromkeys(choices.watch))
    providers: list[SessionProvider] = [watching(shared, w) for w in watched]

    return OpenAccounts(
        providers,
        profile=f"on-call {signed.identity.user}",
        reconnect=common.shared_reconnector(auth, user, shared, lambda a: watching(shared, a)),
    )


def logout_better_auth(request: OpenRequest) -> int:
    if not request.choices.user:
        raise ConfigError("logout --provider better-auth needs --base-url URL and --user EMAIL.")
    return common.logout(authenticator(request), request.choices.user)


PLUGIN = ProviderPlugin(
    name="better-auth",
    summary="Better Auth sites (bearer plugin; admin plugin for on-call mode)",
    open=open_better_auth,
    logout=logout_better_auth,
    options=("base_url", "base_path", "user"),
    admin=True,
)
