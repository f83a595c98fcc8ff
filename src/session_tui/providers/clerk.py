"""Clerk, on call: a user's sessions through the Backend API, built to Clerk's published
OpenAPI description (`bapi/2026-05-12.yml`, read 2026-12-06).

- `GET /v1/sessions?user_id=U&status=active&limit=N&offset=M` answers a list of sessions;
  times are Unix milliseconds; `latest_activity` holds the last address, city, country,
  browser, device type and whether it is mobile.
- `POST /v1/sessions/{id}/revoke` ends one and answers the session, now `revoked`.
- There is no call that ends all of a user's sessions: they are revoked one by one, a few at
  a time, and what failed is reported as such.
- Errors are `{"errors": [{"message", "long_message", "code"}]}`; the secret key goes as
  `Authorization: Bearer sk_...`.
"""

from __future__ import annotations

from typing import Any

import httpx

from session_tui.errors import (
    BadResponse,
    ProviderError,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Location, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import from_epoch_ms, optional_ip
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

DEFAULT_BASE_URL = "https://api.clerk.com"
PAGE = 500  # the most Clerk gives at once
MAX_PAGES = 20


def raise_for_clerk(response: httpx.Response, host: str, what: str) -> None:
    """Clerk's errors are `{"errors": [{"message", "long_message", "code"}]}`."""
    body = json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    said = (first.get("long_message") or first.get("message")) if isinstance(first, dict) else None
    raise_for_status(response, host, what, said, unauthorized=f"{host} refused the secret key.")


def parse_session(item: Any, where: str) -> Session | None:
    """One Clerk session; None unless it is active."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"{where} should be an object with a string 'id'.")
    if item.get("status") != "active":
        return None
    activity = item.get("latest_activity")
    activity = {} if activity is None else activity
    if not isinstance(activity, dict):
        raise BadResponse(f"Field '{where}.latest_activity' should be an object.")
    browser = activity.get("browser_name")
    version = activity.get("browser_version")
    kind = activity.get("device_type")
    hint = {
        "browser": f"{browser}/{version}"
        if isinstance(browser, str) and isinstance(version, str)
        else browser
        if isinstance(browser, str)
        else None,
        "os": kind if isinstance(kind, str) else None,
        "mobile": activity.get("is_mobile") is True,
    }
    city, country = activity.get("city"), activity.get("country")
    place = None
    if isinstance(city, str) or isinstance(country, str):
        code = country.upper() if isinstance(country, str) and len(country) == 2 else None
        place = Location(city=city if isinstance(city, str) and city else None, country_code=code)
    return Session(
        id=item["id"],
        ip=optional_ip(activity.get("ip_address"), f"{where}.latest_activity.ip_address"),
        location=place,
        created_at=from_epoch_ms(item.get("created_at"), f"{where}.created_at"),
        last_active_at=from_epoch_ms(item.get("last_active_at"), f"{where}.last_active_at"),
        expires_at=from_epoch_ms(item.get("expire_at"), f"{where}.expire_at"),
        extras={"device": hint},
    )


def parse_page(body: Any, start: int) -> list[Session]:
    if not isinstance(body, list):
        raise BadResponse("The session list should be a JSON list.")
    found = [parse_session(s, f"sessions[{start + i}]") for i, s in enumerate(body)]
    return [s for s in found if s is not None]


class ClerkProvider(ProviderBase):
    """One Clerk user's active sessions, seen and revoked with the instance's secret key."""

    kind = "clerk"
    capabilities = frozenset({Capability.EXPIRY, Capability.ACTIVITY, Capability.FORCE_SIGN_OUT})
    how_else = "End it in the Clerk dashboard (Users, the user, Devices)."
    revoke_at_once = 4  # no revoke-all call: one by one, a few at a time

    def __init__(
        self, base_url: str, secret_key: str, user_id: str, *, allow_insecure_http: bool = False
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.account = user_id
        self.user_id = user_id
        self._client = make_client(self.base_url, {"Authorization": f"Bearer {secret_key}"})

    def __repr__(self) -> str:
        return f"ClerkProvider({self.base_url!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await send(self._client, method, path, **kwargs)
        raise_for_clerk(response, self.server, what)
        return response

    async def _list(self) -> list[Session]:
        sessions: list[Session] = []
        for number in range(MAX_PAGES):
            params = {
                "user_id": self.user_id,
                "status": "active",
                "limit": str(PAGE),
                "offset": str(number * PAGE),
            }
            response = await self._call("GET", "/v1/sessions", "list sessions", params=params)
            body = await read_json(response)
            size = len(body) if isinstance(body, list) else 0
            sessions += await offload(parse_page, body, number * PAGE, size=size)
            if size < PAGE:
                return sessions
        raise BadResponse(f"{self.server} kept sending pages past {PAGE * MAX_PAGES:,}.")

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        path = f"/v1/sessions/{url_segment(session_id)}/revoke"
        response = await self._call("POST", path, "revoke the session")
        body = json_or_none(response)
        if not isinstance(body, dict) or body.get("status") == "active":
            raise ProviderError(f"{self.server} answered but did not say the session ended.")
