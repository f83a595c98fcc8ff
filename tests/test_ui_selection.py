"""Selection (`space`), `R` scoped to what the user sees, reverse sort (`S`), header clicks,
and `escape`: driven by keys and the mouse on the demo service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from ui_support import SIZE, demo_app, settle, until

from session_tui.demo import DemoService
from session_tui.engine.ordering import SortColumn
from session_tui.ui.app import SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog


@pytest.fixture
async def running(demo_service: DemoService) -> AsyncIterator[tuple[SessionTuiApp, Pilot[None]]]:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        yield app, pilot


def dialog_text(app: SessionTuiApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query(Static))


async def confirm(pilot: Pilot[None], app: SessionTuiApp) -> str:
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    text = dialog_text(app)
    await pilot.press("y")
    await until(pilot, lambda: app.screen is app.main, "the dialog to close")
    await settle(pilot, app)
    return text


async def test_space_marks_rows_and_r_signs_out_exactly_those(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    table = app.main.table
    others = [sid for sid in table.visible_ids if sid != demo_service.current_id]
    chosen = others[:2]
    for sid in chosen:
        table.select_id(sid)
        await pilot.press("space")
    await pilot.pause()
    assert table.marked == set(chosen)
    assert table.cell_text(chosen[0], "device").startswith("✓ ")
    assert app.main.header.marked == 2
    await pilot.press("R")
    text = await confirm(pilot, app)
    assert "Sign out these 2 sessions?" in text and "stay signed in" in text
    alive = demo_service.state.session_ids()
    assert not set(chosen) & alive
    assert set(others[2:]) <= alive and demo_service.current_id in alive
    assert table.marked == set()  # what ended is no longer marked


async def test_this_device_cannot_be_marked(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    app.main.table.select_id(demo_service.current_id)
    await pilot.press("space")
    await pilot.pause()
    assert app.main.table.marked == set()
    assert any("cannot be selected" in str(n.message) for n in app.notices)


async def test_r_with_a_filter_signs_out_only_what_the_filter_shows(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    await pilot.press("slash", *"windows", "enter")
    await pilot.pause()
    shown = [s for s in app.main.table.visible_ids if s != demo_service.current_id]
    assert shown and len(shown) < len(demo_service.state.session_ids()) - 1
    await pilot.press("R")
    text = await confirm(pilot, app)
    count = len(shown)
    these = "this session" if count == 1 else f"these {count} sessions"
    assert f"Sign out {these}?" in text and "Only the shown ones" in text
    alive = demo_service.state.session_ids()
    assert not set(shown) & alive
    assert len(alive) > 1  # the sessions the filter hid are still signed in


async def test_escape_clears_the_selection_then_the_filter(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    table = app.main.table
    everything = len(table.visible_ids)
    await pilot.press("slash", *"berlin", "enter")
    await pilot.pause()
    sid = next(s for s in table.visible_ids if s != demo_service.current_id)
    table.select_id(sid)
    await pilot.press("space", "escape")
    await pilot.pause()
    assert table.marked == set() and table.filter_text == "berlin"
    await pilot.press("escape")
    await pilot.pause()
    assert table.filter_text == "" and len(table.visible_ids) == everything


async def test_shift_s_reverses_and_a_header_click_sorts(
    running: tuple[SessionTuiApp, Pilot[None]],
) -> None:
    app, pilot = running
    table = app.main.table
    before = list(table.visible_ids)
    await pilot.press("S")
    await pilot.pause()
    assert table.sort_reverse and "(reversed)" in app.main.header.sort_label
    after = list(table.visible_ids)
    assert after != before and set(after) == set(before)
    # Click the Device column's header: sorted by device, A to Z.
    await pilot.click("#sessions", offset=(4, 1))
    await pilot.pause()
    assert table.sort_column is SortColumn.DEVICE and not table.sort_reverse
    await pilot.click("#sessions", offset=(4, 1))  # again: the other way round
    await pilot.pause()
    assert table.sort_column is SortColumn.DEVICE and table.sort_reverse


async def test_quick_filters_for_idle_sessions_and_unrecognised_devices(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    table = app.main.table
    old = demo_service.state.add_session(
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        last_active_at=demo_service.clock() - timedelta(days=120),
        created_at=demo_service.clock() - timedelta(days=200),
    )
    odd = demo_service.state.add_session(user_agent="\x00weird-thing")
    await pilot.press("ctrl+r")
    await settle(pilot, app)
    await pilot.press("i")
    await pilot.pause()
    assert table.visible_ids == [old]
    assert "idle > 90 d" in app.main.header.filter_text
    await pilot.press("R")
    text = await confirm(pilot, app)
    assert "Sign out this session?" in text
    assert old not in demo_service.state.session_ids() and len(demo_service.state.session_ids()) > 2
    await pilot.press("i", "u")
    await pilot.pause()
    assert odd in table.visible_ids and all(
        app.main.table.view_of(s).device.device_type.value == "Unknown client"
        for s in table.visible_ids
    )
    await pilot.press("escape")
    await pilot.pause()
    assert table.quick == set() and len(table.visible_ids) == len(demo_service.state.session_ids())


async def test_jumping_to_another_accounts_session_moves_the_account_list_too(
    demo_service: DemoService,
) -> None:
    """What enter on another account's alert does (on call): table, header and list agree."""
    from demo_fixtures import DEMO_NOW

    from session_tui.demo import ManualClock
    from session_tui.providers.rest import RestProvider
    from session_tui.ui.app import AppOptions
    from session_tui.ui.widgets.accounts import AccountList

    with DemoService(seed=7, clock=ManualClock(DEMO_NOW), live=False) as second:
        providers = [RestProvider(s.url, s.token) for s in (demo_service, second)]
        app = SessionTuiApp(providers, AppOptions(interval=600, clock=demo_service.clock))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            target = next(iter(second.state.session_ids() - {second.current_id}))
            assert app.select_session(providers[1], target)
            await pilot.pause()
            assert app.main.selected == 1 and app.main.header.account is app.accounts[1]
            accounts = app.main.query_one("#accounts", AccountList)
            assert accounts.account_at(accounts.highlighted) == 1
            assert app.main.table.selected_id == target


