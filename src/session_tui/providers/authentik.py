"""authentik: authenticated sessions through its API v3, built to authentik's published API
description (`schema.yml`, as the `authentik-client` 2026.8.5 generated from it shows it;
read 2026-12-06).

- `GET /api/v3/core/authenticated_sessions/?page=N&page_size=M[&user__username=U]` answers
  `{"pagination": {"next", "total_pages", ...}, "results": [...]}`; a session has `uuid`,
  `current`, `last_ip`, `last_user_agent` and what authentik parsed from it (`user_agent`),
  its GeoIP place (`geo_ip`) and network (`asn`), `last_used`, `expires` and the `user` pk.
  With a user's own token the API lists only that user's sessions; an admin's sees everyone's.
- `DELETE .../authenticated_sessions/{uuid}/` ends one (204).
- `DELETE .../authenticated_sessions/bulk_delete/?user_pks=PK` ends every session of a user
  (`{"deleted": N}`, authentik 2026.x); where the server has no such call, one by one, and what
  failed is reported as such.
- Errors are Django REST framework's `{"detail": "..."}`; the token goes as a bearer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from session_tui.errors import (
    BadResponse,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Location, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import coordinates, optional_ip, parse_time
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
from session_tui.text import plain_uncached

SESSIONS = "/api/v3/core/authenticated_sessions/"
PAGE = 100
MAX_PAGES = 100


def raise_for_authentik(response: httpx.Response, host: str, what: str) -> None:
    """authentik's errors are Django REST framework's `{"detail": "..."}`."""
    body = json_or_none(response)
    raise_for_status(
        response,
        host,
        what,
        body.get("detail") if isinstance(body, dict) else None,
        unauthorized=f"{host} refused the API token. Give a new one to continue.",
    )


def _text(value: Any, limit: int = 60) -> str | None:
    return plain_uncached(value, limit) or None if isinstance(value, str) else None


def parse_session(item: Any, where: str) -> tuple[Session, int | None]:
    """One session, and the pk of the user it belongs to."""
    if not isinstance(item, dict) or not isinstance(item.get("uuid"), str) or not item["uuid"]:
        raise BadResponse(f"{where} should be an object with a string 'uuid'.")
    current = item.get("current", False)
    if not isinstance(current, bool):
        raise BadResponse(f"Field '{where}.current' should be true or false.")
    agent = item.get("last_user_agent")
    if agent is not None and not isinstance(agent, str):
        raise BadResponse(f"Field '{where}.last_user_agent' should be a string.")
    geo = item.get("geo_ip")
    if geo is not None and not isinstance(geo, dict):
        raise BadResponse(f"Field '{where}.geo_ip' should be an object.")
    place = None
    if geo:
        country = _text(geo.get("country"), 8)
        latitude, longitude = coordinates(geo.get("lat"), geo.get("long"))
        place = Location(
            city=_text(geo.get("city"), 120),
            country_code=country.upper() if country and len(country) == 2 else None,
            latitude=latitude,
            longitude=longitude,
        )
    asn = item.get("asn")
    extras: dict[str, Any] = {}
    if isinstance(asn, dict):
        number, org = asn.get("asn"), _text(asn.get("as_org"), 80)
        if isinstance(number, int) and not isinstance(number, bool):
            extras["asn"] = f"AS{number}" + (f" {org}" if org else "")
    user = item.get("user")
    session = Session(
        id=item["uuid"],
        is_current=current,
        user_agent=agent or None,
        ip=optional_ip(item.get("last_ip"), f"{where}.last_ip"),
        location=place,
        last_active_at=parse_time(item.get("last_used"), f"{where}.last_used"),
        expires_at=parse_time(item.get("expires"), f"{where}.expires"),
        extras=extras,
    )
    return session, user if isinstance(user, int) and not isinstance(user, bool) else None


def parse_page(body: Any, start: int) -> tuple[list[tuple[Session, int | None]], int | None]:
    """A page's sessions (with their user pks), and the next page number, if any."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise BadResponse("The answer should be an object with a 'results' list.")
    pagination = body.get("pagination")
    following = pagination.get("next") if isinstance(pagination, dict) else None
    rows = [parse_session(r, f"results[{start + i}]") for i, r in enumerate(body["results"])]
    nxt = int(following) if isinstance(following, int | float) and following > 0 else None
    return rows, nxt


class AuthentikProvider(ProviderBase):
    """A user's authentik sessions: the token's own user, or (on call) a watched user."""

    kind = "authentik"
    capabilities = frozenset({Capability.EXPIRY, Capability.ACTIVITY, Capability.BULK_REVOKE})
    how_else = "End it in authentik's admin interface (Directory, Users, the user, Sessions)."

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        watched: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.watched = watched
        self.account = watched or ""
        if watched:
            self.kind = "authentik-admin"
            self.capabilities = frozenset(
                {Capability.EXPIRY, Capability.ACTIVITY, Capability.FORCE_SIGN_OUT}
            )
        self._client = make_client(self.base_url, {"Authorization": f"Bearer {token}"})
        self._users: dict[str, int] = {}  # session id -> user pk, from the last listing

    def __repr__(self) -> str:
        return f"AuthentikProvider({self.base_url!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await send(self._client, method, path, **kwargs)
        raise_for_authentik(response, self.server, what)
        return response

    async def _list(self) -> list[Session]:
        rows: list[tuple[Session, int | None]] = []
        page: int | None = 1
        for _ in range(MAX_PAGES):
            params = {"page": str(page), "page_size": str(PAGE), "ordering": "-last_used"}
            if self.watched:
                params["user__username"] = self.watched
            response = await self._call("GET", SESSIONS, "list sessions", params=params)
            body = await read_json(response)
            size = len(body.get("results") or []) if isinstance(body, dict) else 0
            found, page = await offload(parse_page, body, len(rows), size=size)
            rows += found
            if page is None or not found:
                break
        else:
            raise BadResponse(f"{self.server} kept sending pages past {PAGE * MAX_PAGES:,}.")
        self._users = {s.id: pk for s, pk in rows if pk is not None}
        sessions = [s for s, _ in rows]
        if self.watched:  # on call nothing is ours, whatever `current` says of the admin
            return [s if not s.is_current else _not_current(s) for s in sessions]
        if sum(1 for s in sessions if s.is_current) != 1:
            raise BadResponse(
                f"{self.server} did not mark exactly one session as ours; refusing to act, as "
                "our own session could not be protected."
            )
        return sessions

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call("DELETE", f"{SESSIONS}{url_segment(session_id)}/", "end the session")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        listed = set(self._returned)
        users = {self._users.get(sid) for sid in session_ids}
        if (
            self.watched
            and listed
            and listed <= set(session_ids)
            and len(users) == 1
            and None not in users
        ):
            response = await send(
                self._client,
                "DELETE",
                f"{SESSIONS}bulk_delete/",
                params={"user_pks": str(users.pop())},
            )
            if response.status_code not in (404, 405):  # older servers: one by one below
                raise_for_authentik(response, self.server, "sign the user out")
                return await self._confirm_by_listing(session_ids)
        return await super()._revoke_many(session_ids, password)  # one by one


def _not_current(session: Session) -> Session:
    return replace(session, is_current=False)
