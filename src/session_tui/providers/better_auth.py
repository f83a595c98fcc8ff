"""Better Auth sites: `list-sessions` and the revoke calls, as a bearer client.

Facts this module relies on, measured against better-auth 1.7 (see docs/providers.md):
- The bearer plugin takes the raw session token as `Authorization: Bearer`. A cookie on a
  POST without the site's Origin is refused, so our clients never keep cookies.
- `list-sessions` marks no session as current and carries every session's raw **token**, which
  works as a credential at once. Revoking one takes that token, not the id. The tokens are
  kept here, in memory, for the revoke only: never in a `Session`, so never shown, stored,
  logged, audited or printed.
- Every revoke answers 200, whether or not anything was deleted: a revoke is confirmed by
  listing again. A dead token gets 401 from `list-sessions` (and 200 `null` from
  `get-session`). `list-sessions` answers 403 SESSION_NOT_FRESH for a session signed in more
  than `freshAge` (a day by default) ago.
- 429 carries `X-Retry-After`. Errors are `{"message", "code"}`; an unknown path is an empty
  404. There is no "last active" field, only `updatedAt`, which moves when the session is
  refreshed (about once a day), so it is not shown as activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NotAdmin,
    NotFound,
    ProviderError,
)
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase, SharedCredential
from session_tui.providers.fields import optional_ip, optional_str, parse_time
from session_tui.providers.http import (
    check_url,
    host_of,
    json_or_none,
    offload,
    rate_limited,
    read_json,
    send,
    server_busy,
)
from session_tui.text import plain_uncached

DEFAULT_BASE_PATH = "/api/auth"


class SessionNotFresh(AuthExpired):
    """Better Auth lists sessions only for a recently signed-in session: sign in again."""

    elsewhere = False


def api_root(base_url: str, base_path: str | None) -> str:
    path = "/" + (base_path or DEFAULT_BASE_PATH).strip("/")
    return base_url.rstrip("/") + (path if path != "/" else "")


def code_and_message(body: Any) -> tuple[str | None, str]:
    if not isinstance(body, dict):
        return None, ""
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("message")
    said = plain_uncached(message[:4096], 200) if isinstance(message, str) else ""
    return code, said


def raise_for_better_auth(response: httpx.Response, host: str, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    code, said = code_and_message(json_or_none(response))
    detail = f" ({said})" if said else ""
    if status == 401:
        raise AuthExpired(
            f"This session was signed out on {host} (its token no longer works). "
            "Sign in again to continue."
        )
    if status == 403 and code == "SESSION_NOT_FRESH":
        raise SessionNotFresh(
            f"{host} lists sessions only for a session signed in recently (Better Auth's "
            "freshAge, a day by default). Sign in again to continue."
        )
    if status == 403 and code and code.startswith("YOU_ARE_NOT_ALLOWED"):
        raise NotAdmin(f"{host} refused: this account is not an admin{detail}.")
    if status == 403:
        raise Forbidden(f"{host} refused to {what}{detail}.")
    if status == 429:
        raise rate_limited(response)
    if status == 404:
        raise ProviderError(
            f"{host} has no Better Auth API at {response.request.url.path}: check --base-path."
        )
    if status == 503:
        raise server_busy(response, host, said)
    verb = "failed to" if status >= 500 else "refused to"
    raise ProviderError(f"{host} {verb} {what}: HTTP {status}{detail}.")


@dataclass(frozen=True, slots=True)
class Listed:
    """One listing: the sessions to show, and the tokens revoking them needs (memory only)."""

    sessions: list[Session]
    tokens: dict[str, str]


def _length(items: Any) -> int:
    return len(items) if isinstance(items, list) else 0


def parse_listing(items: Any, current_id: str | None, now: datetime) -> Listed:
    """Better Auth session objects; expired ones (the admin list keeps them) are left out."""
    if not isinstance(items, list):
        raise BadResponse("The session list should be a JSON list.")
    sessions: list[Session] = []
    tokens: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"sessions[{index}]"
        if not isinstance(item, dict):
            raise BadResponse(f"{where} should be an object.")
        session_id = item.get("id")
        token = item.get("token")
        if not isinstance(session_id, str) or not session_id:
            raise BadResponse(f"Field '{where}.id' should be a non-empty string.")
        if not isinstance(token, str) or not token:
            raise BadResponse(f"Field '{where}.token' should be a non-empty string.")
        if session_id in tokens:
            raise BadResponse("The server lists a session twice.")
        expires = parse_time(item.get("expiresAt"), f"{where}.expiresAt")
        if expires is not None and expires <= now:
            continue
        tokens[session_id] = token
        impersonator = optional_str(item, "impersonatedBy")
        sessions.append(
            Session(
                id=session_id,
                is_current=session_id == current_id,
                user_agent=optional_str(item, "userAgent") or None,
                ip=optional_ip(item.get("ipAddress"), f"{where}.ipAddress"),
                created_at=parse_time(item.get("createdAt"), f"{where}.createdAt"),
                expires_at=expires,
                extras={"impersonated_by": impersonator} if impersonator else {},
            )
        )
    return Listed(sessions, tokens)


@dataclass(frozen=True, slots=True)
class Me:
    """Whose token this is: `get-session`'s user e-mail and session id."""

    email: str
    user_id: str
    session_id: str


