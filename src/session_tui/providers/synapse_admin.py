"""On-call mode: other accounts' devices through the Synapse admin API, with an admin's token.

One provider per watched account, so the UI can show them side by side. Unlike the client API,
the admin API reports each device's user agent, and it revokes without user-interactive auth.
The providers of one run share one `AdminCredential`, so signing in again once (after the
operator's token was revoked) brings every watched account back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from session_tui.errors import AuthExpired, Forbidden, NotAdmin
from session_tui.ids import url_segment
from session_tui.model import Capability, Session
from session_tui.providers.base import ProviderBase, SharedCredential
from session_tui.providers.http import (
    check_url,
    host_of,
    json_of,
    offload,
    read_json,
    send,
    send_sync,
)
from session_tui.providers.matrix import (
    CLIENT_API,
    WhoAmI,
    device_count,
    parse_devices,
    parse_whoami,
    raise_for_matrix,
    sync_client,
)

ADMIN_API = "/_synapse/admin/v2"


class AdminCredential(SharedCredential[WhoAmI]):
    """The operator's token and identity, shared by the providers of every watched account."""

    @property
    def operator(self) -> WhoAmI | None:
        return self.identity

    @operator.setter
    def operator(self, who: WhoAmI | None) -> None:
        self.identity = who


def not_admin(who: str | None, host: str) -> NotAdmin:
    return NotAdmin(
        f"{who or 'This account'} is not a server admin on {host}: "
        "on-call mode needs the access token of a server admin."
    )


class SynapseAdminProvider(ProviderBase):
    """The devices of one watched account, seen and force-signed-out by a server admin."""

    kind = "synapse-admin"
    revokes_in_body = True  # the admin delete_devices names its devices in the body
    capabilities = frozenset(
        {Capability.BULK_REVOKE, Capability.ACTIVITY, Capability.FORCE_SIGN_OUT}
    )

    def __init__(
        self,
        homeserver: str,
        admin_token: str | AdminCredential,
        watched_user: str,
        *,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.homeserver = check_url(homeserver, allow_insecure_http=allow_insecure_http)
        self.allow_insecure_http = allow_insecure_http
        self.server = host_of(self.homeserver)
        self.account = watched_user
        self.watched_user = watched_user
        self.credential = (
            admin_token
            if isinstance(admin_token, AdminCredential)
            else AdminCredential(admin_token)
        )
        self._client = self.credential.client(self.homeserver)  # shared by every watched account

    async def aclose(self) -> None:
        await self.credential.release()  # the pool closes with its last provider

    @classmethod
    def watching(
        cls,
        homeserver: str,
        admin_token: str,
        watched_users: Iterable[str],
        *,
        allow_insecure_http: bool = False,
    ) -> list[SynapseAdminProvider]:
        """One provider per account, all on one shared credential."""
        credential = AdminCredential(admin_token)
        return [
            cls(homeserver, credential, user, allow_insecure_http=allow_insecure_http)
            for user in dict.fromkeys(watched_users)
        ]

    def _user_path(self) -> str:
        return f"{ADMIN_API}/users/{url_segment(self.watched_user)}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.credential.token}"}
        response = await send(self._client, method, path, headers=headers, **kwargs)
        try:
            raise_for_matrix(response, self.server)
        except Forbidden as exc:
            if "not a server admin" in exc.message:
                who = self.credential.operator.user_id if self.credential.operator else None
                raise not_admin(who, self.server) from None
            raise
        return await read_json(response)

    @property
    def acting_as(self) -> str | None:
        """The operator whose admin token acts on the watched account, once known."""
        return self.credential.operator.user_id if self.credential.operator else None

    async def operator(self) -> WhoAmI:
        """Whose admin token this is: learned once per credential."""
        if self.credential.operator is None:
            self.credential.operator = parse_whoami(
                await self._call("GET", f"{CLIENT_API}/account/whoami")
            )
        return self.credential.operator

    async def credential_works(self) -> bool:
        """Whether the shared token is alive (another account may have signed in again)."""
        try:
            self.credential.operator = parse_whoami(
                await self._call("GET", f"{CLIENT_API}/account/whoami")
            )
        except AuthExpired:
            return False
        return True

    async def _list(self) -> list[Session]:
        me = await self.operator()
        # Our own device is "current" only in our own account; any other account's devices
        # are all fair game for a force sign-out.
        current = me.device_id if me.user_id == self.watched_user else None
        body = await self._call("GET", f"{self._user_path()}/devices")
        return await offload(_admin_devices, body, current, size=device_count(body))

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call("DELETE", f"{self._user_path()}/devices/{url_segment(session_id)}")

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        await self._call(
            "POST", f"{self._user_path()}/delete_devices", json={"devices": session_ids}
        )
        return len(session_ids)


def _admin_devices(body: Any, current: str | None) -> list[Session]:
    return parse_devices(body, current, with_user_agent=True)


def check_admin_sync(homeserver: str, token: str, *, allow_insecure_http: bool = False) -> WhoAmI:
    """At start-up: who the token belongs to, and refuse clearly if they are not an admin."""
    base = check_url(homeserver, allow_insecure_http=allow_insecure_http)
    host = host_of(base)
    with sync_client(base, token) as client:
        response = send_sync(client, "GET", f"{CLIENT_API}/account/whoami")
        raise_for_matrix(response, host)
        me = parse_whoami(json_of(response))
        probe = send_sync(client, "GET", f"{ADMIN_API}/users/{url_segment(me.user_id)}")
    if probe.status_code in (401, 403):
        try:
            raise_for_matrix(probe, host)
        except Forbidden:
            raise not_admin(me.user_id, host) from None
    raise_for_matrix(probe, host)
    return me
