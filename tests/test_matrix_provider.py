"""MatrixProvider against a real Synapse: what the server holds is what we show and change."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from synapse_server import MatrixUser, SynapseServer

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    CurrentSessionProtected,
    InsecureURLError,
    ReauthRequired,
    Unreachable,
    WrongPassword,
)
from session_tui.model import Capability
from session_tui.providers.matrix import MatrixProvider, parse_devices

PHONE_UA = "Element/1.11 (iPhone; iOS 17.5)"
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Account:
    user: MatrixUser
    tui: str  # the device our provider is signed in with
    phone: str
    laptop: str
    provider: MatrixProvider


@pytest.fixture
async def account(synapse: SynapseServer, matrix_user: MatrixUser) -> AsyncIterator[Account]:
    phone, _ = synapse.login(
        matrix_user, device_name="iPhone", user_agent=PHONE_UA, ip="198.51.100.7"
    )
    laptop, _ = synapse.login(
        matrix_user, device_name="Firefox on Linux", user_agent=LAPTOP_UA, ip="203.0.113.10"
    )
    tui, token = synapse.login(matrix_user, device_name="TUI", ip="192.0.2.55")
    provider = MatrixProvider(synapse.base_url, token, user_id=matrix_user.user_id)
    try:
        yield Account(matrix_user, tui, phone, laptop, provider)
    finally:
        await provider.aclose()


async def test_list_matches_the_server(synapse: SynapseServer, account: Account) -> None:
    sessions = await account.provider.list_sessions()
    on_server = synapse.devices(account.user, account.user.devices[account.phone])
    assert {s.id for s in sessions} == set(on_server)
    assert len(sessions) == 4  # three logins plus the device registration created
    by_id = {s.id: s for s in sessions}
    assert [s.id for s in sessions if s.is_current] == [account.tui]
    assert by_id[account.phone].display_name == "iPhone"
    assert by_id[account.phone].ip == "198.51.100.7"
    assert by_id[account.laptop].ip == "203.0.113.10"
    assert by_id[account.phone].user_agent is None  # the client API never tells
    assert all(s.expires_at is None for s in sessions)
    seen = [s.last_active_at for s in sessions if s.last_active_at is not None]
    assert seen == sorted(seen, reverse=True)
    assert sessions[-1].id == account.user.registration_device  # never seen: last
    assert by_id[account.phone].last_active_at is not None
    assert account.provider.account == account.user.user_id
    assert account.provider.kind == "matrix"
    assert Capability.REAUTH_TO_REVOKE in account.provider.capabilities


async def test_revoke_with_the_right_password(synapse: SynapseServer, account: Account) -> None:
    phone_token = account.user.devices[account.phone]
    await account.provider.revoke(account.phone, password=account.user.password)
    assert account.phone not in synapse.devices(account.user, account.user.devices[account.tui])
    assert not synapse.token_works(phone_token)
    assert account.phone not in {s.id for s in await account.provider.list_sessions()}


@pytest.mark.parametrize("device_id", ["..", ".", "a/b", "%2E%2E", "v1.2?x#y"])
async def test_a_device_named_to_escape_its_url_is_renamed_and_revoked_for_real(
    synapse: SynapseServer, account: Account, device_id: str
) -> None:
    """A client chose its own device id so that `DELETE /devices/{id}` would miss it (or hit
    the parent resource, password and all). It is renamed through its encoded segment, which
    Synapse routes to it, and revoked through delete_devices, which names it in the body."""
    _, token = synapse.login(account.user, device_name="sly", device_id=device_id)
    listed = {s.id for s in await account.provider.list_sessions()}
    assert device_id in listed
    await account.provider.rename(device_id, "renamed here")
    on_server = synapse.devices(account.user, account.user.devices[account.tui])
    assert on_server[device_id]["display_name"] == "renamed here"
    await account.provider.revoke(device_id, password=account.user.password)
    assert device_id not in synapse.devices(account.user, account.user.devices[account.tui])
    assert not synapse.token_works(token)
    assert account.phone in {s.id for s in await account.provider.list_sessions()}


async def test_wrong_or_missing_password_keeps_the_device(
    synapse: SynapseServer, account: Account
) -> None:
    with pytest.raises(WrongPassword):
        await account.provider.revoke(account.phone, password="not-the-password")
    with pytest.raises(ReauthRequired):
        await account.provider.revoke(account.phone)
    with pytest.raises(WrongPassword):
        await account.provider.revoke_others(password="not-the-password")
    assert account.phone in synapse.devices(account.user, account.user.devices[account.tui])
    assert synapse.token_works(account.user.devices[account.phone])


async def test_current_device_cannot_be_revoked(synapse: SynapseServer, account: Account) -> None:
    with pytest.raises(CurrentSessionProtected):
        await account.provider.revoke(account.tui, password=account.user.password)
    assert synapse.token_works(account.user.devices[account.tui])


async def test_revoke_all_leaves_exactly_the_current_device(
    synapse: SynapseServer, account: Account
) -> None:
    count = await account.provider.revoke_others(password=account.user.password)
    assert count == 3
    assert set(synapse.devices(account.user, account.user.devices[account.tui])) == {account.tui}
    assert not synapse.token_works(account.user.devices[account.laptop])
    assert [s.id for s in await account.provider.list_sessions()] == [account.tui]


async def test_revoke_all_only_touches_what_the_user_saw(
    synapse: SynapseServer, account: Account
) -> None:
    count = await account.provider.revoke_others(
        only=[account.phone, account.tui], password=account.user.password
    )
    assert count == 1
    assert set(synapse.devices(account.user, account.user.devices[account.tui])) == {
        account.tui,
        account.laptop,
        account.user.registration_device,
    }


async def test_rename_changes_it_on_the_server(synapse: SynapseServer, account: Account) -> None:
    await account.provider.rename(account.laptop, "Work laptop")
    devices = synapse.devices(account.user, account.user.devices[account.tui])
    assert devices[account.laptop]["display_name"] == "Work laptop"


async def test_own_token_revoked_elsewhere_is_auth_expired(
    synapse: SynapseServer, account: Account
) -> None:
    await account.provider.list_sessions()
    with synapse.client(account.user.devices[account.phone]) as c:
        c.post(
            "/_matrix/client/v3/delete_devices",
            json={
                "devices": [account.tui],
                "auth": {
                    "type": "m.login.password",
                    "identifier": {"type": "m.id.user", "user": account.user.user_id},
                    "password": account.user.password,
                },
            },
        ).raise_for_status()
    with pytest.raises(AuthExpired) as caught:
        await account.provider.list_sessions()
    assert "signed out" in str(caught.value)
    assert account.user.devices[account.tui] not in str(caught.value)


async def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(InsecureURLError):
        MatrixProvider("http://matrix.example.org", "token")
    allowed = MatrixProvider("http://matrix.example.org", "token", allow_insecure_http=True)
    await allowed.aclose()
    local = MatrixProvider("http://127.0.0.1:1", "token")
    await local.aclose()


async def test_no_server_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = MatrixProvider(f"http://127.0.0.1:{port}", "token")
    try:
        with pytest.raises(Unreachable):
            await provider.list_sessions()
    finally:
        await provider.aclose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"devices": {}}, "devices"),
        ({"devices": [{"device_id": 7}]}, "device_id"),
        ({"devices": [{"device_id": "A", "last_seen_ts": "yesterday"}]}, "last_seen_ts"),
        ({"devices": [{"device_id": "A", "last_seen_ip": ["1.2.3.4"]}]}, "last_seen_ip"),
        ({"devices": [{"device_id": "A", "display_name": 5}]}, "display_name"),
    ],
)
def test_malformed_device_lists_name_the_field(body: object, field: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_devices(body, None)
    assert field in str(caught.value)


def test_a_list_instead_of_an_object_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        parse_devices([1, 2], None)
