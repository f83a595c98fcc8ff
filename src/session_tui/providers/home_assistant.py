"""Home Assistant: its sessions are refresh tokens, read and ended over the websocket API.

- Every sign-in (the app, a browser, the companion app) is one refresh token;
  `auth/refresh_tokens` lists them with the client that made them (a URL, or a name for a
  long-lived access token), when each was made and last used, and from where. No user agent.
- `auth/delete_refresh_token` ends one (`invalid_token_id` when it is gone); Home Assistant has
  no guard for the caller's own token (it just closes the connection), so ours is never sent.
  `auth/delete_all_refresh_tokens` with `delete_current_token: false` ends every other one.
- Signing in is HTTP: the login flow (user name and password) gives a code, `/auth/token`
  trades it for an access token (30 minutes) and a refresh token; a long-lived access token
  from the profile page works as it is.

The websocket client is `websockets` (asyncio, no dependencies of its own, message size and
time bounded, proxies off as everywhere here).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, WebSocketException

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    NoAnswer,
    NotFound,
    ProviderError,
    Unreachable,
)
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.failures import why
from session_tui.providers.fields import optional_ip, parse_time
from session_tui.providers.hass_auth import HassTokens, tls_context, ws_url
from session_tui.providers.http import LIMITS, USER_AGENT, check_url, host_of
from session_tui.text import plain_uncached

MAX_TOKENS = 10_000


class HassSocket:
    """One authenticated websocket connection; `call` sends a command, returns its result."""

    def __init__(self, connection: ClientConnection, host: str) -> None:
        self._ws = connection
        self._host = host
        self._next = 0

    async def receive(self) -> dict[str, Any]:
        try:
            raw = await self._ws.recv()
            message = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise BadResponse(f"{self._host} sent a websocket message that is not JSON.") from exc
        if not isinstance(message, dict):
            raise BadResponse(f"{self._host} sent a websocket message that is not an object.")
        return message

    async def authenticate(self, access_token: str) -> None:
        hello = await self.receive()
        if hello.get("type") != "auth_required":
            raise BadResponse(f"{self._host} did not ask us to authenticate on its websocket.")
        await self._ws.send(json.dumps({"type": "auth", "access_token": access_token}))
        answer = await self.receive()
        if answer.get("type") == "auth_invalid":
            raise AuthExpired(
                f"This session was signed out on {self._host} (its token no longer works). "
                "Sign in again to continue."
            )
        if answer.get("type") != "auth_ok":
            raise BadResponse(f"{self._host} answered authentication with something else.")

    async def call(self, kind: str, **fields: Any) -> Any:
        self._next += 1
        ident = self._next
        await self._ws.send(json.dumps({"id": ident, "type": kind, **fields}))
        while True:
            message = await self.receive()
            if message.get("id") != ident or message.get("type") != "result":
                continue  # an event or a pong: not our answer
            if message.get("success") is True:
                return message.get("result")
            error = message.get("error")
            code = error.get("code") if isinstance(error, dict) else None
            said = error.get("message") if isinstance(error, dict) else None
            detail = f" ({plain_uncached(said, 200)})" if isinstance(said, str) else ""
            if code == "invalid_token_id":
                raise NotFound(f"{self._host} no longer has that session{detail}.")
            if code == "unauthorized":
                raise AuthExpired(f"{self._host} refused us{detail}. Sign in again to continue.")
            word = plain_uncached(code, 40) if isinstance(code, str) else "an error"
            raise ProviderError(f"{self._host} answered {kind} with {word}{detail}.")


# Clients Home Assistant's own apps sign in as (their client id), by name.
APPS = {
    "https://home-assistant.io/iOS": "Home Assistant app (iOS)",
    "https://home-assistant.io/android": "Home Assistant app (Android)",
}


def client_name(client: Any, own_host: str) -> str | None:
    """A person's word for a client id: the companion app, "Web browser" for the server's own
    frontend (its client id is the server's URL), else the client's host."""
    if not isinstance(client, str) or not client:
        return None
    if client in APPS:
        return APPS[client]
    host = urlsplit(client).netloc
    if host == own_host:
        return "Web browser"
    return plain_uncached(host, 120) or None


def parse_tokens(body: Any, own_host: str = "") -> list[Session]:
    """`auth/refresh_tokens` as sessions, newest use first. System tokens (Home Assistant's
    own) are left out: no person signed in with them."""
    if not isinstance(body, list):
        raise BadResponse("The refresh token list should be a JSON list.")
    if len(body) > MAX_TOKENS:
        raise BadResponse(f"The server lists over {MAX_TOKENS:,} sessions.")
    sessions = []
    for index, item in enumerate(body):
        where = f"result[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise BadResponse(f"{where} should be an object with a string 'id'.")
        kind = item.get("type")
        if kind == "system":
            continue
        name = item.get("client_name")
        client = item.get("client_id")
        extras: dict[str, Any] = {}
        if kind == "long_lived_access_token":
            extras["kind"] = "long-lived access token (an API client)"
            extras["device"] = {"browser": "long-lived access token", "os": None}
        elif isinstance(client, str) and client:
            extras["clients"] = plain_uncached(client, 200)
        if not (isinstance(name, str) and name) and kind != "long_lived_access_token":
            name = client_name(client, own_host)
        sessions.append(
            Session(
                id=item["id"],
                is_current=item.get("is_current") is True,
                display_name=name if isinstance(name, str) and name else None,
                ip=optional_ip(item.get("last_used_ip"), f"{where}.last_used_ip"),
                created_at=parse_time(item.get("created_at"), f"{where}.created_at"),
                last_active_at=parse_time(item.get("last_used_at"), f"{where}.last_used_at"),
                expires_at=parse_time(item.get("expire_at"), f"{where}.expire_at"),
                extras=extras,
            )
        )
    sessions.sort(key=lambda s: (s.last_active_at is not None, s.last_active_at), reverse=True)
    return sessions


class HomeAssistantProvider(ProviderBase):
    """The refresh tokens of the Home Assistant user our token belongs to."""

    kind = "home-assistant"
    capabilities = frozenset({Capability.ACTIVITY, Capability.EXPIRY, Capability.BULK_REVOKE})
    revokes_in_body = True  # ids travel in websocket messages, never in a URL
    ids_in_urls = False
    how_else = "End it in Home Assistant (your profile, Security, Refresh tokens), or ask an owner."

    def __init__(
        self,
        base_url: str,
        tokens: HassTokens,
        *,
        account: str = "",
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.account = account
        self.tokens = tokens
        self._url = ws_url(self.base_url)
        self._tls = tls_context(self.base_url)

    def __repr__(self) -> str:
        return f"HomeAssistantProvider({self.base_url!r})"

    async def aclose(self) -> None:
        await self.tokens.aclose()

    async def _session(self, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
        """One connection: authenticate, run `calls` in order, close; every failure typed."""
        access = await self.tokens.access()
        try:
            async with asyncio.timeout(LIMITS.deadline):
                async with connect(
                    self._url,
                    proxy=None,
                    ssl=self._tls,
                    max_size=LIMITS.max_body,
                    open_timeout=10,
                    user_agent_header=USER_AGENT,
                    compression=None,
                ) as connection:
                    socket = HassSocket(connection, self.server)
                    await socket.authenticate(access)
                    return [await socket.call(kind, **fields) for kind, fields in calls]
        except TimeoutError:
            raise NoAnswer(f"{self.server} did not answer within {LIMITS.deadline:g} s.") from None
        except (OSError, InvalidHandshake) as exc:
            raise Unreachable(f"Cannot reach {self.server}: {why(exc)}.") from None
        except WebSocketException as exc:
            raise NoAnswer(f"{self.server} closed the websocket ({why(exc)}).") from None

    async def _list(self) -> list[Session]:
        [body] = await self._session(("auth/refresh_tokens", {}))
        sessions = parse_tokens(body, urlsplit(self.base_url).netloc)
        if sum(1 for s in sessions if s.is_current) != 1:
            raise BadResponse(
                f"{self.server} did not mark exactly one token as ours; refusing to act, as our "
                "own session could not be protected."
            )
        return sessions

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._session(("auth/delete_refresh_token", {"refresh_token_id": session_id}))

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        others = {s.id for s in self._returned.values() if s.id != self._current_id}
        calls: list[tuple[str, dict[str, Any]]]
        if self._current_id is not None and set(session_ids) == others:
            calls = [("auth/delete_all_refresh_tokens", {"delete_current_token": False})]
        else:
            calls = [
                ("auth/delete_refresh_token", {"refresh_token_id": sid}) for sid in session_ids
            ]
        await self._session(*calls)
        return await self._confirm_by_listing(session_ids)
