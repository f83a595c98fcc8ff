"""Keycloak on call: any user's sessions in a realm, through the admin REST API.

- `GET /admin/realms/R/users?username=U&exact=true` finds the watched user; `GET
  .../users/{id}/sessions` lists the online sessions (times in epoch milliseconds, no user
  agent: the admin API keeps none); offline sessions (long-lived refresh tokens) come per
  client from `.../users/{id}/offline-sessions/{client}`, for the clients the user has
  consented to offline access (`.../users/{id}/consents`; the client's id needs view-clients).
- `DELETE /admin/realms/R/sessions/{id}` ends one (`?isOffline=true` for an offline one);
  `POST .../users/{id}/logout` ends every online session of the user in one request.
- Where the realm records login events (view-events), `LOGIN` events of sessions no longer
  listed become the history: sign-ins the on-call engineer never saw live.

Least roles (realm-management client): view-users to watch (plus view-events for the
history, view-clients for offline sessions); manage-users to revoke.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from session_tui.errors import BadResponse, Forbidden, NotFound
from session_tui.ids import url_segment
from session_tui.model import Capability, EndedSession, EndReason, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import from_epoch_ms, optional_ip
from session_tui.providers.http import check_url, host_of, offload, read_json
from session_tui.providers.keycloak import ADMIN_ROLES, JSON, raise_for_keycloak
from session_tui.providers.tokens import SharedTokens
from session_tui.text import plain_uncached

MAX_EVENTS = 200


def _session(item: Any, where: str, *, offline: bool) -> Session:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BadResponse(f"{where} should be an object with a string 'id'.")
    clients = item.get("clients")
    names = (
        ", ".join(plain_uncached(c, 60) for c in list(clients.values())[:20] if isinstance(c, str))
        if isinstance(clients, dict)
        else ""
    )
    extras: dict[str, Any] = {"clients": names} if names else {}
    if offline:
        extras["kind"] = "offline (a long-lived refresh token)"
    return Session(
        id=item["id"],
        ip=optional_ip(item.get("ipAddress"), f"{where}.ipAddress"),
        created_at=from_epoch_ms(item.get("start"), f"{where}.start"),
        last_active_at=from_epoch_ms(item.get("lastAccess"), f"{where}.lastAccess"),
        extras=extras,
    )


def parse_sessions(body: Any, *, offline: bool = False) -> list[Session]:
    if not isinstance(body, list):
        raise BadResponse("The session list should be a JSON list.")
    return [_session(item, f"sessions[{i}]", offline=offline) for i, item in enumerate(body)]


def parse_history(body: Any, listed: set[str]) -> list[EndedSession]:
    """LOGIN events of sessions no longer listed, ended at their LOGOUT where there is one."""
    if not isinstance(body, list):
        raise BadResponse("The event list should be a JSON list.")
    logouts: dict[str, Any] = {}
    logins: list[dict[str, Any]] = []
    for event in body[:MAX_EVENTS]:
        if not isinstance(event, dict) or not isinstance(event.get("sessionId"), str):
            continue
        if event.get("type") == "LOGOUT":
            logouts.setdefault(event["sessionId"], event.get("time"))
        elif event.get("type") == "LOGIN":
            logins.append(event)
    ended: list[EndedSession] = []
    seen: set[str] = set()
    for event in logins:
        sid = event["sessionId"]
        if sid in listed or sid in seen:
            continue
        seen.add(sid)
        client = event.get("clientId")
        session = Session(
            id=sid,
            ip=optional_ip(event.get("ipAddress"), "event.ipAddress"),
            created_at=from_epoch_ms(event.get("time"), "event.time"),
            extras={"clients": plain_uncached(client, 60)} if isinstance(client, str) else {},
        )
        logout = logouts.get(sid)
        ended.append(
            EndedSession(
                session,
                from_epoch_ms(logout, "event.time") if logout is not None else None,
                EndReason.SIGNED_OUT if logout is not None else EndReason.ENDED_ELSEWHERE,
            )
        )
    return ended


class KeycloakAdminProvider(ProviderBase):
    """One watched user of a realm, seen and acted on by an admin (or a service account)."""

    kind = "keycloak-admin"
    capabilities = frozenset({Capability.ACTIVITY, Capability.FORCE_SIGN_OUT, Capability.HISTORY})
    how_else = "End it in Keycloak's admin console (Users, the user, Sessions)."

    def __init__(
        self,
        base_url: str,
        realm: str,
        access: SharedTokens,
        watched: str,
        *,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.realm = realm
        self.access = access
        self.account = watched
        self._admin = f"/admin/realms/{url_segment(realm)}"
        self._client = access.client(self.base_url)
        self._user_id: str | None = None
        self._offline: set[str] = set()

    def __repr__(self) -> str:
        return f"KeycloakAdminProvider({self.base_url!r}, realm={self.realm!r})"

    @property
    def acting_as(self) -> str | None:
        return self.access.operator

    async def aclose(self) -> None:
        await self.access.release()

    async def _get(self, path: str, what: str, **kwargs: Any) -> Any:
        response = await self._send("GET", path, what, **kwargs)
        return await read_json(response)

    async def _send(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = await self.access.source.send(self._client, method, path, headers=JSON, **kwargs)
        raise_for_keycloak(response, self.server, what, ADMIN_ROLES)
        return response

    async def user_id(self) -> str:
        if self._user_id is None:
            body = await self._get(
                f"{self._admin}/users",
                "look the user up",
                params={"username": self.account, "exact": "true"},
            )
            ids = (
                [
                    u.get("id")
                    for u in body
                    if isinstance(u, dict)
                    and str(u.get("username", "")).casefold() == self.account.casefold()
                ]
                if isinstance(body, list)
                else []
            )
            if not ids or not isinstance(ids[0], str):
                raise NotFound(f"{self.server} has no user {plain_uncached(self.account, 120)}.")
            self._user_id = ids[0]
        return self._user_id

    def _user_path(self, user_id: str) -> str:
        return f"{self._admin}/users/{url_segment(user_id)}"

    async def _list(self) -> list[Session]:
        user = self._user_path(await self.user_id())
        body = await self._get(f"{user}/sessions", "list the user's sessions")
        size = len(body) if isinstance(body, list) else 0
        sessions = await offload(parse_sessions, body, size=size)
        offline = await self._offline_sessions(user)
        self._offline = {s.id for s in offline}
        online = {s.id for s in sessions}
        listed = sessions + [s for s in offline if s.id not in online]
        ours = self.access.source.claims.get("sid")  # an admin watching their own account
        if isinstance(ours, str) and ours in online:
            listed = [replace(s, is_current=True) if s.id == ours else s for s in listed]
        return listed

    async def _offline_sessions(self, user: str) -> list[Session]:
        """Offline sessions, per client the user gave offline access; none where the roles do
        not reach (consents need view-users, a client's id view-clients)."""
        try:
            consents = await self._get(f"{user}/consents", "list the user's consents")
        except Forbidden:
            return []
        found: list[Session] = []
        for consent in consents if isinstance(consents, list) else []:
            if not isinstance(consent, dict) or not isinstance(consent.get("clientId"), str):
                continue
            grants = consent.get("additionalGrants") or []
            if not any(isinstance(g, dict) and g.get("key") == "Offline Token" for g in grants):
                continue
            try:
                clients = await self._get(
                    f"{self._admin}/clients",
                    "look the client up",
                    params={"clientId": consent["clientId"]},
                )
                if not isinstance(clients, list) or not clients:
                    continue
                uuid = clients[0].get("id") if isinstance(clients[0], dict) else None
                if not isinstance(uuid, str):
                    continue
                body = await self._get(
                    f"{user}/offline-sessions/{url_segment(uuid)}", "list offline sessions"
                )
            except Forbidden:
                return found
            found += parse_sessions(body, offline=True)
        return found

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        params = {"isOffline": "true"} if session_id in self._offline else None
        await self._send(
            "DELETE",
            f"{self._admin}/sessions/{url_segment(session_id)}",
            "end the session",
            params=params,
        )

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        wanted = set(session_ids)
        online = {s.id for s in self._returned.values()} - self._offline
        rest = list(session_ids)
        if self._current_id is None and online and online <= wanted:
            # Every online session of the user, in one request ("force sign-out").
            await self._send(
                "POST", f"{self._user_path(await self.user_id())}/logout", "sign the user out"
            )
            rest = [sid for sid in session_ids if sid not in online]
        for sid in rest:
            await self._revoke_one(sid, password)
        return await self._confirm_by_listing(session_ids)

    async def history(self) -> list[EndedSession]:
        """Sign-ins the realm's login events remember, of sessions no longer listed."""
        try:
            body = await self._get(
                f"{self._admin}/events",
                "read the login events",
                params=[
                    ("user", await self.user_id()),
                    ("type", "LOGIN"),
                    ("type", "LOGOUT"),
                    ("max", str(MAX_EVENTS)),
                    ("direction", "desc"),
                ],
            )
        except Forbidden:
            return []  # no view-events: no history from the server, and that is fine
        listed = {s.id for s in self._returned.values()}
        return parse_history(body, listed)