def parse_me(body: Any, host: str) -> Me:
    if body is None:
        raise AuthExpired(
            f"This session was signed out on {host} (its token no longer works). "
            "Sign in again to continue."
        )
    session = body.get("session") if isinstance(body, dict) else None
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(session, dict) or not isinstance(user, dict):
        raise BadResponse("get-session should answer {session, user} or null.")
    email, user_id, session_id = user.get("email"), user.get("id"), session.get("id")
    if not (
        isinstance(email, str)
        and email
        and isinstance(user_id, str)
        and user_id
        and isinstance(session_id, str)
        and session_id
    ):
        raise BadResponse("get-session should name the user's e-mail and id and the session id.")
    return Me(email, user_id, session_id)


SharedToken = SharedCredential[Me]


class BetterAuthBase(ProviderBase):
    """What the own-account and the admin provider share: calls, whoami, confirmed revokes."""

    capabilities = frozenset({Capability.EXPIRY})
    revokes_in_body = True  # every revoke names a session by its token, in the body
    ids_in_urls = False

    def __init__(
        self,
        base_url: str,
        credential: str | SharedToken,
        *,
        base_path: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.api = api_root(self.base_url, base_path)
        self.credential = (
            credential if isinstance(credential, SharedCredential) else SharedToken(credential)
        )
        self._tokens: dict[str, str] = {}
        self._client = self.credential.client(self.api)  # shared by every watched account

    async def aclose(self) -> None:
        await self.credential.release()  # the pool closes with its last provider

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.credential.token}"}
        response = await send(self._client, method, path, headers=headers, **kwargs)
        raise_for_better_auth(response, self.server, what)
        return await read_json(response) if response.content else None

    async def me(self) -> Me:
        if self.credential.identity is None:
            body = await self._call(
                "GET", "/get-session", "tell who is signed in", params={"disableRefresh": "true"}
            )
            self.credential.identity = parse_me(body, self.server)
        return self.credential.identity

    async def _fetch(self) -> Listed:
        raise NotImplementedError

    async def _list(self) -> list[Session]:
        listed = await self._fetch()
        self._tokens = listed.tokens  # replaced whole: a token lives one listing, no longer
        return listed.sessions

    async def _token_of(self, session_id: str) -> str:
        token = self._tokens.get(session_id)  # `revoke` has just listed
        if token is None:
            raise NotFound(f"{self.server} no longer lists that session.")
        return token


