"""Matrix accounts through the standard client-server API: devices are sessions.

Works with any homeserver. The client API never returns a device's user agent (Synapse strips
it on purpose), so the label is the display name the device chose at login. Revoking needs
user-interactive auth; we complete it in one request with the password the UI asked for, and
never keep that password.

Signing in (password login) and signing out live here too, in a synchronous form for the CLI
(before any event loop runs) and an asynchronous one for "sign in again" inside the app.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NotFound,
    ProviderError,
    ReauthRequired,
    WrongPassword,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.fields import from_epoch_ms, optional_str
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

CLIENT_API = "/_matrix/client/v3"
PASSWORD_LOGIN = "m.login.password"
TOKEN_ERRCODES = frozenset({"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"})


def default_device_name() -> str:
    """What our own device is called on the server, so the user recognises it in any client."""
    return f"session-tui on {socket.gethostname() or 'unknown host'}"


def server_text(body: Any, limit: int = 200) -> str:
    """The server's own `error` sentence, made harmless: it is shown to the user verbatim."""
    text = body.get("error") if isinstance(body, dict) else None
    return plain_uncached(text[: limit * 64], limit) if isinstance(text, str) else ""


def errcode_of(body: Any) -> str | None:
    code = body.get("errcode") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def raise_for_matrix(response: httpx.Response, host: str) -> None:
    """Turn a non-2xx Matrix answer into the typed error the UI knows how to say.

    User-interactive-auth answers (401 with `flows`) are told apart from a dead token: the
    first means "password needed" or "wrong password", the second "sign in again".
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    body = json_or_none(response)
    code = errcode_of(body)
    said = server_text(body)
    if status == 401 and isinstance(body, dict) and "flows" in body:
        flows = body.get("flows")
        stages = [
            stage
            for flow in (flows if isinstance(flows, list) else [])
            if isinstance(flow, dict)
            for stage in (flow.get("stages") or [])
        ]
        if PASSWORD_LOGIN not in stages:
            raise ProviderError(
                f"{host} wants a kind of re-authentication session-tui cannot do "
                "(no password stage, e.g. single sign-on); revoke this session from a web client."
            )
        if code == "M_FORBIDDEN":
            raise WrongPassword("Wrong password: the server refused it. Try again or cancel.")
        raise ReauthRequired("Revoking a Matrix session needs your account password.")
    if status == 401 or code in TOKEN_ERRCODES:
        raise AuthExpired(
            f"This session was signed out (its access token no longer works on {host}). "
            "Sign in again to continue."
        )
    if status == 429 or code == "M_LIMIT_EXCEEDED":
        retry_ms = body.get("retry_after_ms") if isinstance(body, dict) else None
        wait = (
            retry_ms / 1000
            if isinstance(retry_ms, int | float) and not isinstance(retry_ms, bool)
            else None
        )
        raise rate_limited(response, wait)
    if status == 503:
        raise server_busy(response, host, said)
    if status == 403:
        raise Forbidden(f"{host} refused: {said or 'forbidden'}.")
    if status == 404:
        raise NotFound(f"{host} says it does not exist{': ' + said if said else ''}.")
    raise ProviderError(
        f"{response.request.method} {response.request.url.path} failed with HTTP {status}"
        f"{': ' + said if said else ''}."
    )


def expect_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"{what} should be a JSON object, got {type(value).__name__}.")
    return value


def required_str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise BadResponse(f"Field {key!r} should be a non-empty string.")
    return value


def parse_device(raw: Any, current_id: str | None, *, with_user_agent: bool) -> Session:
    """One device object (client or admin API) to a Session; malformed fields are BadResponse."""
    dev = expect_dict(raw, "A device")
    device_id = required_str(dev, "device_id")
    return Session(
        id=device_id,
        is_current=current_id is not None and device_id == current_id,
        display_name=optional_str(dev, "display_name"),
        ip=optional_str(dev, "last_seen_ip"),
        last_active_at=from_epoch_ms(dev.get("last_seen_ts"), "last_seen_ts"),
        user_agent=optional_str(dev, "last_seen_user_agent") if with_user_agent else None,
        extras={"user_id": dev["user_id"]} if isinstance(dev.get("user_id"), str) else {},
    )


def parse_devices(
    body: Any, current_id: str | None, *, with_user_agent: bool = False
) -> list[Session]:
    """The `devices` list, most recently active first (servers order it by device id)."""
    obj = expect_dict(body, "The device list")
    devices = obj.get("devices")
    if not isinstance(devices, list):
        raise BadResponse("Field 'devices' should be a list.")
    sessions = [parse_device(d, current_id, with_user_agent=with_user_agent) for d in devices]
    return sort_by_activity(sessions)


def device_count(body: Any) -> int:
    """How many devices an answer lists (0 when it is not a listing at all)."""
    devices = body.get("devices") if isinstance(body, dict) else None
    return len(devices) if isinstance(devices, list) else 0


def sort_by_activity(sessions: list[Session]) -> list[Session]:
    """Newest activity first; never-seen devices last; ties by id so the order is stable."""
    seen = sorted(
        (s for s in sessions if s.last_active_at is not None),
        key=lambda s: (s.last_active_at, s.id),
        reverse=True,
    )
    unseen = sorted((s for s in sessions if s.last_active_at is None), key=lambda s: s.id)
    return seen + unseen


@dataclass(frozen=True, slots=True)
class WhoAmI:
    user_id: str
    device_id: str | None


def parse_whoami(body: Any) -> WhoAmI:
    obj = expect_dict(body, "The whoami answer")
    return WhoAmI(required_str(obj, "user_id"), optional_str(obj, "device_id"))


def device_path(device_id: str) -> str:
    return f"{CLIENT_API}/devices/{url_segment(device_id)}"


def password_auth(user: str, password: str) -> dict[str, Any]:
    """A one-shot UIA dict: Synapse accepts it without a prior 401 round trip."""
    return {
        "type": PASSWORD_LOGIN,
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
    }


class MatrixProvider(ProviderBase):
    """The devices of one Matrix account, through its own access token."""

    kind = "matrix"
    revokes_in_body = True  # delete_devices names its devices in the body
    how_else = (
        "Sign that device out from another Matrix client (Element: Settings, Sessions), or "
        "ask the homeserver's admin to delete it."
    )
    capabilities = frozenset(
        {
            Capability.RENAME,
            Capability.REAUTH_TO_REVOKE,
            Capability.BULK_REVOKE,
            Capability.ACTIVITY,
        }
    )

    def __init__(
        self,
        homeserver: str,
        access_token: str,
        *,
        user_id: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.homeserver = check_url(homeserver, allow_insecure_http=allow_insecure_http)
        self.allow_insecure_http = allow_insecure_http
        self.server = host_of(self.homeserver)
        self.account = user_id or ""
        self.user_id = user_id
        self._whoami: WhoAmI | None = None
        self._client = make_client(
            self.homeserver, headers={"Authorization": f"Bearer {access_token}"}
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await send(self._client, method, path, **kwargs)
        raise_for_matrix(response, self.server)
        return await read_json(response)

    async def whoami(self) -> WhoAmI:
        """Who our token belongs to; asked once, since a token never changes owner or device."""
        if self._whoami is None:
            me = parse_whoami(await self._call("GET", f"{CLIENT_API}/account/whoami"))
            self._whoami = me
            self.user_id = me.user_id
            self.account = me.user_id
        return self._whoami

    async def _list(self) -> list[Session]:
        me = await self.whoami()
        body = await self._call("GET", f"{CLIENT_API}/devices")
        return await offload(parse_devices, body, me.device_id, size=device_count(body))

    async def _auth(self, password: str | None) -> dict[str, Any]:
        if not password:
            raise ReauthRequired("Revoking a Matrix session needs your account password.")
        me = await self.whoami()
        return password_auth(me.user_id, password)

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        auth = await self._auth(password)
        await self._call("DELETE", device_path(session_id), json={"auth": auth})

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        auth = await self._auth(password)
        await self._call(
            "POST", f"{CLIENT_API}/delete_devices", json={"devices": session_ids, "auth": auth}
        )
        return len(session_ids)

    async def rename(self, session_id: str, name: str) -> None:
        await self._call("PUT", device_path(session_id), json={"display_name": name})


# -- signing in and out ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a password login gave us. `access_token` must go nowhere but the 0600 file."""

    user_id: str
    access_token: str
    device_id: str | None

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"LoginResult(user_id={self.user_id!r}, device_id={self.device_id!r})"


