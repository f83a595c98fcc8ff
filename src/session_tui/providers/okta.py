"""Okta, on call: a user's sign-ins, from the System Log, that are still live sessions; built to
Okta's published Management API description (`okta-management-openapi-spec`, read
2026-12-06) and its System Log documentation.

Okta has no API that lists a user's sessions. So the rows are the user's sign-ins:
- `GET /api/v1/logs?filter=...&since=...&until=...` gives `user.session.start` and
  `user.session.end` events (pages: `Link: rel="next"` with an `after` cursor): where each
  sign-in came from (`client.ipAddress`, `client.userAgent.rawUserAgent`,
  `client.geographicalContext`, `securityContext.asNumber/asOrg`) and its session
  (`authenticationContext.externalSessionId`);
- each sign-in not ended in the log is then asked after, `GET /api/v1/sessions/{id}`: only
  one Okta still calls ACTIVE is shown (404: it ended), with Okta's own times.
`DELETE /api/v1/sessions/{id}` ends one; `DELETE /api/v1/users/{id}/sessions` ends all of a
user's. The token goes as `Authorization: SSWS ...`; errors are `{"errorCode",
"errorSummary"}`; `X-Rate-Limit-Reset` (epoch seconds) is waited out.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pycountry

from session_tui.errors import (
    BadResponse,
    NotFound,
    UnsafeSessionId,
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
    read_json,
    send,
)
from session_tui.providers.statuses import raise_for_status
from session_tui.text import plain_uncached

WINDOW = timedelta(days=30)  # how far back the System Log is read for sign-ins
PAGE = 100
MAX_PAGES = 10
MAX_CHECKED = 50  # sign-ins asked after, newest first
AT_ONCE = 4
KIND = "a sign-in from Okta's System Log, still a live session"


def raise_for_okta(response: httpx.Response, host: str, what: str) -> None:
    """Okta's errors are `{"errorCode", "errorSummary"}`; 429 carries `X-Rate-Limit-Reset`."""
    body = json_or_none(response)
    raise_for_status(
        response,
        host,
        what,
        body.get("errorSummary") if isinstance(body, dict) else None,
        unauthorized=f"{host} refused the API token.",
        not_found="session or user",
        reset_header="X-Rate-Limit-Reset",
    )


