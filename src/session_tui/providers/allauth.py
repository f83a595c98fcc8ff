"""django-allauth sites: the `usersessions` app through the headless API's **app** client.

The app client authenticates with the `X-Session-Token` header (the token is the Django session
key), so there are no cookies and no CSRF. Facts this module relies on, measured against
django-allauth 65 (see docs/providers.md):
- `GET /auth/sessions` lists `{id, user_agent, ip, created_at, is_current}`, plus
  `last_seen_at` only where the site sets `USERSESSIONS_TRACK_ACTIVITY`; `/config` says which.
  Times are float seconds since the epoch; ids are integers. No session expiry is exposed.
- `DELETE /auth/sessions {"sessions": [ids]}` ends them and answers the remaining list. It is
  atomic: one id the server does not know (400 `invalid_choice`) ends nothing.
- A token that was ended answers 410; no or an expired session 401. Logging out answers 401.
- CSRF failures, a bad proxy set-up and crashes answer HTML, not JSON; 429 is `{"status":429}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NotFound,
    ProviderError,
    WrongPassword,
)
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase, confirm_ended
from session_tui.providers.fields import from_epoch_seconds, optional_ip, optional_str
from session_tui.providers.http import (
    check_url,
    host_of,
    json_of,
    json_or_none,
    make_client,
    make_sync_client,
    offload,
    rate_limited,
    read_json,
    send,
    send_sync,
    server_busy,
)
from session_tui.text import plain_uncached

APP_API = "/_allauth/app/v1"
TOKEN_HEADER = "X-Session-Token"
MISMATCH_CODES = frozenset({"username_password_mismatch", "email_password_mismatch"})


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _said(body: Any) -> str:
    """The first error sentence the server gave, made harmless and short."""
    for error in _errors(body):
        message = error.get("message")
        if isinstance(message, str) and message:
            return plain_uncached(message[:4096], 200)
    return ""


def _codes(body: Any) -> set[str]:
    return {e["code"] for e in _errors(body) if isinstance(e.get("code"), str)}


def raise_for_allauth(response: httpx.Response, host: str, what: str) -> None:
    """A non-2xx answer as the typed error the UI knows how to say."""
    status = response.status_code
    if 200 <= status < 300:
        return
    body = json_or_none(response)  # None for the HTML pages (CSRF, 500)
    said = _said(body)
    detail = f" ({said})" if said else ""
    if status in (401, 410):
        raise AuthExpired(
            f"This session was signed out on {host} (its session token no longer works). "
            "Sign in again to continue."
        )
    if status == 429 or (status == 400 and "too_many_login_attempts" in _codes(body)):
        # allauth answers its own failed-login limit with a 400 form error, not a 429.
        raise rate_limited(response)
    if status == 400 and "invalid_choice" in _codes(body):
        raise NotFound(f"{host} no longer has that session{detail}.")
    if status == 403:
        kind = "" if body is not None else " (an HTML error page: CSRF or proxy settings?)"
        raise Forbidden(f"{host} refused to {what}: HTTP 403{kind}{detail}.")
    if status == 404:
        raise ProviderError(
            f"{host} has no allauth session API at {response.request.url.path}: does the site "
            "enable allauth.headless and allauth.usersessions?"
        )
    if status == 503:
        raise server_busy(response, host, said)
    verb = "failed to" if status >= 500 else "refused to"
    raise ProviderError(f"{host} {verb} {what}: HTTP {status}{detail}.")


def _data(response: httpx.Response, what: str) -> Any:
    return _data_of(json_of(response), what)


def _data_of(body: Any, what: str) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise BadResponse(f"The answer to {what} should be an object with 'data'.")
    return body["data"]


def parse_sessions(data: Any, track_activity: bool) -> list[Session]:
    """allauth's session list as Sessions; exactly one must be ours (`is_current`)."""
    if not isinstance(data, list):
        raise BadResponse("The session list ('data') should be a list.")
    sessions = [_session(item, i, track_activity) for i, item in enumerate(data)]
    if len({s.id for s in sessions}) != len(sessions):
        raise BadResponse("The server lists a session twice.")
    current = [s for s in sessions if s.is_current]
    if len(current) != 1:
        raise BadResponse(
            f"The server marks {len(current)} sessions as current; exactly one may be, "
            "or our own session could not be protected."
        )
    return sessions


