"""Risk in the running app (issue 24), driven by keys on the real demo service over HTTP: the
demo's Tor browser, cloud browser and impossible journey carry their badges in the Risk
column, `!` shows only them, `s` sorts by risk, the details pane gives every reason with its
evidence, and `t` ("this was me") clears one, for good, with the audit trail told."""

from __future__ import annotations

import json

import pytest
from ui_support import SIZE, poll, screen_characters, settle, until
from ui_support import demo_app as make_app

from session_tui import paths
from session_tui.demo import DemoService
from session_tui.engine.ordering import SortColumn
from session_tui.ui.app import SessionTuiApp
from session_tui.ui.widgets.alert_feed import AlertFeed

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"


def risky_rows(app: SessionTuiApp) -> dict[str, str]:
    """Session id -> its Risk cell, for the rows with one."""
    table = app.main.table
    cells = {sid: table.cell_text(sid, "risk") for sid in table.rows.order}
    return {sid: text for sid, text in cells.items() if text}


def device_of(app: SessionTuiApp, sid: str) -> str:
    return app.main.table.cell_text(sid, "device")


async def risks_judged(pilot, app: SessionTuiApp) -> dict[str, str]:
    await settle(pilot, app)
    await until(pilot, lambda: len(risky_rows(app)) == 3, "the risks of the first listing")
    return risky_rows(app)


async def test_the_demos_risky_sessions_wear_their_badges(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        badges = await risks_judged(pilot, app)
        assert app.main.table.header_text("risk") == "Risk"
        by_device = {device_of(app, sid).split("  ")[0]: text for sid, text in badges.items()}
        assert by_device == {
            "Firefox 128 on Windows 10": "!!! Tor",
            "Chrome 126 on Linux": "!! hosting",
            "Chrome Mobile 126 on Android 14": "!!! travel",
        }
        current = demo_service.current_id
        assert app.main.table.cell_text(current, "risk") == ""


async def test_a_narrow_table_keeps_the_marks(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        badges = await risks_judged(pilot, app)
        assert sorted(badges.values()) == ["!!", "!!!", "!!!"]
        assert app.main.table.header_text("risk") == "!"


async def test_bang_shows_only_risky_sessions_and_s_sorts_by_risk(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        badges = await risks_judged(pilot, app)
        table = app.main.table
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: set(table.rows.order) == set(badges), "the risky filter")
        assert "risky" in app.main.header.filter_text
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: len(table.rows.order) > len(badges), "the filter off")
        while table.sort_column is not SortColumn.RISK:
            await pilot.press("s")
        await pilot.pause()
        first = table.rows.order[: len(badges)]
        assert set(first) == set(badges)
        assert [badges[sid].split()[0] for sid in first] == ["!!!", "!!!", "!!"]


async def test_details_give_every_reason_with_its_evidence(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(120, 40)) as pilot:
        badges = await risks_judged(pilot, app)
        [travel] = [sid for sid, text in badges.items() if text.endswith("travel")]
        app.main.table.select_id(travel)
        await pilot.pause()
        shown = screen_characters(app).replace(" ", "")
        for words in (
            "!!! high", "t: this was me", "Canada to São Paulo, Brazil", "coarse",
            "1,000 km/h allowed",
        ):  # fmt: skip
            assert words.replace(" ", "") in shown, words
        # The journey on a small map, both places marked: the details of a travel alert too
        # (enter on the alert selects this session).
        body = app.main.details.query_one("#details-body")
        grid = screen_characters(app)
        assert any(0x2800 < ord(c) <= 0x28FF for c in grid) and body.display


async def test_t_says_this_was_me_and_it_is_kept(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        badges = await risks_judged(pilot, app)
        [tor] = [sid for sid, text in badges.items() if text.endswith("Tor")]
        app.main.table.select_id(tor)
        await pilot.press("t")
        await until(pilot, lambda: tor not in risky_rows(app), "the risk to clear")
        assert any("marked as you" in n.message for n in app.notices)
        lines = paths.audit_file().read_text().splitlines()
        assert [json.loads(line)["action"] for line in lines] == ["trust"]
        # A session with no risk: nothing to clear, and nothing written.
        app.main.table.select_id(demo_service.current_id)
        await pilot.press("t")
        await pilot.pause()
        assert any("no risk to clear" in n.message for n in app.notices)
        assert len(paths.audit_file().read_text().splitlines()) == 1

    again = make_app(demo_service)  # the next run knows it was you
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        await until(pilot, lambda: len(risky_rows(again)) == 2, "the risks as kept")
        assert tor not in risky_rows(again)


async def test_a_risky_sign_in_alerts_with_its_reasons_and_the_feed_filters_by_level(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await risks_judged(pilot, app)
        # A day on: far enough from the demo's last sign-in (São Paulo) for a German one.
        demo_service.clock.advance(hours=24)
        tor = demo_service.state.add_session(user_agent=FIREFOX_WINDOWS, ip="185.220.101.9")
        calm = demo_service.state.add_session(user_agent=FIREFOX_WINDOWS, ip="95.91.195.72")
        await poll(pilot, app)
        await until(pilot, lambda: tor in risky_rows(app), "the new sign-in's risk")
        [alert] = [n.message for n in app.notices if "New sign-in" in n.message]
        assert "Tor exit node" in alert
        await pilot.press("a")
        feed = app.main.query_one("#alerts", AlertFeed)
        await until(pilot, lambda: len(feed.list.entries) == 2, "both sign-ins in the feed")
        assert "!!! high:" in feed.list.lines()[0] or "!!! high:" in feed.list.lines()[1]
        for level, shown in (("low", 1), ("medium", 1), ("high", 1), ("none", 2)):
            await pilot.press("l")
            await pilot.pause()
            assert feed.list.least.value == level
            assert len(feed.list.entries) == shown, level
        assert {e.event.session_id for e in feed.list.entries} == {tor, calm}
        assert "l: level" in str(feed.border_subtitle)


@pytest.mark.parametrize(
    ("size", "ascii_only"), [((80, 24), False), ((200, 50), False), ((80, 24), True)]
)
async def test_m_opens_the_world_map_with_every_session_and_the_journey(
    demo_service: DemoService, size: tuple[int, int], ascii_only: bool
) -> None:
    from session_tui.engine.map_items import MarkerKind
    from session_tui.enrich.risk import RiskCode
    from session_tui.ui.screens.world_map import MapScreen

    app = make_app(demo_service, ascii=ascii_only)
    async with app.run_test(size=size) as pilot:
        await risks_judged(pilot, app)
        risks = app.main.account.risks
        [travel] = [sid for sid, r in risks.items() if RiskCode.IMPOSSIBLE_TRAVEL in r.codes]
        app.main.table.select_id(travel)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MapScreen), "the map")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MapScreen)
        items = screen.items
        assert len(items.journeys) == 1 and "Canada to São Paulo" in items.journeys[0].label
        kinds = [m.kind for m in items.markers]
        assert kinds.count(MarkerKind.SELECTED) == 1 and kinds.count(MarkerKind.CURRENT) == 1
        assert kinds.count(MarkerKind.RISKY) == 2  # Tor and the cloud (the journey is selected)
        shown = screen_characters(app)
        assert "impossiblejourney" in shown.replace(" ", "")
        if ascii_only:
            assert shown.isascii() and "#" in shown and "@" in shown, shown
        else:
            assert any(0x2800 < ord(c) <= 0x28FF for c in shown)  # braille coastlines
            assert "◆" in shown and "◉" in shown
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, MapScreen), "back to the table")
