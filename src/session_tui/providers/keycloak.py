"""Keycloak: a user's own sessions through the Account REST API of one realm.

- `GET /realms/R/account/sessions/devices` lists the user's online sessions grouped by the
  device Keycloak parsed from the browser that signed in (browser, OS and its version, mobile);
  each session names the clients that share it. Times are epoch seconds. The request must send
  `Accept: application/json`, or Keycloak answers its console's HTML with 200.
- `DELETE .../sessions/{id}` answers 204 for any id, even one it does not have (and it would end
  the caller's own session without a word): a revoke is confirmed by listing afterwards, and
  the current session is refused here, never sent.
- `DELETE .../sessions?current=false` ends every session but the caller's, in one request.
- Access tokens live minutes (300 s by default): `TokenSource` refreshes them with the refresh
  token before they run out, and once more after a 401, and hands every new refresh token to
  whoever stores it.
"""

from __future__ import annotations

from typing import Any

import httpx

from session_tui.errors import (
    BadResponse,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import from_epoch_seconds, optional_ip
from session_tui.providers.http import (
    check_url,
    host_of,
    json_or_none,
    make_client,
    offload,
    read_json,
)
from session_tui.providers.statuses import raise_for_status
from session_tui.providers.tokens import TokenSource
from session_tui.text import plain_uncached

JSON = {"Accept": "application/json"}


def realm_path(realm: str) -> str:
    return f"/realms/{url_segment(realm)}"


ACCOUNT_ROLES = "the account needs the account client's manage-account role"
ADMIN_ROLES = (
    "the service account or admin needs realm-management's view-users to watch, and "
    "manage-users to revoke"
)


def raise_for_keycloak(
    response: httpx.Response, host: str, what: str, roles: str = ACCOUNT_ROLES
) -> None:
    """Keycloak answers its console's HTML with 200 to a request that does not ask for JSON:
    that is no answer. Its errors carry `error_description`, `errorMessage` or `error`."""
    if response.status_code < 400:
        if "json" not in response.headers.get("Content-Type", "json"):
            raise BadResponse(f"{host} answered {what} with a web page, not JSON.")
        return
    body = json_or_none(response)
    said = None
    if isinstance(body, dict):
        said = next(
            (
                body[k]
                for k in ("error_description", "errorMessage", "error")
                if isinstance(body.get(k), str)
            ),
            None,
        )
    raise_for_status(response, host, what, said, forbidden=roles)


def _named(value: Any, limit: int = 80) -> str | None:
    return plain_uncached(value, limit) or None if isinstance(value, str) else None


def _os(device: dict[str, Any]) -> str | None:
    family = _named(device.get("os"), 40)
    if not family or family == "Other":
        return None
    version = _named(device.get("osVersion"), 20)
    return f"{family} {version}" if version and version != "Unknown" else family


def _clients(value: Any) -> str | None:
    if not isinstance(value, list):
        return None
    names = []
    for client in value[:20]:
        if isinstance(client, dict):
            name = _named(client.get("clientId"), 60)
            if name:
                names.append(name)
    return ", ".join(names) or None


def parse_devices(body: Any) -> list[Session]:
    """The `/sessions/devices` answer as sessions, newest activity first."""
    if not isinstance(body, list):
        raise BadResponse("The device list should be a JSON list.")
    sessions: list[Session] = []
    seen: set[str] = set()
    for index, device in enumerate(body):
        if not isinstance(device, dict) or not isinstance(device.get("sessions"), list):
            raise BadResponse(f"devices[{index}] should be an object with 'sessions'.")
        os_text = _os(device)
        mobile = device.get("mobile") is True
        for number, item in enumerate(device["sessions"]):
            where = f"devices[{index}].sessions[{number}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise BadResponse(f"{where} should be an object with a string 'id'.")
            if item["id"] in seen:
                raise BadResponse("The server lists a session twice.")
            seen.add(item["id"])
            browser = _named(item.get("browser"), 120)  # "Chrome/126.0.0": enrich reads it
            extras: dict[str, Any] = {
                "device": {
                    "browser": browser,
                    "os": os_text,
                    "mobile": mobile,
                }
            }
            clients = _clients(item.get("clients"))
            if clients:
                extras["clients"] = clients
            sessions.append(
                Session(
                    id=item["id"],
                    is_current=item.get("current") is True,
                    ip=optional_ip(item.get("ipAddress"), f"{where}.ipAddress"),
                    created_at=from_epoch_seconds(item.get("started"), f"{where}.started"),
                    last_active_at=from_epoch_seconds(
                        item.get("lastAccess"), f"{where}.lastAccess"
                    ),
                    expires_at=from_epoch_seconds(item.get("expires"), f"{where}.expires"),
                    extras=extras,
                )
            )
    sessions.sort(key=lambda s: (s.last_active_at is not None, s.last_active_at), reverse=True)
    return sessions


class KeycloakProvider(ProviderBase):
    """The sessions of the user a token belongs to, in one realm."""

    kind = "keycloak"
    capabilities = frozenset({Capability.EXPIRY, Capability.BULK_REVOKE, Capability.ACTIVITY})
    how_else = (
        "End it in Keycloak's account console (Account security, Device activity), or ask the "
        "realm's admin to."
    )

    def __init__(
        self, base_url: str, realm: str, source: TokenSource, *, allow_insecure_http: bool = False
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.realm = realm
        self.source = source
        claims = source.claims
        name = claims.get("preferred_username") or claims.get("email")
        self.account = name if isinstance(name, str) else ""
        self._account_api = f"{realm_path(realm)}/account"
        self._client = make_client(self.base_url, JSON)

    def __repr__(self) -> str:
        return f"KeycloakProvider({self.base_url!r}, realm={self.realm!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await self.source.send(self._client, method, path, **kwargs)
        raise_for_keycloak(response, self.server, what)
        return response

    async def _list(self) -> list[Session]:
        response = await self._call("GET", f"{self._account_api}/sessions/devices", "list sessions")
        body = await read_json(response)
        sessions = await offload(
            parse_devices, body, size=len(body) if isinstance(body, list) else 0
        )
        current = [s.id for s in sessions if s.is_current]
        if len(current) != 1:
            raise BadResponse(
                f"{self.server} marked {len(current)} sessions as current; exactly one must be, "
                "or ours could not be protected."
            )
        return sessions

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        path = f"{self._account_api}/sessions/{url_segment(session_id)}"
        await self._call("DELETE", path, "revoke the session")
        await self._confirm_by_listing([session_id])

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        others = {s.id for s in self._returned.values() if s.id != self._current_id}
        if self._current_id is not None and set(session_ids) == others:
            # Every other session, in one request; `current=false` keeps ours by the server's
            # own rule, and ours was never among the ids.
            await self._call(
                "DELETE",
                f"{self._account_api}/sessions",
                "revoke the other sessions",
                params={"current": "false"},
            )
        else:
            for sid in session_ids:
                path = f"{self._account_api}/sessions/{url_segment(sid)}"
                await self._call("DELETE", path, "revoke a session")
        return await self._confirm_by_listing(session_ids)
