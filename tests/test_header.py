"""The header line at every width: the account and the filter stay, less important parts go."""

from __future__ import annotations

import pytest
from ui_support import demo_app, header_line, settle, until

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
