"""Auth0, on call only (the Management API; there is no self-service session API): a
Management API token in `SESSION_TUI_TOKEN`, or a machine-to-machine application's client
credentials (`--client-id`, its secret in `SESSION_TUI_CLIENT_SECRET`)."""

from __future__ import annotations

from session_tui.errors import ConfigError
from session_tui.options import CLIENT_SECRET_ENV, TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin
from session_tui.providers.base import SessionProvider


def open_auth0(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.auth0 import Auth0Provider
    from session_tui.providers.http import check_url, host_of, make_sync_client
    from session_tui.providers.oidc import Realm, Tokens
    from session_tui.providers.tokens import SharedTokens, TokenSource

    choices = request.choices
    if not choices.base_url:
        raise ConfigError("--provider auth0 needs --base-url https://TENANT (your Auth0 domain).")
    if not choices.admin or not choices.watch:
        raise ConfigError(
            "Auth0 has no API for a user's own sessions: use on-call mode, --admin --watch "
            "USER_ID (e.g. auth0|64f1...)."
        )
    base = check_url(choices.base_url, allow_insecure_http=choices.allow_insecure_http)
    realm = Realm(
        host=host_of(base),
        realm_path="",
        client_id=choices.client_id or "",
        client_secret=request.env.get(CLIENT_SECRET_ENV) or None,
        token_endpoint="/oauth/token",
        audience=f"{base}/api/v2/",
    )
    token = request.env.get(TOKEN_ENV)
    if token:
        source = TokenSource(realm, Tokens(token, None, float("inf")))
    elif choices.client_id and realm.client_secret:
        with make_sync_client(base) as client:
            first = realm.client_credentials_sync(client)
        source = TokenSource(realm, first, service_account=True)
    else:
        raise ConfigError(
            f"Auth0 needs a Management API token in {TOKEN_ENV}, or --client-id ID with the "
            f"application's secret in {CLIENT_SECRET_ENV} (it needs read:sessions, and "
            "delete:sessions to revoke)."
        )
    access = SharedTokens(source)
    providers: list[SessionProvider] = [
        Auth0Provider(base, access, user, allow_insecure_http=choices.allow_insecure_http)
        for user in dict.fromkeys(choices.watch)
    ]
    return OpenAccounts(providers, profile=f"on-call {host_of(base)}")


PLUGIN = ProviderPlugin(
    name="auth0",
    summary="Auth0 tenants, on call (Management API: users' sessions)",
    open=open_auth0,
    options=("base_url", "client_id"),
    admin=True,
)
