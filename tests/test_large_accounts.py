"""Large accounts: a poll costs O(changes) in every layer, checked by what each layer redoes.

No timings here (machines are noisy; `benchmarks/run.py` measures). Instead each layer is asked
how much it did: the engine keeps unchanged sessions' objects, the enricher does not look up a
user agent again, the table re-keys only changed rows, the tracker writes only changed rows,
and a burst of polls while one is being recorded leaves at most one waiting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from demo_fixtures import DEMO_NOW
from ui_support import SIZE, demo_app, poll, settle, until

from session_tui.demo import DemoService, ManualClock
from session_tui.engine import recording
from session_tui.engine.ordering import SortColumn, ordered
from session_tui.engine.polling import reconcile
from session_tui.enrich import Enricher
from session_tui.model import Session
from session_tui.tracking.tracker import Tracker
from session_tui.ui.collection import YOUNG_AFTER
from session_tui.ui.table_layout import compute_layout
from session_tui.ui.table_rows import Query, TableRows

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def fleet(count: int) -> list[Session]:
    return [
        Session(
            id=f"s{i:05d}",
            is_current=i == 0,
            user_agent=f"python-httpx/0.{i % 9}.{i % 7} worker/{i}",
            ip=f"91.64.{i // 250}.{i % 250 + 1}",
            created_at=NOW - timedelta(days=30),
            last_active_at=NOW - timedelta(minutes=i),
        )
        for i in range(count)
    ]


def test_reconcile_keeps_the_objects_of_unchanged_sessions() -> None:
    old = {s.id: s for s in fleet(50)}
    again = fleet(50)
    again[7] = dataclasses.replace(again[7], last_active_at=NOW)
    merged, fresh = reconcile(old, again)
    assert [s.id for s in fresh] == ["s00007"]
    assert all(merged[sid] is old[sid] for sid in merged if sid != "s00007")
    assert merged["s00007"] is again[7]
    # extras take no part in equality, but a session whose extras changed is fresh too
    again[3] = dataclasses.replace(again[3], extras={"token": "new"})
    _, fresh = reconcile(old, again)
    assert {s.id for s in fresh} == {"s00003", "s00007"}


def test_a_changed_activity_time_reuses_what_the_user_agent_and_address_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enricher = Enricher()
    first = [enricher.view(s) for s in fleet(300)]
    parsed: list[object] = []
    import session_tui.enrich as enrich

    monkeypatch.setattr(enrich, "parse_device", lambda ua: parsed.append(ua))
    moved = [dataclasses.replace(s, last_active_at=NOW) for s in fleet(300)]
    views = [enricher.view(s) for s in moved]
    assert parsed == []  # no user agent parsed again
    assert all(
        a.device is b.device and a.place is b.place for a, b in zip(first, views, strict=True)
    )
    assert views[5].session.last_active_at == NOW


def test_table_rows_rekey_only_what_changed_and_keep_the_full_sort_order() -> None:
    enricher = Enricher()
    sessions = fleet(400)
    views = [enricher.view(s) for s in sessions]
    rows = TableRows()
    query = Query()
    rows.update(views, current_id="s00000", now=NOW, window=WINDOW, query=query)
    assert rows.rebuilt_rows == 400
    assert rows.order == [v.session.id for v in ordered(views, SortColumn.LAST_ACTIVE, NOW)]

    rows.update(views, current_id="s00000", now=NOW, window=WINDOW, query=query)
    assert rows.rebuilt_rows == 0

    changed = dataclasses.replace(sessions[300], last_active_at=NOW - timedelta(seconds=30))
    views[300] = enricher.view(changed)
    del views[200]
    rows.update(views, current_id="s00000", now=NOW, window=WINDOW, query=query)
    assert rows.rebuilt_rows == 1
    assert rows.order == [v.session.id for v in ordered(views, SortColumn.LAST_ACTIVE, NOW)]
    assert rows.order[:2] == ["s00000", "s00300"]  # this device first, then online by recency
    assert "s00200" not in rows.index

    # Time passes: only the rows that were Online are judged again.
    later = NOW + timedelta(minutes=10)
    rows.update(views, current_id="s00000", now=later, window=WINDOW, query=query)
    assert 0 < rows.rebuilt_rows <= 7
    assert rows.order == [v.session.id for v in ordered(views, SortColumn.LAST_ACTIVE, later)]

    reverse = Query(SortColumn.IP, reverse=True, text="worker/3")
    rows.update(views, current_id="s00000", now=later, window=WINDOW, query=reverse)
    expected = ordered(views, SortColumn.IP, later, reverse=True)
    assert rows.order == [v.session.id for v in expected if "worker/3" in v.search_text]


def test_columns_fit_their_content_and_device_comes_first() -> None:
    needs = {"device": 58, "location": 17, "ip": 34, "risk": 13}  # a row has a risk
    layout = dict(compute_layout(175, lambda key: needs.get(key, 0)))
    assert layout["device"] >= 58 and layout["location"] == 17 and layout["ip"] == 34
    assert list(layout)[-1] == "risk" and layout["risk"] == 13  # the Risk column, last
    # 160: the IP gives way first (its middle is cut), before Device does
    layout = dict(compute_layout(160, lambda key: needs.get(key, 0)))
    assert layout["device"] == 58 and 15 < layout["ip"] < 34
    # 120 columns: the IP stays (as wide as an IPv4 address), the place narrows, Device is cut
    layout = dict(compute_layout(120, lambda key: needs.get(key, 0)))
    assert layout["ip"] == 15 and layout["location"] == 13 and 30 <= layout["device"] < 58
    # a 100-column terminal's table still has the IP; the Risk column is its marks alone
    layout = dict(compute_layout(96, lambda key: needs.get(key, 0)))
    assert layout["ip"] == 15 and layout["risk"] == 3
    # no risky row: the marks' room alone, wherever there is room for more
    assert dict(compute_layout(175, lambda key: {"device": 58}.get(key, 0)))["risk"] == 3
    # below a 100-column terminal there is no IP column, and Device gets its room back
    layout = dict(compute_layout(94, lambda key: needs.get(key, 0)))
    assert "ip" not in layout and layout["location"] == 13
    # only IPv4 addresses: the IP column is as wide as they are, not 39 cells
    layout = dict(compute_layout(200, lambda key: {"ip": 15}.get(key, 0)))
    assert layout["ip"] == 15


def test_the_tracker_writes_only_what_changed(tmp_path: object) -> None:
    clock = ManualClock(NOW)
    tracker = Tracker("big", store_path=tmp_path / "big.sqlite3", clock=clock)
    statements: list[str] = []
    tracker._store.conn.set_trace_callback(statements.append)
    sessions = fleet(500)
    tracker.observe(sessions, NOW)
    first = [s for s in statements if "INTO known_sessions" in s]
    assert len(first) == 500
    statements.clear()
    sessions[9] = dataclasses.replace(sessions[9], last_active_at=NOW + timedelta(minutes=30))
    sessions.append(Session(id="new", user_agent="curl/8.5.0", ip="1.120.0.9"))
    events = tracker.observe(sessions, NOW + timedelta(minutes=30))
    assert [e.session_id for e in events] == ["new"]
    written = [s for s in statements if "INTO known_sessions" in s]
    assert len(written) == 2
    assert not any(s.startswith("SELECT id, snapshot") for s in statements)  # no reload
    tracker.close()

    # Another writer (a second instance) makes the memo stale: the file is read again.
    again = Tracker("big", store_path=tmp_path / "big.sqlite3", clock=clock)
    again.observe(sessions, NOW + timedelta(minutes=31))
    store = again._store
    with store.read():
        assert "new" in store.load_snapshot().sessions
    other = sqlite3.connect(tmp_path / "big.sqlite3")
    other.execute("DELETE FROM known_sessions WHERE id = 'new'")
    other.commit()
    other.close()
    with store.read():
        assert "new" not in store.load_snapshot().sessions
    again.close()


async def test_polls_arriving_while_one_is_recorded_leave_only_the_newest_waiting(
    demo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, entered = threading.Event(), threading.Event()
    recorded: list[datetime] = []
    real = recording.record_poll

    def slow_record(service, provider, sessions, at):
        entered.set()
        release.wait(10)
        recorded.append(at)
        return real(service, provider, sessions, at)

    monkeypatch.setattr(recording, "record_poll", slow_record)
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, entered.is_set, "the first poll's recording on its thread")
        recorder = app.engine.recorder
        account = app.accounts[0]
        listing = list(account.sessions.values())
        for minutes in range(1, 6):
            recorder.listed(account, listing, DEMO_NOW + timedelta(minutes=minutes))
        release.set()
        await settle(pilot, app)
        await asyncio.sleep(0)
    # The first poll's listing (blocked on its thread), then only the newest of the five.
    assert recorded[1:] == [DEMO_NOW + timedelta(minutes=5)]


async def test_a_large_demo_account_scrolls_and_keeps_the_cursor_on_its_session() -> None:
    with DemoService(seed=3, clock=ManualClock(DEMO_NOW), live=False, sessions=3000) as service:
        app = demo_app(service)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            table = app.main.table
            assert table.row_count == 3000
            await pilot.press("end")
            last = table.selected_id
            assert table.cursor_row == 2999 and table.scroll_y > 2900
            await pilot.press("k", "k")
            chosen = table.selected_id
            assert chosen != last
            # A session above it ends: the cursor stays on the same session, one row up.
            first_other = table.visible_ids[1]
            service.state.remove_session(first_other)
            await pilot.press("ctrl+r")
            await until(pilot, lambda: table.row_count == 2999, "the poll")
            assert table.selected_id == chosen and table.cursor_row == 2996


@pytest.mark.parametrize(("sessions", "requests"), [(1000, 1), (2500, 3)])
async def test_revoking_all_others_is_one_request_per_1000_ids(
    sessions: int, requests: int
) -> None:
    """One request where the contract allows (its `maxItems` is 1,000), as few as it can past
    that; the current session, asked for too, is never among them."""
    from session_tui.providers.rest import RestProvider

    clock = ManualClock(DEMO_NOW)
    with DemoService(seed=5, clock=clock, live=False, sessions=sessions) as service:
        provider = RestProvider(service.url, service.token)
        try:
            listed = await provider.list_sessions()
            others = [s.id for s in listed if not s.is_current]
            service.requests.clear()
            assert await provider.revoke_others(only=[*others, service.current_id]) == len(others)
            assert list(service.requests) == [("POST", "/v1/sessions/revoke-others")] * requests
            assert service.state.session_ids() == {service.current_id}
            assert provider.last_ended is not None and set(provider.last_ended) == set(others)
        finally:
            await provider.aclose()


def test_the_demo_refuses_more_ids_than_the_contract_allows(demo_service: DemoService) -> None:
    answer = httpx.post(
        f"{demo_service.url}/v1/sessions/revoke-others",
        headers={"Authorization": f"Bearer {demo_service.token}"},
        json={"session_ids": [f"ses_{i}" for i in range(1001)]},
    )
    assert answer.status_code == 400 and len(demo_service.state.session_ids()) > 1


async def test_lines_repainted_alone_show_what_a_whole_repaint_shows() -> None:
    """After each poll only the lines that changed are repainted; the screen must then be
    exactly what repainting the whole table gives (nothing stale left on any line)."""
    clock = ManualClock(DEMO_NOW)
    with DemoService(seed=7, clock=clock, live=False, sessions=300) as service:
        app = demo_app(service)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            state = service.state
            others = sorted(state.session_ids() - {service.current_id})
            table = app.main.table
            steps = [
                lambda: state.touch(others[5]),
                lambda: clock.advance(minutes=3),  # relative times move, rows do not
                lambda: state.remove_session(others[6]),
                lambda: state.add_session(user_agent="curl/8.5.0", ip="91.64.1.2"),
                lambda: clock.advance(minutes=10),  # some Online rows stop being Online
                lambda: [state.touch(sid) for sid in others[40:52]],
            ]
            for n, step in enumerate(steps):
                if n == 2:
                    await pilot.press("j", "j", "j", "space")  # a cursor and a mark below
                step()
                await poll(pilot, app)
                shown = app.export_screenshot()
                table.refresh()  # everything painted afresh
                await pilot.pause()
                assert app.export_screenshot() == shown, f"a stale line after step {n}"


async def test_young_collections_are_rarer_while_the_app_runs_and_as_they_were_after(
    demo_service: DemoService,
) -> None:
    before = gc.get_threshold()
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert gc.get_threshold() == (max(YOUNG_AFTER, before[0]), *before[1:])
    assert gc.get_threshold() == before


async def test_a_large_first_listing_shows_its_most_recent_rows_while_the_rest_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 200 most recently active come first, marked as loading; nothing can be revoked
    until the whole listing is in; then every row is there."""
    from ui_support import screen_characters

    from session_tui.engine.polling import PREVIEW_ROWS

    rest_may_go = threading.Event()
    warm = Enricher.warm

    def held(self: Enricher, sessions: object) -> None:
        listed = list(sessions)  # type: ignore[call-overload]
        if len(listed) > PREVIEW_ROWS:
            rest_may_go.wait(30)
        warm(self, listed)

    monkeypatch.setattr(Enricher, "warm", held)
    with DemoService(seed=4, clock=ManualClock(DEMO_NOW), live=False, sessions=2500) as service:
        app = demo_app(service)
        async with app.run_test(size=SIZE) as pilot:
            table = app.main.table
            try:
                await until(pilot, lambda: table.row_count == PREVIEW_ROWS, "the first rows")
                assert "the 200 most recent of 2,500; reading the rest…" in screen_characters(app)
                assert table.visible_ids[0] == service.current_id
                # The details pane knows it too, though the account has no listing yet.
                details = r"This device\s*session-tui \(demo\) \(API client"
                assert re.search(details, screen_characters(app))
                newest = sorted(
                    (s for s in service.state.sessions() if s.id != service.current_id),
                    key=lambda s: s.last_active_at,
                    reverse=True,
                )
                # (the newest, or one as new: ties go by name)
                second = next(s for s in newest if s.id == table.visible_ids[1])
                assert second.last_active_at == newest[0].last_active_at
                await pilot.press("j", "r")
                await until(
                    pilot,
                    lambda: any("still being read" in n.message for n in app.notices),
                    "the refusal",
                )
                assert app.screen is app.main  # no dialog
            finally:
                rest_may_go.set()
            await settle(pilot, app)
            assert table.row_count == 2500
            assert "reading the rest" not in screen_characters(app)
            assert service.state.session_ids() >= set(table.visible_ids)


@pytest.mark.parametrize(("sessions", "told"), [(20, 0), (2500, 1)])
async def test_a_large_answer_is_announced_once_while_it_arrives(
    monkeypatch: pytest.MonkeyPatch, sessions: int, told: int
) -> None:
    """Past 256 KiB the engine is told (it builds the parser a large listing needs while the
    rest of the answer arrives), once per answer."""
    from session_tui.providers import http
    from session_tui.providers.rest import RestProvider

    calls: list[int] = []
    monkeypatch.setattr(http.LIMITS, "large_answer", lambda: calls.append(1))
    with DemoService(seed=6, clock=ManualClock(DEMO_NOW), live=False, sessions=sessions) as svc:
        provider = RestProvider(svc.url, svc.token)
        try:
            assert len(await provider.list_sessions()) == sessions
        finally:
            await provider.aclose()
    assert len(calls) == told
