"""The header line at every width: the account and the filter stay, less important parts go."""

from __future__ import annotations

import pytest
from ui_support import demo_app, header_line, screen_characters, settle, until

from session_tui.demo import DemoService


@pytest.mark.parametrize("size", [(80, 24), (120, 32)])
async def test_quick_filters_are_named_whole_at_80_and_120(
    demo_service: DemoService, size: tuple[int, int]
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("i", "u")
        await pilot.pause()
        top = header_line(app)
        assert "alex@example.com" in top
        assert "filter: idle > 90 d, unrecognised" in top, top


async def test_an_unreachable_server_cuts_the_error_before_the_account(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        demo_service.stop()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.accounts[0].error, "the failed poll")
        await pilot.pause()
        top = header_line(app)
        assert "alex@example.com" in top and "stale" in top, top
        assert "Error" not in top  # no class name ("ConnectError")


async def test_no_column_headings_until_the_first_listing() -> None:
    """The headings' widths come from the rows: drawn before them they would jump once."""
    import socket

    from session_tui.providers.rest import RestProvider
    from session_tui.ui.app import AppOptions, SessionTuiApp

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app = SessionTuiApp([RestProvider(url, "token")], AppOptions(interval=600))
        async with app.run_test(size=(120, 32)) as pilot:
            await until(pilot, lambda: app.accounts[0].in_flight, "the first poll")
            await pilot.pause()
            assert app.main.table.awaiting_listing
            lines = [line for line in screen_characters(app).splitlines() if "Loading" in line]
            assert lines and "Device" not in screen_characters(app)
