"""OAuth 2.0 / OpenID Connect token requests to one realm's token endpoint (Keycloak's), blocking
and async: the password grant, the device authorization grant (RFC 8628), refresh, client
credentials, and ending our own session.

Kept apart from the session API so that the provider reads as the account API it speaks, and
so that signing in (before any event loop) and refreshing (inside it) share every rule: what
an answer must hold, and what each OAuth error means to the user.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    ConfigError,
    ProviderError,
    WrongPassword,
)
from session_tui.providers.http import (
    checked_headers,
    json_or_none,
    rate_limited,
    send,
    send_sync,
    server_busy,
)
from session_tui.text import plain_uncached

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MAX_POLL_FAILURES = 5  # server errors in a row a device sign-in waits out
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True, slots=True)
class Tokens:
    """What a token endpoint granted. The tokens go nowhere but the provider's memory and (the
    refresh token) the 0600 credentials file."""

    access_token: str
    refresh_token: str | None
    expires_at: float  # time.time() after which the access token is worth refreshing

    def __repr__(self) -> str:
        return f"Tokens(expires_at={self.expires_at!r})"

    @property
    def claims(self) -> dict[str, Any]:
        return claims_of(self.access_token)


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: only to label the account and its session (`sid`);
    the server checks the token itself on every request."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """The start of a device sign-in: what the user opens and types, and how to ask after it."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float  # time.monotonic()
    interval: float

    def __repr__(self) -> str:  # the device code is as good as a token until it is used
        return f"DeviceCode(user_code={self.user_code!r})"


def token_path(realm_path: str) -> str:
    return f"{realm_path}/protocol/openid-connect/token"


def _error_of(response: httpx.Response) -> tuple[str, str]:
    body = json_or_none(response)
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    said = body.get("error_description")
    return (
        error if isinstance(error, str) else "",
        plain_uncached(said, 200) if isinstance(said, str) else "",
    )


def _tokens(response: httpx.Response, host: str, what: str) -> Tokens:
    if response.status_code == 429:
        raise rate_limited(response)
    if response.status_code == 503:
        raise server_busy(response, host)
    error, said = _error_of(response)
    if response.status_code in (400, 401):
        detail = f" ({said})" if said else ""
        if error == "invalid_grant" and "credentials" in said.lower():
            raise WrongPassword(f"{host} refused the user name or password.")
        if error == "invalid_grant":
            raise AuthExpired(
                f"The sign-in on {host} has ended{detail}. Sign in again to continue."
            )
        if error in ("invalid_client", "unauthorized_client"):
            raise ConfigError(
                f"{host} refused the client for {what}{detail}: check --client-id, and that "
                "the client allows this grant (see the README's Keycloak section)."
            )
    if response.status_code != 200:
        word = f" {error}" if error else ""
        raise ProviderError(f"{host} answered HTTP {response.status_code}{word} to {what}.")
    try:
        body = response.json()
    except ValueError:
        raise BadResponse(f"{host} answered {what} with something that is not JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise BadResponse(f"{host} answered {what} without an access token.")
    refresh = body.get("refresh_token")
    lifetime = body.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) else 60.0
    tokens = Tokens(
        body["access_token"],
        refresh if isinstance(refresh, str) and refresh else None,
        time.time() + max(5.0, seconds * 0.8),
    )
    checked_headers({"Authorization": tokens.access_token})
    return tokens