def _login_body(user: str, password: str, device_name: str) -> dict[str, Any]:
    return {
        "type": PASSWORD_LOGIN,
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "initial_device_display_name": device_name,
    }


def _login_result(response: httpx.Response, host: str) -> LoginResult:
    if response.status_code == 403 and errcode_of(json_or_none(response)) == "M_FORBIDDEN":
        raise WrongPassword(f"{host} refused the user name or password.")
    if response.status_code == 401:
        # /login never takes a token; a 401 here is the server refusing the credentials too.
        raise WrongPassword(f"{host} refused the user name or password.")
    raise_for_matrix(response, host)
    obj = expect_dict(json_of(response), "The login answer")
    return LoginResult(
        user_id=required_str(obj, "user_id"),
        access_token=required_str(obj, "access_token"),
        device_id=optional_str(obj, "device_id"),
    )


def sync_client(homeserver: str, token: str | None = None) -> httpx.Client:
    return make_sync_client(homeserver, {"Authorization": f"Bearer {token}"} if token else None)


async def password_login(
    homeserver: str,
    user: str,
    password: str,
    *,
    device_name: str | None = None,
    allow_insecure_http: bool = False,
) -> LoginResult:
    """Log in with a password, creating a new device (for "sign in again" inside the app)."""
    base = check_url(homeserver, allow_insecure_http=allow_insecure_http)
    body = _login_body(user, password, device_name or default_device_name())
    async with make_client(base) as client:
        response = await send(client, "POST", f"{CLIENT_API}/login", json=body)
    return _login_result(response, host_of(base))