def _session(item: Any, index: int, track_activity: bool) -> Session:
    where = f"data[{index}]"
    if not isinstance(item, dict):
        raise BadResponse(f"{where} should be an object.")
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or raw_id == "":
        raise BadResponse(f"Field '{where}.id' should be an integer.")
    is_current = item.get("is_current")
    if not isinstance(is_current, bool):
        raise BadResponse(f"Field '{where}.is_current' should be true or false.")
    return Session(
        id=str(raw_id),
        is_current=is_current,
        user_agent=optional_str(item, "user_agent") or None,
        ip=optional_ip(item.get("ip"), f"{where}.ip"),
        created_at=from_epoch_seconds(item.get("created_at"), f"{where}.created_at"),
        last_active_at=(
            from_epoch_seconds(item.get("last_seen_at"), f"{where}.last_seen_at")
            if track_activity
            else None
        ),
    )


@dataclass(frozen=True, slots=True)
class AllauthUser:
    """Who a session token belongs to: allauth's `data.user`."""

    username: str | None
    email: str | None
    display: str | None

    @property
    def name(self) -> str:
        return self.email or self.username or self.display or "?"


def parse_user(data: Any) -> AllauthUser:
    user = data.get("user") if isinstance(data, dict) else None
    if not isinstance(user, dict):
        raise BadResponse("The answer should name the signed-in user ('data.user').")
    return AllauthUser(
        optional_str(user, "username"), optional_str(user, "email"), optional_str(user, "display")
    )


def _session_ids(ids: list[str]) -> list[int | str]:
    """allauth's ids are integers; send them as such (it accepts strings too)."""
    return [int(i) if i.isdigit() else i for i in ids]


class AllauthProvider(ProviderBase):
    """The sessions of one account on a django-allauth site, through its own session token."""

    kind = "allauth"
    revokes_in_body = True  # DELETE /auth/sessions names its sessions in the body
    ids_in_urls = False

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        account: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.account = account or ""
        self.track_activity: bool | None = None  # learned from /config on the first listing
        self.capabilities = frozenset({Capability.BULK_REVOKE})
        self._client = make_client(self.base_url + APP_API, {TOKEN_HEADER: token})

    def __repr__(self) -> str:
        return f"AllauthProvider({self.base_url!r})"

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = await send(self._client, method, path, **kwargs)
        raise_for_allauth(response, self.server, what)
        return response

    async def _learn_site(self) -> None:
        """Once: whether the site tracks activity, and whose token this is."""
        config = _data(await self._call("GET", "/config", "read its settings"), "/config")
        sessions_cfg = config.get("usersessions") if isinstance(config, dict) else None
        if not isinstance(sessions_cfg, dict):
            raise ProviderError(
                f"{self.server} does not offer user sessions: the site needs "
                "allauth.usersessions in INSTALLED_APPS."
            )
        self.track_activity = sessions_cfg.get("track_activity") is True
        if self.track_activity:
            self.capabilities = self.capabilities | {Capability.ACTIVITY}
        if not self.account:
            me = await self._call("GET", "/auth/session", "tell who is signed in")
            self.account = parse_user(_data(me, "/auth/session")).name

    async def _list(self) -> list[Session]:
        if self.track_activity is None:
            await self._learn_site()
        response = await self._call("GET", "/auth/sessions", "list sessions")
        return await self._parse(response)

    async def _parse(self, response: httpx.Response) -> list[Session]:
        data = _data_of(await read_json(response), "the session list")
        size = len(data) if isinstance(data, list) else 0
        return await offload(parse_sessions, data, bool(self.track_activity), size=size)

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._revoke_many([session_id], password)

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        """One DELETE for all of them; its answer, the remaining list, says what ended.

        The call is atomic, so one id that ended meanwhile would make it end nothing: then
        the ids still listed are sent once more.
        """
        try:
            remaining = await self._delete(session_ids)
        except NotFound:
            listed = {s.id for s in await self.list_sessions()}
            still = [i for i in session_ids if i in listed]
            if not still:
                raise
            remaining = await self._delete(still)
        ended = confirm_ended(self.server, session_ids, [s.id for s in remaining])
        self.last_ended = tuple(ended)
        return len(ended)

    async def _delete(self, session_ids: list[str]) -> list[Session]:
        response = await self._call(
            "DELETE",
            "/auth/sessions",
            "end the sessions",
            json={"sessions": _session_ids(session_ids)},
        )
        remaining = await self._parse(response)
        if self._current_id is not None and self._current_id not in {s.id for s in remaining}:
            raise BadResponse(f"{self.server} no longer lists our own session.")
        return remaining