@dataclass(frozen=True)
class Realm:
    """One realm's token endpoint as a client: the requests every grant sends."""

    host: str  # for messages
    realm_path: str  # "/realms/NAME"
    client_id: str
    client_secret: str | None = None
    # Where the token endpoint is, when it is not Keycloak's (Auth0: "/oauth/token").
    token_endpoint: str | None = None
    audience: str | None = None  # Auth0: the API the token is for (its Management API)

    def __repr__(self) -> str:
        return f"Realm({self.realm_path!r}, client_id={self.client_id!r})"

    @property
    def token_url(self) -> str:
        return self.token_endpoint or token_path(self.realm_path)

    def form(self, **fields: str) -> dict[str, str]:
        form = {"client_id": self.client_id, **fields}
        if self.audience:
            form["audience"] = self.audience
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form

    def password(self, client: httpx.Client, user: str, password: str) -> Tokens:
        form = self.form(grant_type="password", username=user, password=password, scope="openid")
        response = send_sync(client, "POST", self.token_url, data=form)
        return _tokens(response, self.host, "a password sign-in")

    def refresh_sync(self, client: httpx.Client, refresh_token: str) -> Tokens:
        form = self.form(grant_type="refresh_token", refresh_token=refresh_token)
        response = send_sync(client, "POST", self.token_url, data=form)
        return _tokens(response, self.host, "a token refresh")

    async def refresh(self, client: httpx.AsyncClient, refresh_token: str) -> Tokens:
        form = self.form(grant_type="refresh_token", refresh_token=refresh_token)
        response = await send(client, "POST", self.token_url, data=form)
        return _tokens(response, self.host, "a token refresh")

    def client_credentials_sync(self, client: httpx.Client) -> Tokens:
        response = send_sync(
            client,
            "POST",
            self.token_url,
            data=self.form(grant_type="client_credentials"),
        )
        return _tokens(response, self.host, "the service account's sign-in")

    async def client_credentials(self, client: httpx.AsyncClient) -> Tokens:
        response = await send(
            client,
            "POST",
            self.token_url,
            data=self.form(grant_type="client_credentials"),
        )
        return _tokens(response, self.host, "the service account's sign-in")

    def logout(self, client: httpx.Client, refresh_token: str) -> bool:
        """End our own session. True if it was live, False if it had already ended."""
        response = send_sync(
            client,
            "POST",
            f"{self.realm_path}/protocol/openid-connect/logout",
            data=self.form(refresh_token=refresh_token),
        )
        if response.status_code in (200, 204):
            return True
        error, _ = _error_of(response)
        if response.status_code == 400 and error == "invalid_grant":
            return False
        raise ProviderError(f"{self.host} answered HTTP {response.status_code} to signing out.")

    def start_device(self, client: httpx.Client) -> DeviceCode:
        response = send_sync(
            client,
            "POST",
            f"{self.realm_path}/protocol/openid-connect/auth/device",
            data=self.form(scope="openid"),
        )
        if response.status_code != 200:
            _tokens(response, self.host, "a device sign-in")  # raises the right error
        body = json_or_none(response)
        fields = ("device_code", "user_code", "verification_uri")
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in fields):
            raise BadResponse(f"{self.host} answered a device sign-in without its codes.")
        complete = body.get("verification_uri_complete")
        expires = body.get("expires_in")
        interval = body.get("interval")
        return DeviceCode(
            body["device_code"],
            plain_uncached(body["user_code"], 32),
            plain_uncached(body["verification_uri"], 300),
            plain_uncached(complete, 400) if isinstance(complete, str) else None,
            time.monotonic() + (float(expires) if isinstance(expires, int | float) else 300.0),
            max(1.0, float(interval)) if isinstance(interval, int | float) else 5.0,
        )

    def wait_for_device(
        self,
        client: httpx.Client,
        code: DeviceCode,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Tokens:
        """Ask after the device sign-in as the server wants: every `interval` seconds, slower
        after `slow_down`, until the user approves, denies, or the code expires."""
        interval = code.interval
        form = self.form(grant_type=DEVICE_GRANT, device_code=code.device_code)
        failures = 0
        while True:
            if time.monotonic() >= code.expires_at:
                raise AuthExpired(
                    "The device sign-in code expired before it was approved; run again for a "
                    "new one."
                )
            sleep(interval)
            response = send_sync(client, "POST", self.token_url, data=form)
            if response.status_code == 200:
                return _tokens(response, self.host, "a device sign-in")
            if response.status_code >= 500 and failures < MAX_POLL_FAILURES:
                # A server error while the user approves (Keycloak 26.7 answers 500 to a poll
                # that lands mid-approval): ask again at the next turn.
                failures += 1
                continue
            error, _ = _error_of(response)
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5.0  # RFC 8628 3.5: five seconds more, from now on
                continue
            if error == "access_denied":
                raise WrongPassword(f"The sign-in was denied on {self.host}; nothing was stored.")
            if error in ("expired_token", "invalid_grant"):
                raise AuthExpired(
                    "The device sign-in code expired before it was approved; run again for a "
                    "new one."
                )
            _tokens(response, self.host, "a device sign-in")  # raises the right error