def password_login_sync(
    homeserver: str,
    user: str,
    password: str,
    *,
    device_name: str | None = None,
    allow_insecure_http: bool = False,
) -> LoginResult:
    """The same login, before the app's event loop exists (start-up, after the prompt)."""
    base = check_url(homeserver, allow_insecure_http=allow_insecure_http)
    body = _login_body(user, password, device_name or default_device_name())
    with sync_client(base) as client:
        response = send_sync(client, "POST", f"{CLIENT_API}/login", json=body)
    return _login_result(response, host_of(base))


def whoami_sync(homeserver: str, token: str, *, allow_insecure_http: bool = False) -> WhoAmI:
    """Check a token at start-up, so a dead stored credential leads to a prompt, not an error."""
    base = check_url(homeserver, allow_insecure_http=allow_insecure_http)
    with sync_client(base, token) as client:
        response = send_sync(client, "GET", f"{CLIENT_API}/account/whoami")
    raise_for_matrix(response, host_of(base))
    return parse_whoami(json_of(response))


def logout_sync(homeserver: str, token: str, *, allow_insecure_http: bool = False) -> bool:
    """Log our device out. True if it was signed in, False if the token was already dead."""
    base = check_url(homeserver, allow_insecure_http=allow_insecure_http)
    with sync_client(base, token) as client:
        response = send_sync(client, "POST", f"{CLIENT_API}/logout", json={})
    try:
        raise_for_matrix(response, host_of(base))
    except AuthExpired:
        return False
    return True