class BetterAuthProvider(BetterAuthBase):
    """The sessions of the signed-in account."""

    kind = "better-auth"

    async def _fetch(self) -> Listed:
        me = await self.me()
        self.account = me.email
        body = await self._call("GET", "/list-sessions", "list sessions")
        listed = await offload(
            parse_listing, body, me.session_id, datetime.now(UTC), size=_length(body)
        )
        if not any(s.is_current for s in listed.sessions):
            raise BadResponse(
                f"{self.server} does not list our own session; refusing to act, as it could "
                "not be protected."
            )
        return listed

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        token = await self._token_of(session_id)
        await self._call("POST", "/revoke-session", "revoke the session", json={"token": token})
        await self._confirm_by_listing([session_id])

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        # `revoke_others` just listed: when the targets are every other session, one call
        # does it; otherwise (a selection, or a session that appeared since) one per token.
        others = {sid for sid in self._tokens if sid != self._current_id}
        if set(session_ids) == others:
            await self._call("POST", "/revoke-other-sessions", "revoke the other sessions")
        else:
            for sid in session_ids:
                token = self._tokens.get(sid)
                if token is not None:
                    await self._call(
                        "POST", "/revoke-session", "revoke a session", json={"token": token}
                    )
        return await self._confirm_by_listing(session_ids)


class BetterAuthAdminProvider(BetterAuthBase):
    """On-call mode: another user's sessions through the admin plugin, with an admin's token."""

    kind = "better-auth-admin"
    capabilities = frozenset({Capability.EXPIRY, Capability.FORCE_SIGN_OUT})

    def __init__(
        self,
        base_url: str,
        credential: str | SharedToken,
        watched: str,
        *,
        base_path: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__(
            base_url, credential, base_path=base_path, allow_insecure_http=allow_insecure_http
        )
        self.account = watched
        self.watched = watched
        self._user_id: str | None = None

    @property
    def acting_as(self) -> str | None:
        return self.credential.identity.email if self.credential.identity else None

    async def credential_works(self) -> bool:
        self.credential.identity = None
        try:
            await self.me()
        except AuthExpired:
            return False
        return True

    async def _watched_id(self) -> str:
        if self._user_id is None:
            body = await self._call(
                "GET",
                "/admin/list-users",
                "look the user up",
                params={
                    "filterField": "email",
                    "filterValue": self.watched,
                    "filterOperator": "eq",
                    "limit": "2",
                },
            )
            users = body.get("users") if isinstance(body, dict) else None
            if not isinstance(users, list):
                raise BadResponse("admin/list-users should answer {users: [...]}.")
            ids = [
                u.get("id")
                for u in users
                if isinstance(u, dict)
                and str(u.get("email", "")).casefold() == self.watched.casefold()
            ]
            if not ids or not isinstance(ids[0], str):
                raise NotFound(f"{self.server} has no user {plain_uncached(self.watched, 120)}.")
            self._user_id = ids[0]
        return self._user_id

    async def _fetch(self) -> Listed:
        me = await self.me()
        user_id = await self._watched_id()
        body = await self._call(
            "POST",
            "/admin/list-user-sessions",
            "list the user's sessions",
            json={"userId": user_id},
        )
        items = body.get("sessions") if isinstance(body, dict) else None
        current = me.session_id if me.user_id == user_id else None
        return await offload(parse_listing, items, current, datetime.now(UTC), size=_length(items))

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        token = await self._token_of(session_id)
        await self._call(
            "POST",
            "/admin/revoke-user-session",
            "force the session to sign out",
            json={"sessionToken": token},
        )
        await self._confirm_by_listing([session_id])

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        # "All of the user's sessions" is one call, but only when ours is not among them.
        if self._current_id is None and set(session_ids) == set(self._tokens):
            await self._call(
                "POST",
                "/admin/revoke-user-sessions",
                "force the user's sessions to sign out",
                json={"userId": await self._watched_id()},
            )
        else:
            for sid in session_ids:
                token = self._tokens.get(sid)
                if token is not None:
                    await self._call(
                        "POST",
                        "/admin/revoke-user-session",
                        "force a session to sign out",
                        json={"sessionToken": token},
                    )
        return await self._confirm_by_listing(session_ids)
