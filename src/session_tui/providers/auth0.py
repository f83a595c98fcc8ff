"""Auth0, on call: any user's sessions through the Management API v2, built to Auth0's
documented API (its Management API reference and OpenAPI description, read 2026-12-06).

- `GET /api/v2/users/{user_id}/sessions?take=N&from=CHECKPOINT` answers `{"sessions": [...],
  "next": CHECKPOINT}` (checkpoint pages); each session has `created_at`,
  `last_interacted_at`, `expires_at`, `idle_expires_at` (RFC 3339) and `device` with the first
  and last IP, user agent and ASN, and the `clients` that share it.
- `DELETE /api/v2/sessions/{id}` ends one (204); `DELETE /api/v2/users/{user_id}/sessions`
  asks for every one to end (202 "accepted"): session-tui says what a listing shows ended,
  and leaves the rest to the next poll.
- Errors are `{"statusCode", "error", "message", "errorCode"}`; a 429 carries
  `X-RateLimit-Limit/-Remaining/-Reset` (the reset as epoch seconds), which is waited out.
- A Management API token comes from `SESSION_TUI_TOKEN`, or from client credentials
  (`/oauth/token` with the Management API as audience), asked again before it runs out.
"""

from __future__ import annotations

from typing import Any

import httpx

from session_tui.errors import (
    BadResponse,
    NoAnswer,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import optional_ip, parse_time
from session_tui.providers.http import (
    check_url,
    host_of,
    json_or_none,
    offload,
    read_json,
)
from session_tui.providers.statuses import raise_for_status
from session_tui.providers.tokens import SharedTokens
from session_tui.text import plain_uncached

PAGE = 100
MAX_PAGES = 100


def raise_for_auth0(response: httpx.Response, host: str, what: str) -> None:
    """Auth0's errors are `{"statusCode", "error", "message"}`; 429 carries
    `X-RateLimit-Reset`."""
    body = json_or_none(response)
    raise_for_status(
        response,
        host,
        what,
        body.get("message") if isinstance(body, dict) else None,
        unauthorized=f"{host} refused the Management API token.",
        forbidden="the token needs read:sessions to watch and delete:sessions to revoke",
        not_found="session or user",
        reset_header="X-RateLimit-Reset",
    )


def _asn(value: Any) -> str | None:
    return plain_uncached(str(value), 40) or None if isinstance(value, str | int) else None


def parse_session(item: Any, where: str) -> Session:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"{where} should be an object with a string 'id'.")
    device = item.get("device")
    device = {} if device is None else device
    if not isinstance(device, dict):
        raise BadResponse(f"Field '{where}.device' should be an object.")
    agent = device.get("last_user_agent") or device.get("initial_user_agent")
    if agent is not None and not isinstance(agent, str):
        raise BadResponse(f"Field '{where}.device.last_user_agent' should be a string.")
    extras: dict[str, Any] = {}
    first_ip = optional_ip(device.get("initial_ip"), f"{where}.device.initial_ip")
    first_asn = _asn(device.get("initial_asn"))
    if first_ip:
        extras["initial"] = f"{first_ip} (AS{first_asn})" if first_asn else first_ip
    last_asn = _asn(device.get("last_asn"))
    if last_asn:
        extras["asn"] = f"AS{last_asn}"
    clients = item.get("clients")
    if isinstance(clients, list):
        names = [
            plain_uncached(c.get("client_id"), 60)
            for c in clients[:20]
            if isinstance(c, dict) and isinstance(c.get("client_id"), str)
        ]
        if names:
            extras["clients"] = ", ".join(names)
    expires = parse_time(item.get("expires_at"), f"{where}.expires_at")
    idle = parse_time(item.get("idle_expires_at"), f"{where}.idle_expires_at")
    return Session(
        id=item["id"],
        user_agent=agent or None,
        ip=optional_ip(device.get("last_ip"), f"{where}.device.last_ip") or first_ip,
        created_at=parse_time(item.get("created_at"), f"{where}.created_at"),
        last_active_at=parse_time(item.get("last_interacted_at"), f"{where}.last_interacted_at"),
        expires_at=min((t for t in (expires, idle) if t is not None), default=None),
        extras=extras,
    )


def parse_page(body: Any, start: int) -> tuple[list[Session], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("sessions"), list):
        raise BadResponse("The answer should be an object with a 'sessions' list.")
    sessions = [parse_session(s, f"sessions[{start + i}]") for i, s in enumerate(body["sessions"])]
    following = body.get("next")
    return sessions, following if isinstance(following, str) and following else None


class Auth0Provider(ProviderBase):
    """One Auth0 user's sessions, seen and ended through the Management API."""

    kind = "auth0"
    capabilities = frozenset({Capability.EXPIRY, Capability.ACTIVITY, Capability.FORCE_SIGN_OUT})
    how_else = "End it in the Auth0 dashboard (User Management, Users, the user, Sessions)."

    def __init__(
        self,
        base_url: str,
        access: SharedTokens,
        user_id: str,
        *,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.access = access
        self.account = user_id
        self._user = f"/api/v2/users/{url_segment(user_id)}"
        self._client = access.client(self.base_url)

    def __repr__(self) -> str:
        return f"Auth0Provider({self.base_url!r})"

    async def aclose(self) -> None:
        await self.access.release()

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await self.access.source.send(self._client, method, path, **kwargs)
        raise_for_auth0(response, self.server, what)
        return response

    async def _list(self) -> list[Session]:
        sessions: list[Session] = []
        checkpoint: str | None = None
        for _ in range(MAX_PAGES):
            params = {"take": str(PAGE), **({"from": checkpoint} if checkpoint else {})}
            response = await self._call(
                "GET", f"{self._user}/sessions", "list the user's sessions", params=params
            )
            body = await read_json(response)
            size = len(body.get("sessions") or []) if isinstance(body, dict) else 0
            page, checkpoint = await offload(parse_page, body, len(sessions), size=size)
            sessions += page
            if not checkpoint or not page:
                return sessions
        raise BadResponse(f"{self.server} kept sending pages past {PAGE * MAX_PAGES:,}.")

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call("DELETE", f"/api/v2/sessions/{url_segment(session_id)}", "end it")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        listed = set(self._returned)
        if listed and listed <= set(session_ids):
            await self._call("DELETE", f"{self._user}/sessions", "sign the user out")
            left = [s.id for s in await self.list_sessions()]
            ended = [sid for sid in session_ids if sid not in left]
            if not ended:  # accepted (202), not yet done: the next poll tells
                raise NoAnswer(f"{self.server} accepted the sign-out but has not ended them yet.")
            self.last_ended = tuple(ended)
            return len(ended)
        for sid in session_ids:
            await self._revoke_one(sid, password)
        return await self._confirm_by_listing(session_ids)
