"""The provider contract: every provider, against its real server, behaves the same way.

Parametrised by `contract_backends.backend`: the demo service (REST contract), Synapse
(Matrix), a Django site with django-allauth, and Better Auth on Node. docs/providers.md says
what a provider promises; these tests are how a provider proves it.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from contract_backends import Backend, now, password_for

from session_tui.errors import AuthExpired, CurrentSessionProtected, NotFound, Unreachable
from session_tui.model import EndReason
from session_tui.providers.base import SessionProvider
from session_tui.tracking.tracker import Tracker


async def listing(provider: SessionProvider) -> dict[str, bool]:
    return {s.id: s.is_current for s in await provider.list_sessions()}


async def test_the_listing_is_what_the_server_has_with_exactly_one_current(
    backend: Backend,
) -> None:
    provider = backend.provider()
    try:
        listed = await listing(provider)
    finally:
        await provider.aclose()
    assert set(listed) == backend.server_ids()
    assert [sid for sid, current in listed.items() if current] == [backend.ours]
    assert set(backend.others) <= set(listed)


async def test_the_current_session_is_refused_before_and_after_a_listing(
    backend: Backend,
) -> None:
    provider = backend.provider()
    try:
        with pytest.raises(CurrentSessionProtected):
            await provider.revoke(backend.ours, password=password_for(backend))
        await provider.list_sessions()
        with pytest.raises(CurrentSessionProtected):
            await provider.revoke(backend.ours, password=password_for(backend))
    finally:
        await provider.aclose()
    assert backend.alive(backend.ours)
    assert backend.ours in backend.server_ids()


async def test_revoke_others_skips_the_current_session_even_when_named(backend: Backend) -> None:
    provider = backend.provider()
    target = backend.others[-1]
    try:
        count = await provider.revoke_others(
            only=[backend.ours, target], password=password_for(backend)
        )
    finally:
        await provider.aclose()
    assert count == 1
    assert backend.alive(backend.ours)
    assert not backend.alive(target)
    assert backend.server_ids() == {backend.ours, *backend.others} - {target}


async def test_revoke_one_ends_it_on_the_server(backend: Backend) -> None:
    provider = backend.provider()
    target = backend.others[-1]
    try:
        await provider.revoke(target, password=password_for(backend))
        after = await listing(provider)
    finally:
        await provider.aclose()
    assert target not in after and target not in backend.server_ids()
    assert not backend.alive(target)  # its token is refused now
    assert backend.alive(backend.ours)


async def test_revoke_all_others_leaves_exactly_ours(backend: Backend) -> None:
    provider = backend.provider()
    try:
        count = await provider.revoke_others(password=password_for(backend))
        after = await listing(provider)
    finally:
        await provider.aclose()
    assert count == len(backend.server_ids() | set(backend.others)) - 1
    assert after == {backend.ours: True}
    assert backend.server_ids() == {backend.ours}
    assert all(not backend.alive(sid) for sid in backend.others)
    assert backend.alive(backend.ours)


async def test_a_session_ended_elsewhere_goes_to_history_as_ended_elsewhere(
    backend: Backend, tmp_path: Path
) -> None:
    provider = backend.provider()
    with Tracker(f"contract:{backend.name}", tmp_path / "history.sqlite3") as tracker:
        try:
            tracker.observe(await provider.list_sessions(), now())
            new = backend.sign_in_other()
            events = tracker.observe(await provider.list_sessions(), now())
            assert new in {e.session_id for e in events}
            backend.end_elsewhere(new)
            after = await listing(provider)
            tracker.observe(await provider.list_sessions(), now())
        finally:
            await provider.aclose()
        assert new not in after
        rows = {row.session_id: row for row in tracker.history()}
    assert rows[new].reason is EndReason.ENDED_ELSEWHERE


async def test_our_own_session_ended_elsewhere_is_detected(backend: Backend) -> None:
    provider = backend.provider()
    try:
        await provider.list_sessions()
        backend.end_elsewhere(backend.ours)
        with pytest.raises(AuthExpired):
            await provider.list_sessions()
    finally:
        await provider.aclose()


async def test_revoking_a_session_the_server_does_not_have_is_not_found(
    backend: Backend,
) -> None:
    provider = backend.provider()
    gone = backend.others[0]
    try:
        await provider.list_sessions()
        backend.end_elsewhere(gone)
        with pytest.raises(NotFound):
            await provider.revoke(gone, password=password_for(backend))
    finally:
        await provider.aclose()
    assert backend.alive(backend.ours)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_errors_are_typed_when_nothing_answers(backend: Backend) -> None:
    port = _closed_port()
    provider = backend.provider(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(Unreachable) as caught:
            await provider.list_sessions()
    finally:
        await provider.aclose()
    assert f"127.0.0.1:{port}" in str(caught.value)
