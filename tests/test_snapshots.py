"""SVG snapshots of the main screen and both confirm dialogs (pytest-textual-snapshot).

The demo service is frozen (fixed seed and clock) and so is the app's clock, so every run draws
the same screen; only the server's ephemeral port would differ, so the header is given a fixed
server label. Update after a deliberate change with `pytest tests/test_snapshots.py
--snapshot-update` and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from demo_fixtures import DEMO_NOW
from textual.pilot import Pilot

from session_tui.demo import DemoService
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog
from session_tui.ui.widgets.sessions_table import SessionsTable

SnapCompare = Callable[..., bool]


def _app(demo_service: DemoService, **options: object) -> SessionTuiApp:
    provider = RestProvider(demo_service.url, demo_service.token)
    provider.server = "127.0.0.1 (demo)"  # the real port changes every run
    opts = AppOptions(interval=600, clock=lambda: DEMO_NOW, **options)
    return SessionTuiApp([provider], opts)


def _ready(*keys: str, select_row: int | None = None) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SessionTuiApp)
        for _ in range(250):
            await pilot.pause(0.02)
            if app.accounts[0].polls and not app.accounts[0].in_flight:
                break
        else:
            raise AssertionError("the app never finished its first poll")
        table = app.main.query_one("#sessions", SessionsTable)
        if select_row is not None:
            table.move_cursor(row=select_row)
            await pilot.pause()
        if keys:
            await pilot.press(*keys)
            for _ in range(100):
                await pilot.pause(0.02)
                if isinstance(app.screen, ConfirmDialog):
                    break
        for _ in range(100):  # the docked history and feed, where the terminal is large
            await pilot.pause(0.02)
            if all(w.is_finished for w in app.workers if w.group == "tracking"):
                break
        await pilot.pause(0.05)

    return run_before


def test_main_screen_80x24(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(_app(demo_service), terminal_size=(80, 24), run_before=_ready())


def test_main_screen_200x50(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(
        _app(demo_service), terminal_size=(200, 50), run_before=_ready(select_row=2)
    )


def test_revoke_dialog(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(
        _app(demo_service), terminal_size=(100, 30), run_before=_ready("r", select_row=2)
    )


def test_revoke_all_dialog(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(_app(demo_service), terminal_size=(100, 30), run_before=_ready("R"))


def test_main_screen_120x32(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(_app(demo_service), terminal_size=(120, 32), run_before=_ready())


def test_selection_120x32(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    """Two rows marked with space: the marks, the count in the header."""
    assert snap_compare(
        _app(demo_service),
        terminal_size=(120, 32),
        run_before=_ready("space", "space", select_row=1),
    )


def test_ascii_80x24(snap_compare: SnapCompare, demo_service: DemoService) -> None:
    assert snap_compare(_app(demo_service, ascii=True), terminal_size=(80, 24), run_before=_ready())
