"""A large terminal uses its room: history and alert feed docked under the table, live, no key
needed; focus moves between panes; the footer offers what works where the focus is."""

from __future__ import annotations

from textual.widgets import Footer
from ui_support import demo_app, settle, until

from session_tui.demo import DemoService
from session_tui.ui.widgets.extra_panes import ExtraPanes


def _footer_keys(app) -> list[str]:
    footer = app.main.query_one(Footer)
    return [str(child.render()).strip() for child in footer.query("FooterKey")]


def _offers_revoke(app) -> bool:
    return any(key.startswith("r") and "Refresh" not in key for key in _footer_keys(app))


async def test_a_large_terminal_docks_history_and_feed_and_a_small_one_does_not(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        extra = app.main.query_one("#extra", ExtraPanes)
        assert extra.docked and set(extra.open) == {"history", "alerts"}
        assert extra.history.display and extra.alerts.display and app.main.table.display
        # the demo's own history of ended sessions is loaded without a key
        await until(pilot, lambda: extra.history.table.row_count, "the history rows")
        assert _offers_revoke(app) and "s Sort" in _footer_keys(app)

        await pilot.press("h")  # docked: h moves the focus to the history
        assert extra.history.has_focus_within
        await pilot.pause()
        assert not _offers_revoke(app) and "s Sort" not in _footer_keys(app)
        await pilot.press("r")  # not offered here, and does nothing
        assert app.screen is app.main
        await pilot.press("tab")
        assert extra.alerts.has_focus_within
        await pilot.press("escape")  # back to the sessions
        assert app.main.table.has_focus
        await pilot.pause()
        assert _offers_revoke(app) and "s Sort" in _footer_keys(app)

        await pilot.resize_terminal(120, 32)
        await pilot.pause()
        assert not extra.docked and extra.open == []
        await pilot.press("h")  # undocked: h opens the history as before
        assert extra.open == ["history"]
        await pilot.press("escape")  # and escape closes it again
        assert extra.open == [] and app.main.table.has_focus


async def test_slash_filters_the_pane_it_is_pressed_in(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        extra = app.main.query_one("#extra", ExtraPanes)
        history = extra.history.table
        await until(pilot, lambda: history.row_count == 3, "the demo's three ended sessions")
        await pilot.press("h", "slash", *"expired")
        assert history.row_count == 1 and "expired" in history.reasons()
        assert app.main.table.filter_text == ""  # the sessions are not filtered
        assert "filter: expired" in str(extra.history.border_title)
        await pilot.press("enter")  # kept, and back in the history
        assert extra.history.has_focus_within and history.row_count == 1
        await pilot.press("escape")  # the pane's filter goes first
        assert history.row_count == 3 and extra.history.has_focus_within
        await pilot.press("escape")  # then back to the sessions
        assert app.main.table.has_focus
        await pilot.press("slash", *"iphone", "enter")  # and there / filters the sessions
        assert app.main.table.filter_text == "iphone" and history.row_count == 3
