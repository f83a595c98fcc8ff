"""On-call mode against a real Synapse: an admin watches, lists and force-signs-out accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from synapse_server import MatrixUser, SynapseServer

from session_tui.errors import CurrentSessionProtected, NotAdmin, NotFound
from session_tui.providers.synapse_admin import SynapseAdminProvider, check_admin_sync

PHONE_UA = "Element/1.11 (iPhone; iOS 17.5)"
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def operator_token(synapse: SynapseServer, matrix_admin: MatrixUser) -> str:
    _, token = synapse.login(matrix_admin, device_name="on-call laptop")
    return token


@pytest.fixture
def bob(synapse: SynapseServer) -> MatrixUser:
    user = synapse.new_user(prefix="bob")
    synapse.login(user, device_name="iPhone", user_agent=PHONE_UA, ip="198.51.100.7")
    synapse.login(user, device_name="Firefox", user_agent=LAPTOP_UA, ip="203.0.113.10")
    return user


@pytest.fixture
async def watching_bob(
    synapse: SynapseServer, operator_token: str, bob: MatrixUser
) -> AsyncIterator[SynapseAdminProvider]:
    provider = SynapseAdminProvider(synapse.base_url, operator_token, bob.user_id)
    try:
        yield provider
    finally:
        await provider.aclose()


async def test_admin_lists_a_watched_account_with_user_agents(
    synapse: SynapseServer, watching_bob: SynapseAdminProvider, bob: MatrixUser
) -> None:
    sessions = await watching_bob.list_sessions()
    assert {s.id for s in sessions} == set(bob.devices)
    agents = {s.user_agent for s in sessions}
    assert {PHONE_UA, LAPTOP_UA} <= agents
    assert not any(s.is_current for s in sessions)  # the operator's device is not bob's
    assert watching_bob.account == bob.user_id
    assert watching_bob.kind == "synapse-admin"


async def test_admin_force_signs_out_one_and_all(
    synapse: SynapseServer, watching_bob: SynapseAdminProvider, bob: MatrixUser
) -> None:
    phone = next(s.id for s in await watching_bob.list_sessions() if s.display_name == "iPhone")
    await watching_bob.revoke(phone)  # no password: the admin API needs none
    assert not synapse.token_works(bob.devices[phone])
    rest = {d for d in bob.devices if d != phone}
    assert {s.id for s in await watching_bob.list_sessions()} == rest
    assert await watching_bob.revoke_others() == len(rest)
    assert await watching_bob.list_sessions() == []
    assert not any(synapse.token_works(t) for t in bob.devices.values())


async def test_watching_yourself_keeps_your_session_unrevocable(
    synapse: SynapseServer, matrix_admin: MatrixUser, operator_token: str
) -> None:
    provider = SynapseAdminProvider(synapse.base_url, operator_token, matrix_admin.user_id)
    try:
        sessions = await provider.list_sessions()
        mine = [s.id for s in sessions if s.is_current]
        assert len(mine) == 1
        with pytest.raises(CurrentSessionProtected):
            await provider.revoke(mine[0])
        assert await provider.revoke_others() == len(sessions) - 1
        assert synapse.token_works(operator_token)
    finally:
        await provider.aclose()


async def test_a_non_admin_is_refused(synapse: SynapseServer, bob: MatrixUser) -> None:
    token = next(iter(bob.devices.values()))
    with pytest.raises(NotAdmin) as caught:
        check_admin_sync(synapse.base_url, token)
    assert "not a server admin" in str(caught.value)
    provider = SynapseAdminProvider(synapse.base_url, token, bob.user_id)
    try:
        with pytest.raises(NotAdmin) as caught:
            await provider.list_sessions()
        assert "not a server admin" in str(caught.value)
        assert bob.user_id in str(caught.value)
    finally:
        await provider.aclose()


async def test_watching_an_unknown_account_says_so(
    synapse: SynapseServer, operator_token: str
) -> None:
    provider = SynapseAdminProvider(synapse.base_url, operator_token, "@nobody-here:localhost")
    try:
        with pytest.raises(NotFound):
            await provider.list_sessions()
    finally:
        await provider.aclose()


async def test_watched_accounts_share_one_credential(
    synapse: SynapseServer, operator_token: str, bob: MatrixUser
) -> None:
    carol = synapse.new_user(prefix="carol")
    providers = SynapseAdminProvider.watching(
        synapse.base_url, operator_token, [bob.user_id, carol.user_id, bob.user_id]
    )
    try:
        assert [p.account for p in providers] == [bob.user_id, carol.user_id]
        assert providers[0].credential is providers[1].credential
        assert operator_token not in repr(providers[0].credential)
        counts = [len(await p.list_sessions()) for p in providers]
        assert counts == [len(bob.devices), len(carol.devices)]
    finally:
        for p in providers:
            await p.aclose()
