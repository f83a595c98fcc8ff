"""Matrix accounts (any homeserver) and Synapse's on-call mode, signed in by `common`.

A password login creates a device named "session-tui on <hostname>" and stores its token.
"""

from __future__ import annotations

from dataclasses import dataclass

from session_tui.errors import ConfigError
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider
from session_tui.signin import common
from session_tui.signin.common import Identity, Login


@dataclass
class MatrixAuthenticator:
    server: str  # the checked homeserver URL
    insecure: bool = False
    provider: str = "matrix"

    def check(self, token: str) -> Identity:
        from session_tui.providers.matrix import whoami_sync

        me = whoami_sync(self.server, token, allow_insecure_http=self.insecure)
        return Identity(me.user_id, me.device_id)

    def login(self, user: str, password: str) -> Login:
        from session_tui.providers.matrix import password_login_sync

        result = password_login_sync(self.server, user, password, allow_insecure_http=self.insecure)
        return Login(result.access_token, Identity(result.user_id, result.device_id))

    def logout(self, token: str) -> bool:
        from session_tui.providers.matrix import logout_sync

        return logout_sync(self.server, token, allow_insecure_http=self.insecure)


def _same_user(user: str, me: Identity) -> bool:
    """A full id (@alice:example.org) must match; a bare localpart is the server's to read."""
    return not user.startswith("@") or me.user == user


def authenticator(request: OpenRequest) -> MatrixAuthenticator:
    from session_tui.providers.http import check_url

    choices = request.choices
    if not choices.homeserver:
        raise ConfigError("--provider matrix needs --homeserver URL.")
    insecure = choices.allow_insecure_http
    homeserver = check_url(choices.homeserver, allow_insecure_http=insecure)
    return MatrixAuthenticator(homeserver, insecure)


def open_matrix(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.matrix import MatrixProvider
    from session_tui.providers.synapse_admin import (
        AdminCredential,
        SynapseAdminProvider,
        check_admin_sync,
    )

    choices = request.choices
    auth = authenticator(request)
    homeserver, insecure = auth.server, auth.insecure
    if choices.admin and not choices.watch:
        raise ConfigError(
            "--admin needs at least one --watch @user:server (or `watch` in a profile)."
        )
    signed = common.sign_in(
        auth,
        choices.user,
        request.env,
        request.prompt,
        user_hint="@name:server",
        matches=_same_user,
    )
    login_user = choices.user or signed.identity.user
    if not choices.admin:

        def make(login: Login) -> SessionProvider:
            return MatrixProvider(
                homeserver, login.token, user_id=login.identity.user, allow_insecure_http=insecure
            )

        return OpenAccounts(
            [make(signed)],
            profile=signed.identity.user,
            reconnect=common.reconnector(auth, login_user, make),
        )

    check_admin_sync(homeserver, signed.token, allow_insecure_http=insecure)
    admins = SynapseAdminProvider.watching(
        homeserver, signed.token, choices.watch, allow_insecure_http=insecure
    )
    shared: AdminCredential = admins[0].credential

    def watching(account: str) -> SessionProvider:
        return SynapseAdminProvider(homeserver, shared, account, allow_insecure_http=insecure)

    return OpenAccounts(
        list(admins),
        profile=f"on-call {signed.identity.user}",
        reconnect=common.shared_reconnector(auth, login_user, shared, watching),
    )


def logout_matrix(request: OpenRequest) -> int:
    choices = request.choices
    if not choices.homeserver or not choices.user:
        raise ConfigError(
            "logout applies to a stored Matrix sign-in: "
            "session-tui logout --profile NAME, or --homeserver URL --user @name:server."
        )
    return common.logout(authenticator(request), choices.user)


PLUGIN = ProviderPlugin(
    name="matrix",
    summary="the devices of a Matrix account, on any homeserver; Synapse admin API on call",
    open=open_matrix,
    logout=logout_matrix,
    options=("homeserver", "user"),
    admin=True,
)
