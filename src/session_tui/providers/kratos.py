"""Ory Kratos: a user's own sessions (public API, session token) and, on call, any identity's
sessions (admin API, API key), built to Kratos's published API description (`spec/api.json`).

- Self: `GET /sessions/whoami` is the current session; `GET /sessions` lists the others (it
  leaves the current one out), in keyset pages (`page_size`, `page_token`, `Link: rel="next"`).
  `DELETE /sessions/{id}` revokes one (204); `DELETE /sessions` revokes every other and answers
  how many (`{"count": N}`): that count is what we report.
- Admin: `GET /admin/identities/{id}/sessions?active=true` (keyset pages), `DELETE
  /admin/sessions/{id}` (disables one), `DELETE /admin/identities/{id}/sessions` (all).
- A session carries `devices`: every endpoint it was used from (IP, user agent and, behind
  Cloudflare or on Ory Network, a place as "City, CC"); the last is shown. Kratos records no
  "last active" time: the table says when each signed in.
- Errors are `{"error": {"code", "message", "reason"}}`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Location, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import optional_ip, parse_time
from session_tui.providers.http import (
    check_url,
    host_of,
    json_or_none,
    make_client,
    offload,
    read_json,
    send,
)
from session_tui.providers.statuses import raise_for_status

PAGE_SIZE = 250
MAX_PAGES = 40  # 10,000 sessions: past that, a server's "next" is not followed
_PLACE = re.compile(r"^(?P<city>.*?),\s*(?P<cc>[A-Za-z]{2})$")


def raise_for_kratos(response: httpx.Response, host: str, what: str) -> None:
    """Ory's errors are `{"error": {"reason", "message"}}`."""
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    said = None
    if isinstance(error, dict):
        said = error.get("reason") or error.get("message")
    raise_for_status(response, host, what, said)


def _place(text: Any) -> Location | None:
    if not isinstance(text, str) or not text.strip():
        return None
    found = _PLACE.match(text.strip())
    if found:
        return Location(city=found["city"] or None, country_code=found["cc"].upper())
    return Location(city=text.strip())


def parse_session(item: Any, where: str, current_id: str | None) -> Session | None:
    """One Kratos session, or None when it is no longer active."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"{where} should be an object with a string 'id'.")
    active = item.get("active")
    if active is not None and not isinstance(active, bool):
        raise BadResponse(f"Field '{where}.active' should be true or false.")
    if active is False:
        return None
    devices = item.get("devices")
    if devices is not None and not isinstance(devices, list):
        raise BadResponse(f"Field '{where}.devices' should be a list.")
    device = devices[-1] if devices else {}
    if not isinstance(device, dict):
        raise BadResponse(f"{where}.devices should hold objects.")
    agent = device.get("user_agent")
    if agent is not None and not isinstance(agent, str):
        raise BadResponse(f"Field '{where}.devices[].user_agent' should be a string.")
    return Session(
        id=item["id"],
        is_current=item["id"] == current_id,
        user_agent=agent or None,
        ip=optional_ip(device.get("ip_address"), f"{where}.devices[].ip_address"),
        location=_place(device.get("location")),
        created_at=parse_time(
            item.get("authenticated_at") or item.get("issued_at"), f"{where}.authenticated_at"
        ),
        expires_at=parse_time(item.get("expires_at"), f"{where}.expires_at"),
    )


def parse_page(body: Any, current_id: str | None, start: int) -> list[Session]:
    if not isinstance(body, list):
        raise BadResponse("The session list should be a JSON list.")
    found = [
        parse_session(item, f"sessions[{start + i}]", current_id) for i, item in enumerate(body)
    ]
    return [s for s in found if s is not None]


def next_token(response: httpx.Response) -> str | None:
    """The `page_token` of the `Link: rel="next"` page, if any. Only the token is taken: the
    next request is built by us, so a hostile link cannot send us elsewhere."""
    link = response.links.get("next")
    url = link.get("url") if link else None
    if not url:
        return None
    tokens = parse_qs(urlsplit(url).query).get("page_token")
    return tokens[0] if tokens and tokens[0] else None


def identity_name(identity: Any) -> str | None:
    """An identity's e-mail, user name or id, for the header."""
    if not isinstance(identity, dict):
        return None
    traits = identity.get("traits")
    if isinstance(traits, dict):
        for key in ("email", "username", "name"):
            value = traits.get(key)
            if isinstance(value, str) and value:
                return value
    ident = identity.get("id")
    return ident if isinstance(ident, str) else None