# -- signing in and out (blocking: start-up runs before any event loop) ---------------------


@dataclass(frozen=True, slots=True)
class AllauthLogin:
    """A password login's token and the session it opened. The token goes to the 0600 file."""

    token: str
    user: AllauthUser
    session_id: str | None

    def __repr__(self) -> str:
        return f"AllauthLogin(user={self.user!r}, session_id={self.session_id!r})"


def _sync(base_url: str, token: str | None = None) -> httpx.Client:
    return make_sync_client(base_url + APP_API, {TOKEN_HEADER: token} if token else None)


def who_sync(base_url: str, token: str) -> AllauthUser:
    with _sync(base_url, token) as client:
        response = send_sync(client, "GET", "/auth/session")
    raise_for_allauth(response, host_of(base_url), "tell who is signed in")
    return parse_user(_data(response, "/auth/session"))


def login_sync(base_url: str, user: str, password: str) -> AllauthLogin:
    """Sign in as `user` (a user name or an e-mail, as the site allows) with a password."""
    host = host_of(base_url)
    with _sync(base_url) as client:
        config = _data(send_checked(client, "GET", "/config", host, "read its settings"), "config")
        account = config.get("account") if isinstance(config, dict) else None
        methods = account.get("login_methods") if isinstance(account, dict) else None
        methods = methods if isinstance(methods, list) else ["username"]
        field = "email" if "@" in user and "email" in methods else "username"
        if field == "username" and "username" not in methods:
            field = "email"
        response = send_sync(
            client, "POST", "/auth/login", json={field: user, "password": password}
        )
        body = json_or_none(response)
        if response.status_code == 400 and _codes(body) & MISMATCH_CODES:
            raise WrongPassword(f"{host} refused the user name or password.")
        if response.status_code == 401:
            flows = body.get("data", {}).get("flows") if isinstance(body, dict) else None
            pending = [
                f.get("id")
                for f in (flows if isinstance(flows, list) else [])
                if isinstance(f, dict) and f.get("is_pending")
            ]
            step = plain_uncached(str(pending[0]), 40) if pending else "another step"
            raise ProviderError(
                f"{host} wants {step} after the password, which session-tui cannot do; "
                "sign in on the site, or give a session token in SESSION_TUI_TOKEN."
            )
        raise_for_allauth(response, host, "sign in")
        obj = json_of(response)
        meta = obj.get("meta") if isinstance(obj, dict) else None
        token = meta.get("session_token") if isinstance(meta, dict) else None
        if not isinstance(token, str) or not token:
            raise BadResponse(
                f"{host} signed us in without a session token: is the app client enabled "
                "(HEADLESS_CLIENTS)?"
            )
        me = parse_user(obj.get("data"))
        listed = send_sync(client, "GET", "/auth/sessions", headers={TOKEN_HEADER: token})
    raise_for_allauth(listed, host, "list sessions")
    sessions = parse_sessions(_data(listed, "the session list"), False)
    current = [s.id for s in sessions if s.is_current]
    return AllauthLogin(token, me, current[0] if current else None)


def send_checked(
    client: httpx.Client, method: str, path: str, host: str, what: str
) -> httpx.Response:
    response = send_sync(client, method, path)
    raise_for_allauth(response, host, what)
    return response


def logout_sync(base_url: str, token: str) -> bool:
    """End our session. allauth answers a logout with 401; 410 means it was already dead."""
    with _sync(base_url, token) as client:
        response = send_sync(client, "DELETE", "/auth/session")
    if response.status_code == 410:
        return False
    if response.status_code in (200, 401):
        return True
    raise_for_allauth(response, host_of(base_url), "sign out")
    return True
