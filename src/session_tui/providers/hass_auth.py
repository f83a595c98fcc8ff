"""Signing in to Home Assistant: the login flow, `/auth/token`, and keeping a token fresh.

HTTP, on our usual clients (`providers.http`): blocking before the event loop (start-up),
async inside it (a refresh). The client id is the server's own URL, as Home Assistant's own
frontend uses: Home Assistant then needs to fetch nothing to check the redirect address.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.exceptions import InvalidHandshake, WebSocketException
from websockets.sync.client import connect as connect_sync

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    ProviderError,
    Unreachable,
    WrongPassword,
)
from session_tui.ids import url_segment
from session_tui.providers.failures import why
from session_tui.providers.http import (
    LIMITS,
    USER_AGENT,
    checked_headers,
    host_of,
    json_or_none,
    make_client,
    make_sync_client,
    send,
    send_sync,
)
from session_tui.text import plain_uncached

JWT_PARTS = 3


def client_id(base_url: str) -> str:
    return f"{base_url}/"


def ws_url(base_url: str) -> str:
    scheme, _, rest = base_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/api/websocket"


def tls_context(base_url: str) -> ssl.SSLContext | None:
    """Certificate checks for wss (the roots SSL_CERT_FILE or SSL_CERT_DIR name, else the
    system's); nothing for plain ws to loopback."""
    if not base_url.startswith("https://"):
        return None
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    return ssl.create_default_context(cafile=cafile or None, capath=capath or None)


@dataclass(frozen=True, slots=True)
class Granted:
    """What `/auth/token` gave. Tokens go nowhere but memory and the 0600 credentials file."""

    access_token: str
    refresh_token: str | None
    expires_at: float

    def __repr__(self) -> str:
        return f"Granted(expires_at={self.expires_at!r})"


def _granted(response: httpx.Response, host: str) -> Granted:
    body = json_or_none(response)
    if (
        response.status_code == 400
        and isinstance(body, dict)
        and body.get("error") == "invalid_grant"
    ):
        raise AuthExpired(f"The sign-in on {host} has ended. Sign in again to continue.")
    if response.status_code != 200 or not isinstance(body, dict):
        raise ProviderError(f"{host} answered HTTP {response.status_code} to a token request.")
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise BadResponse(f"{host} answered a token request without an access token.")
    refresh = body.get("refresh_token")
    lifetime = body.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) else 300.0
    checked_headers({"Authorization": access})
    return Granted(
        access,
        refresh if isinstance(refresh, str) and refresh else None,
        time.time() + max(5.0, seconds * 0.8),
    )


def login_sync(base_url: str, user: str, password: str) -> Granted:
    """The login flow with a user name and password, then the code for tokens."""
    host = host_of(base_url)
    cid = client_id(base_url)
    with make_sync_client(base_url) as client:
        started = send_sync(
            client,
            "POST",
            "/auth/login_flow",
            json={
                "client_id": cid,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{cid}?auth_callback=1",
            },
        )
        flow = json_or_none(started)
        if started.status_code != 200 or not isinstance(flow, dict):
            raise ProviderError(f"{host} answered HTTP {started.status_code} to a sign-in.")
        flow_id = flow.get("flow_id")
        if not isinstance(flow_id, str):
            raise BadResponse(f"{host} started a sign-in without a flow id.")
        step = send_sync(
            client,
            "POST",
            f"/auth/login_flow/{url_segment(flow_id)}",
            json={"client_id": cid, "username": user, "password": password},
        )
        answer = json_or_none(step)
        if not isinstance(answer, dict):
            raise ProviderError(f"{host} answered HTTP {step.status_code} to a sign-in.")
        if answer.get("type") == "form" and answer.get("errors"):
            raise WrongPassword(f"{host} refused the user name or password.")
        code = answer.get("result")
        if answer.get("type") != "create_entry" or not isinstance(code, str):
            step_name = plain_uncached(str(answer.get("step_id") or answer.get("type")), 40)
            raise ProviderError(
                f"{host} wants a sign-in step session-tui cannot do ({step_name}); use a "
                "long-lived access token in SESSION_TUI_TOKEN instead."
            )
        tokens = send_sync(
            client,
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": cid},
        )
    return _granted(tokens, host)


def refresh_sync(base_url: str, refresh_token: str) -> Granted:
    with make_sync_client(base_url) as client:
        response = send_sync(
            client, "POST", "/auth/token", data=_refresh_form(base_url, refresh_token)
        )
    return _granted(response, host_of(base_url))


def _refresh_form(base_url: str, refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id(base_url),
    }


def logout_sync(base_url: str, refresh_token: str) -> bool:
    """End our refresh token. Home Assistant answers 200 whether or not it was live."""
    with make_sync_client(base_url) as client:
        response = send_sync(
            client, "POST", "/auth/token", data={"action": "revoke", "token": refresh_token}
        )
    if response.status_code != 200:
        raise ProviderError(f"{host_of(base_url)} answered HTTP {response.status_code}.")
    return True


def whoami_sync(base_url: str, access_token: str) -> dict[str, Any]:
    """`auth/current_user` over the websocket: whose token this is (AuthExpired if dead)."""
    host = host_of(base_url)
    try:
        with connect_sync(
            ws_url(base_url),
            proxy=None,
            ssl=tls_context(base_url),
            max_size=LIMITS.max_body,
            open_timeout=10,
            user_agent_header=USER_AGENT,
            compression=None,
        ) as ws:
            ws.recv(timeout=LIMITS.deadline)
            ws.send(json.dumps({"type": "auth", "access_token": access_token}))
            answer = json.loads(ws.recv(timeout=LIMITS.deadline))
            if not isinstance(answer, dict) or answer.get("type") != "auth_ok":
                raise AuthExpired(f"{host} refused the token. Sign in again to continue.")
            ws.send(json.dumps({"id": 1, "type": "auth/current_user"}))
            result = json.loads(ws.recv(timeout=LIMITS.deadline))
    except (OSError, InvalidHandshake) as exc:
        raise Unreachable(f"Cannot reach {host}: {why(exc)}.") from None
    except (WebSocketException, TimeoutError, ValueError) as exc:
        raise BadResponse(f"{host} did not answer on its websocket ({why(exc)}).") from None
    user = result.get("result") if isinstance(result, dict) else None
    if not isinstance(user, dict):
        raise BadResponse(f"{host} did not say whose token this is.")
    return user


class HassTokens:
    """The access token of one sign-in, refreshed before it runs out; a long-lived access
    token (no refresh token) is used as it is."""

    def __init__(self, base_url: str, granted: Granted) -> None:
        self.base_url = base_url
        self._granted = granted
        self._lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"HassTokens({self.base_url!r})"

    async def access(self) -> str:
        async with self._lock:
            granted = self._granted
            if granted.refresh_token and time.time() >= granted.expires_at:
                if self._client is None:
                    self._client = make_client(self.base_url)
                response = await send(
                    self._client,
                    "POST",
                    "/auth/token",
                    data=_refresh_form(self.base_url, granted.refresh_token),
                )
                fresh = _granted(response, host_of(self.base_url))
                self._granted = Granted(fresh.access_token, granted.refresh_token, fresh.expires_at)
            return self._granted.access_token

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
