"""Access tokens that stay fresh, for the providers that sign in with OAuth 2.0 (Keycloak,
Auth0): when to refresh or ask again, the one retry after a 401, and the pool a shared token
uses on call.

One place, so that every provider authorises a request the same way: a token that is about to
run out is renewed before it is sent, one refused with 401 is renewed and the request sent once
more (it may have expired early, or been refreshed by another account's provider), and a bare
token that cannot be renewed ends in `AuthExpired`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from session_tui.errors import AuthExpired
from session_tui.providers.base import SharedCredential
from session_tui.providers.http import send
from session_tui.providers.oidc import Realm, Tokens


class TokenSource:
    """The access token of one sign-in, kept fresh. `on_refresh` gets each new refresh token
    (to store it, so the next run signs in silently); a source made from a bare access token
    (`SESSION_TUI_TOKEN`) cannot refresh and ends with it."""

    def __init__(
        self,
        realm: Realm,
        tokens: Tokens,
        *,
        on_refresh: Callable[[str], None] | None = None,
        service_account: bool = False,
    ) -> None:
        self.realm = realm
        self._tokens = tokens
        self._on_refresh = on_refresh
        self._service_account = service_account
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TokenSource({self.realm!r})"

    @property
    def claims(self) -> dict[str, Any]:
        return self._tokens.claims

    async def bearer(self, client: httpx.AsyncClient, *, stale: str | None = None) -> str:
        """A live access token; a new one if this one is about to expire or is `stale` (the
        one a request was just refused with)."""
        async with self._lock:
            tokens = self._tokens
            due = time.time() >= tokens.expires_at or tokens.access_token == stale
            if due:
                if self._service_account:
                    self._tokens = await self.realm.client_credentials(client)
                elif tokens.refresh_token:
                    self._tokens = await self.realm.refresh(client, tokens.refresh_token)
                    fresh = self._tokens.refresh_token
                    if fresh and fresh != tokens.refresh_token and self._on_refresh:
                        await asyncio.to_thread(self._on_refresh, fresh)
                elif stale is not None:
                    raise AuthExpired(
                        f"The access token for {self.realm.host} has expired. Sign in again "
                        "to continue."
                    )
            return self._tokens.access_token

    async def send(
        self, client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """`http.send` with this source's bearer token; after a 401, renewed and sent once
        more. Extra `headers` are kept."""
        headers = dict(kwargs.pop("headers", None) or {})
        token = await self.bearer(client)
        headers["Authorization"] = f"Bearer {token}"
        response = await send(client, method, path, headers=headers, **kwargs)
        if response.status_code == 401:  # expired early, or refreshed elsewhere: once more
            headers["Authorization"] = f"Bearer {await self.bearer(client, stale=token)}"
            response = await send(client, method, path, headers=headers, **kwargs)
        return response


class SharedTokens(SharedCredential[str]):
    """One token source and the connection pool every watched account on it shares (on call:
    a Keycloak service account, an Auth0 Management API token)."""

    def __init__(self, source: TokenSource) -> None:
        super().__init__("")
        self.source = source

    @property
    def operator(self) -> str | None:
        """Who the token acts as, where its claims say."""
        claims = self.source.claims
        name = claims.get("preferred_username") or claims.get("azp")
        return name if isinstance(name, str) else None