def _country_code(name: Any) -> str | None:
    """The System Log names countries ("United States"): their ISO code, where it is one."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sign_ins(events: Any) -> list[Session]:
    """`user.session.start` events not followed by their `user.session.end`, newest first, as
    sessions (not yet confirmed live)."""
    if not isinstance(events, list):
        raise BadResponse("The System Log answer should be a JSON list.")
    ended: set[str] = set()
    started: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        if not isinstance(event, dict):
            raise BadResponse("A System Log event should be an object.")
        sid = _dict(event.get("authenticationContext")).get("externalSessionId")
        if not isinstance(sid, str) or not sid or sid == "unknown":
            continue
        if event.get("eventType") == "user.session.end":
            ended.add(sid)
        elif (
            event.get("eventType") == "user.session.start"
            and _dict(event.get("outcome")).get("result") == "SUCCESS"
        ):
            started.append((sid, event))
    found: dict[str, Session] = {}
    for sid, event in started:
        if sid in ended or sid in found:
            continue
        client = _dict(event.get("client"))
        place = _dict(client.get("geographicalContext"))
        security = _dict(event.get("securityContext"))
        agent = _dict(client.get("userAgent")).get("rawUserAgent")
        city = place.get("city")
        at = _dict(place.get("geolocation"))
        point = coordinates(at.get("lat"), at.get("lon"))
        extras: dict[str, Any] = {"kind": KIND}
        number, org = security.get("asNumber"), security.get("asOrg")
        if isinstance(number, int) and not isinstance(number, bool):
            extras["asn"] = f"AS{number}" + (
                f" {plain_uncached(org, 80)}" if isinstance(org, str) and org else ""
            )
        found[sid] = Session(
            id=sid,
            user_agent=agent if isinstance(agent, str) and agent else None,
            ip=optional_ip(client.get("ipAddress"), "client.ipAddress"),
            location=Location(
                city=city if isinstance(city, str) and city else None,
                country_code=_country_code(place.get("country")),
                latitude=point[0],
                longitude=point[1],
            )
            if place
            else None,
            created_at=parse_time(event.get("published"), "published"),
            extras=extras,
        )
    return sorted(
        found.values(), key=lambda s: s.created_at or datetime.min.replace(tzinfo=UTC), reverse=True
    )


class OktaProvider(ProviderBase):
    """One Okta user's live sessions, found through their sign-ins in the System Log."""

    kind = "okta"
    capabilities = frozenset({Capability.EXPIRY, Capability.FORCE_SIGN_OUT})
    how_else = "End it in the Okta Admin Console (Directory, People, the user, Clear sessions)."

    def __init__(
        self, base_url: str, token: str, user: str, *, allow_insecure_http: bool = False
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.account = user
        self.user = user
        self._user_id: str | None = None
        self._client = make_client(self.base_url, {"Authorization": f"SSWS {token}"})

    def __repr__(self) -> str:
        return f"OktaProvider({self.base_url!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await send(self._client, method, path, **kwargs)
        raise_for_okta(response, self.server, what)
        return response

    async def user_id(self) -> str:
        if self._user_id is None:
            response = await self._call(
                "GET", f"/api/v1/users/{url_segment(self.user)}", "look the user up"
            )
            body = await read_json(response)
            ident = body.get("id") if isinstance(body, dict) else None
            if not isinstance(ident, str) or not ident.isalnum() or not ident.isascii():
                # It goes into a System Log filter: letters and digits only, as Okta's are.
                raise BadResponse(f"{self.server} answered a user without a usable id.")
            self._user_id = ident
        return self._user_id

    async def _events(self, user_id: str) -> list[Any]:
        now = datetime.now(UTC)
        params: dict[str, str] = {
            "filter": (
                '(eventType eq "user.session.start" or eventType eq "user.session.end") '
                f'and actor.id eq "{user_id}"'
            ),
            "since": (now - WINDOW).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "until": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "limit": str(PAGE),
            "sortOrder": "DESCENDING",
        }
        events: list[Any] = []
        for _ in range(MAX_PAGES):
            response = await self._call("GET", "/api/v1/logs", "read the System Log", params=params)
            body = await read_json(response)
            if not isinstance(body, list):
                raise BadResponse("The System Log answer should be a JSON list.")
            events += body
            link = response.links.get("next")
            after = parse_qs(urlsplit(link["url"]).query).get("after") if link else None
            if not after or not body:
                break
            params["after"] = after[0]  # only the cursor: the next request is ours to build
        return events

    async def _live(self, candidate: Session, gate: asyncio.Semaphore) -> Session | None:
        try:
            path = f"/api/v1/sessions/{url_segment(candidate.id)}"
        except UnsafeSessionId:
            return candidate  # shown under a stand-in id, flagged, never sent (session_tui.ids)
        async with gate:
            try:
                response = await self._call("GET", path, "look the session up")
            except NotFound:
                return None
        body = await read_json(response)
        if not isinstance(body, dict) or body.get("status") != "ACTIVE":
            return None
        return Session(
            id=candidate.id,
            user_agent=candidate.user_agent,
            ip=candidate.ip,
            location=candidate.location,
            created_at=parse_time(body.get("createdAt"), "createdAt") or candidate.created_at,
            expires_at=parse_time(body.get("expiresAt"), "expiresAt"),
            extras=candidate.extras,
        )

    async def _list(self) -> list[Session]:
        user_id = await self.user_id()
        candidates = sign_ins(await self._events(user_id))[:MAX_CHECKED]
        gate = asyncio.Semaphore(AT_ONCE)
        live = await asyncio.gather(*(self._live(c, gate) for c in candidates))
        return [s for s in live if s is not None]

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call("DELETE", f"/api/v1/sessions/{url_segment(session_id)}", "end it")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        listed = set(self._returned)
        if listed and listed <= set(session_ids):
            path = f"/api/v1/users/{url_segment(await self.user_id())}/sessions"
            await self._call("DELETE", path, "sign the user out")
        else:
            for sid in session_ids:
                await self._revoke_one(sid, password)
        return await self._confirm_by_listing(session_ids)
