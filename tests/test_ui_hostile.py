"""Hostile device names and user agents reach the screen as inert, literal, one-line text.

The demo service stores whatever a test gives it and serves it over HTTP, so these strings take
the same path an attacker's would: server -> RestProvider -> enrichment -> table and details.
"""

from __future__ import annotations

import io

import pytest
from demo_fixtures import DEMO_NOW
from rich.console import Console
from textual.widgets import Static

from session_tui.demo import DemoService
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.widgets.sessions_table import SessionsTable

MARKUP_NAME = "[bold red]x[/]"
LINK_NAME = "[link=https://evil.example/]click me[/link]"
ANSI_UA = "curl/8.5.0 \x1b[2J\x1b[31mRED\x1b[0m \x1b]0;pwned title\x07 \x1b]8;;https://osc8.example/\x07link\x1b]8;;\x07"
NEWLINE_NAME = "line one\nline two\r\nline three\tend"
LONG_UA = "Mozilla/5.0 " + "A" * 2048


async def _run(demo_service: DemoService, sessions: dict[str, dict[str, str]]):
    ids = {label: demo_service.state.add_session(**fields) for label, fields in sessions.items()}
    app = SessionTuiApp(
        [RestProvider(demo_service.url, demo_service.token)],
        AppOptions(interval=600, clock=lambda: DEMO_NOW),
    )
    return app, ids


async def _settle(pilot, app) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if app.accounts[0].polls and not app.accounts[0].in_flight:
            await pilot.pause(0.05)
            return
    raise AssertionError("no poll")


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
async def test_hostile_text_is_shown_literally(
    demo_service: DemoService, size: tuple[int, int]
) -> None:
    app, ids = await _run(
        demo_service,
        {
            "markup": {"device_name": MARKUP_NAME, "user_agent": "curl/8.5.0", "ip": "1.120.0.1"},
            "link": {"device_name": LINK_NAME, "ip": "1.120.0.2"},
            "ansi": {
                "user_agent": ANSI_UA,
                "device_name": "\x1b[5mblink\x1b[0m",
                "city": "Ber\x1b[1mlin",
            },
            "newlines": {"device_name": NEWLINE_NAME, "user_agent": "a\nb"},
            "long": {"device_name": "N" * 2048, "user_agent": LONG_UA},
        },
    )
    async with app.run_test(size=size) as pilot:
        await _settle(pilot, app)
        table = app.main.query_one("#sessions", SessionsTable)
        for sid in ids.values():
            assert sid in table.visible_ids
            for column in table.column_keys:
                text = table.cell_text(sid, column)
                assert "\x1b" not in text and "\n" not in text and "\r" not in text
                assert "\x07" not in text
        assert MARKUP_NAME in table.cell_text(ids["markup"], "device")
        assert LINK_NAME in table.cell_text(ids["link"], "device")
        # Cell content is a Text whose spans are ours (badge, dim), never parsed from data.
        cell = table.get_cell(ids["markup"], "device")
        assert not any(span.style and "red" in str(span.style) for span in cell.spans)
        link_cell = table.get_cell(ids["link"], "device")
        assert not any("link" in str(span.style) for span in link_cell.spans)
        assert "line one line two line three end" in table.cell_text(ids["newlines"], "device")
        long_cell = table.cell_text(ids["long"], "device")
        assert len(long_cell) <= 300 and "N…" in long_cell  # cut, and visibly so

        # The details pane of the escape-laden session: literal, clean, one line per value.
        table.select_id(ids["ansi"])
        await pilot.pause()
        details = _plain(app.main.query_one("#details-body", Static).content)
        assert "curl/8.5.0 RED link" in details
        assert "\x1b" not in details and "\x07" not in details
        assert "pwned" not in details  # an OSC title payload is not text: it goes with the OSC
        assert "Berlin" in details
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x07" not in svg and "pwned" not in svg

        table.select_id(ids["markup"])
        await pilot.pause()
        assert MARKUP_NAME in _plain(app.main.query_one("#details-body", Static).content)
        svg = app.export_screenshot()
        assert "[bold&#160;red]x[/]" in svg
        assert "osc8.example" not in svg  # an OSC 8 link target never reaches the screen
        assert "[link=https://evil" in svg  # markup stays text (cut to the column at 80x24)

        table.select_id(ids["long"])
        await pilot.pause()
        details = _plain(app.main.query_one("#details-body", Static).content)
        assert "A" * 500 in details.replace("\n", "").replace(" ", "")  # wrapped, not lost


def _plain(renderable: object) -> str:
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def test_notifications_quote_hostile_names_literally(demo_service: DemoService) -> None:
    """Textual parses notification text as markup unless told not to; ours never are."""
    app, ids = await _run(demo_service, {"markup": {"device_name": MARKUP_NAME, "ip": "1.120.0.1"}})
    async with app.run_test(size=(120, 32)) as pilot:
        await _settle(pilot, app)
        table = app.main.query_one("#sessions", SessionsTable)
        table.select_id(ids["markup"])
        await pilot.press("r")
        await pilot.pause(0.1)
        await pilot.press("y")
        for _ in range(100):
            await pilot.pause(0.02)
            if ids["markup"] not in demo_service.state.session_ids():
                break
        await pilot.pause(0.1)
        shown = list(app.notices)
        assert any(MARKUP_NAME in n.message for n in shown), [n.message for n in shown]