class KratosBase(ProviderBase):
    """What the self-service and the admin provider share: calls, pages, errors."""

    capabilities = frozenset({Capability.EXPIRY, Capability.BULK_REVOKE})

    def __init__(
        self, base_url: str, headers: dict[str, str], *, allow_insecure_http: bool = False
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self._client = make_client(self.base_url, headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await send(self._client, method, path, **kwargs)
        raise_for_kratos(response, self.server, what)
        return response

    async def _pages(self, path: str, current_id: str | None, **params: str) -> list[Session]:
        sessions: list[Session] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "page_size": str(PAGE_SIZE)}
            if token:
                query["page_token"] = token
            response = await self._call("GET", path, "list sessions", params=query)
            body = await read_json(response)
            size = len(body) if isinstance(body, list) else 0
            sessions += await offload(parse_page, body, current_id, len(sessions), size=size)
            token = next_token(response)
            if not token or not size:
                return sessions
        raise BadResponse(f"{self.server} kept sending pages past {MAX_PAGES * PAGE_SIZE:,}.")


class KratosProvider(KratosBase):
    """The sessions of the identity a session token belongs to."""

    kind = "kratos"

    def __init__(self, base_url: str, token: str, *, allow_insecure_http: bool = False) -> None:
        super().__init__(
            base_url, {"X-Session-Token": token}, allow_insecure_http=allow_insecure_http
        )

    async def _list(self) -> list[Session]:
        response = await self._call("GET", "/sessions/whoami", "tell who is signed in")
        body = await read_json(response)
        current = parse_session(body, "whoami", None)
        if current is None:
            raise AuthExpired(f"Our session on {self.server} is no longer active.")
        name = identity_name(body.get("identity"))
        if name:
            self.account = name
        ours = replace(current, is_current=True)
        others = await self._pages("/sessions", current.id)
        return [ours, *[s for s in others if s.id != ours.id]]

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call("DELETE", f"/sessions/{url_segment(session_id)}", "revoke the session")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        others = {s.id for s in self._returned.values() if s.id != self._current_id}
        if self._current_id is not None and set(session_ids) == others:
            response = await self._call("DELETE", "/sessions", "revoke the other sessions")
            body = json_or_none(response)
            count = body.get("count") if isinstance(body, dict) else None
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise BadResponse("Field 'count' should be a non-negative integer.")
            return count  # Kratos says how many, not which: the next listing tells
        return await super()._revoke_many(session_ids, password)


class KratosAdminProvider(KratosBase):
    """On call: one identity's sessions through the admin API."""

    kind = "kratos-admin"
    capabilities = frozenset({Capability.EXPIRY, Capability.FORCE_SIGN_OUT})
    how_else = "End it from Ory's console, or the admin API, by hand."

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        identity_id: str,
        *,
        allow_insecure_http: bool = False,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        super().__init__(base_url, headers, allow_insecure_http=allow_insecure_http)
        self.identity_id = identity_id
        self.account = identity_id
        self._named = False

    async def _list(self) -> list[Session]:
        identity = f"/admin/identities/{url_segment(self.identity_id)}"
        if not self._named:
            response = await self._call("GET", identity, "look the identity up")
            self.account = identity_name(await read_json(response)) or self.identity_id
            self._named = True
        return await self._pages(f"{identity}/sessions", None, active="true")

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        path = f"/admin/sessions/{url_segment(session_id)}"
        await self._call("DELETE", path, "disable the session")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        listed = set(self._returned)
        if listed and listed <= set(session_ids):
            path = f"/admin/identities/{url_segment(self.identity_id)}/sessions"
            await self._call("DELETE", path, "sign the identity out")
        else:
            for sid in session_ids:
                await self._revoke_one(sid, password)
        return await self._confirm_by_listing(session_ids)
