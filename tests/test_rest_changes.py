"""Changes-only listings (`GET /v1/sessions?since=`): the demo service's change log, and the
`rest` provider merging what changed into its last listing, over real HTTP.

A merged listing must say exactly what a full one says; an answer that cannot be trusted to
merge is refused, and the poll after it asks for everything again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from canned_rest import Canned, good_session, listing

from session_tui.demo import DemoService
from session_tui.demo.changes import ENDS_KEEP, ChangeLog
from session_tui.errors import BadResponse
from session_tui.providers.rest import FULL_EVERY, RestProvider


def _fields(sessions: list[Any]) -> dict[str, tuple[Any, ...]]:
    return {
        s.id: (s.is_current, s.user_agent, s.ip, s.last_active_at, s.expires_at, s.location)
        for s in sessions
    }


async def _fresh_listing(service: DemoService) -> list[Any]:
    fresh = RestProvider(service.url, service.token)
    try:
        return await fresh.list_sessions()
    finally:
        await fresh.aclose()


async def test_polls_after_the_first_carry_only_what_changed(demo_service: DemoService) -> None:
    state = demo_service.state
    provider = RestProvider(demo_service.url, demo_service.token)
    try:
        first = await provider.list_sessions()
        others = sorted(s.id for s in first if not s.is_current)
        state.touch(others[0], state.now() - timedelta(seconds=5))
        state.remove_session(others[1])
        newcomer = state.add_session(user_agent="curl/8.5.0", ip="91.64.1.9")
        merged = await provider.list_sessions()
        assert _fields(merged) == _fields(await _fresh_listing(demo_service))
        assert others[1] not in {s.id for s in merged} and newcomer in {s.id for s in merged}
        unchanged = {s.id: s for s in first}
        kept = [s for s in merged if s.id not in (others[0], newcomer, demo_service.current_id)]
        # The same objects: only what changed was sent and read (a full listing reads all).
        assert kept and all(s is unchanged[s.id] for s in kept)
    finally:
        await provider.aclose()


def test_the_change_log_answers_only_what_it_can_tell() -> None:
    log = ChangeLog()
    log.changed("a")
    log.changed("b")
    start = log.cursor()
    log.changed("a")
    log.ended("b")
    log.changed("c")
    assert log.since(start) == (["a", "c"], ["b"])
    assert log.since(log.cursor()) == ([], [])
    other = ChangeLog()
    for cursor in (other.cursor(), "nonsense", f"{log.epoch}.", f"{log.epoch}.99", ""):
        assert log.since(cursor) is None
    for i in range(ENDS_KEEP + 1):
        log.changed(f"x{i}")
        log.ended(f"x{i}")
    assert log.since(start) is None  # the ends since then are no longer all known


def test_a_cursor_the_server_cannot_answer_gets_everything() -> None:
    with DemoService(seed=3, live=False) as one, DemoService(seed=3, live=False) as two:
        cursor = one.state.cursor()
        headers = {"Authorization": f"Bearer {two.token}"}
        with httpx.Client(base_url=two.url, headers=headers) as client:
            body = client.get("/v1/sessions", params={"since": cursor}).json()
            assert "changes_only" not in body and len(body["sessions"]) == len(
                two.state.session_ids()
            )
            body = client.get("/v1/sessions", params={"since": body["cursor"]}).json()
            assert body["changes_only"] is True
            assert [s["id"] for s in body["sessions"]] == [two.current_id]  # the request itself


def _changes(*sessions: dict[str, Any], ended: list[str] | None = None) -> dict[str, Any]:
    body = listing(*sessions)
    body.update(changes_only=True, cursor="c2", ended=ended or [])
    return body


async def _provider_after_a_full_listing(canned: Canned) -> RestProvider:
    body = listing(good_session(), good_session(id="s2", current=False))
    body["cursor"] = "c1"
    canned.json("/v1/sessions", body)
    provider = RestProvider(canned.url, "tok-123")
    await provider.list_sessions()
    return provider


@pytest.mark.parametrize(
    "answer",
    [
        _changes(good_session(id="s2", current=False)),  # the current session is not in it
        _changes(good_session(), good_session(id="s2", current=True)),  # two current
        _changes(good_session(id="s9"), ended=["s1"]),  # another one current; ours ended
        _changes(good_session(), ended=["s1"]),  # ours both changed and ended
        _changes(good_session(), good_session(id="s2", current=False), ended=["s2"]),
        {**_changes(good_session()), "ended": "s2"},
        {**_changes(good_session()), "changes_only": "yes"},
        {**_changes(good_session()), "cursor": 7},
    ],
)
async def test_changes_that_cannot_be_merged_are_refused_then_everything_is_asked(
    canned: Canned, answer: dict[str, Any]
) -> None:
    provider = await _provider_after_a_full_listing(canned)
    try:
        canned.json("/v1/sessions", answer)
        with pytest.raises(BadResponse):
            await provider.list_sessions()
        canned.json("/v1/sessions", listing(good_session()))
        assert [s.id for s in await provider.list_sessions()] == ["s1"]
    finally:
        await provider.aclose()
    asked = [path for method, path, _ in canned.requests if method == "GET"]
    assert asked == ["/v1/sessions", "/v1/sessions?since=c1", "/v1/sessions"]


async def test_changes_to_a_request_for_everything_are_refused(canned: Canned) -> None:
    canned.json("/v1/sessions", _changes(good_session()))
    provider = RestProvider(canned.url, "tok-123")
    try:
        with pytest.raises(BadResponse, match="only changes"):
            await provider.list_sessions()
    finally:
        await provider.aclose()


async def test_merged_changes_keep_the_others_and_end_the_ended(canned: Canned) -> None:
    provider = await _provider_after_a_full_listing(canned)
    try:
        later = "2026-11-25T12:00:00Z"
        canned.json(
            "/v1/sessions",
            _changes(good_session(last_active_at=later), good_session(id="s3", current=False)),
        )
        merged = {s.id: s for s in await provider.list_sessions()}
        assert set(merged) == {"s1", "s2", "s3"}
        assert merged["s1"].last_active_at is not None
        assert merged["s1"].last_active_at.isoformat().startswith("2026-11-25T12:00")
        canned.json("/v1/sessions", _changes(good_session(), ended=["s2", "unknown"]))
        assert {s.id for s in await provider.list_sessions()} == {"s1", "s3"}
    finally:
        await provider.aclose()
    asked = [path for method, path, _ in canned.requests if method == "GET"]
    assert asked == ["/v1/sessions", "/v1/sessions?since=c1", "/v1/sessions?since=c2"]


@pytest.mark.parametrize("cursor", ["", "x" * 257, "caf\u00e9", "tab\there"])
async def test_a_cursor_we_could_not_send_back_is_not_kept(canned: Canned, cursor: str) -> None:
    body = listing(good_session())
    body["cursor"] = cursor
    canned.json("/v1/sessions", body)
    provider = RestProvider(canned.url, "tok-123")
    try:
        await provider.list_sessions()
        await provider.list_sessions()
    finally:
        await provider.aclose()
    assert [path for _, path, _ in canned.requests] == ["/v1/sessions", "/v1/sessions"]


async def test_a_full_listing_is_asked_for_every_so_often_however_well_merges_go(
    canned: Canned,
) -> None:
    now = [1000.0]
    body = listing(good_session(), good_session(id="s2", current=False))
    body["cursor"] = "c1"
    canned.json("/v1/sessions", body)
    provider = RestProvider(canned.url, "tok-123")
    provider.clock = lambda: now[0]
    try:
        await provider.list_sessions()
        canned.json("/v1/sessions", _changes(good_session()))
        for step in (FULL_EVERY / 2, FULL_EVERY / 2 - 1):
            now[0] += step
            await provider.list_sessions()
        canned.json("/v1/sessions", body)
        now[0] += 1  # FULL_EVERY after the first listing
        assert {s.id for s in await provider.list_sessions()} == {"s1", "s2"}
        canned.json("/v1/sessions", _changes(good_session()))
        now[0] += 1
        await provider.list_sessions()
    finally:
        await provider.aclose()
    asked = [path for method, path, _ in canned.requests if method == "GET"]
    assert asked == [
        "/v1/sessions",
        "/v1/sessions?since=c1",
        "/v1/sessions?since=c2",
        "/v1/sessions",
        "/v1/sessions?since=c1",
    ]