async def test_j_and_k_move_in_the_account_list_and_the_panes(demo_service: DemoService) -> None:
    from demo_fixtures import DEMO_NOW

    from session_tui.demo import ManualClock
    from session_tui.providers.rest import RestProvider
    from session_tui.ui.app import AppOptions
    from session_tui.ui.widgets.accounts import AccountList

    with DemoService(seed=7, clock=ManualClock(DEMO_NOW), live=False) as second:
        providers = [RestProvider(s.url, s.token) for s in (demo_service, second)]
        app = SessionTuiApp(providers, AppOptions(interval=600, clock=demo_service.clock))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            accounts = app.main.query_one("#accounts", AccountList)
            accounts.focus()
            await pilot.press("j")
            await pilot.pause()
            assert accounts.highlighted == 1 and app.main.selected == 1
            await pilot.press("k")
            await pilot.pause()
            assert accounts.highlighted == 0 and app.main.selected == 0
            app.main.table.focus()
            before = app.main.table.cursor_row
            await pilot.press("j")
            assert app.main.table.cursor_row == before + 1


def test_the_account_list_marks_unseen_alerts_per_account() -> None:
    from session_tui.engine.state import AccountState
    from session_tui.providers.rest import RestProvider
    from session_tui.ui.widgets.accounts import account_prompt

    account = AccountState(RestProvider("https://a.example", "t"))
    account.polls, account.sessions = 1, {}
    account.provider.account = "bob@example.org"
    assert "⚑" not in account_prompt(account, 30).plain
    account.unseen_alerts = 2
    line = account_prompt(account, 24).plain
    assert line.endswith("⚑2 0") and line.startswith("bob@")
