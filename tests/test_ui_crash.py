"""A crash report must not print local variables: a revoke's frame may hold a password."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.binding import Binding

from session_tui.demo import DemoService
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp

SECRET = "hunter2-not-for-the-screen"


class CrashingApp(SessionTuiApp):
    """The real app plus one action that fails with a secret in a local variable."""

    BINDINGS = [Binding("x", "crash", "Crash")]  # noqa: RUF012
    report = ""

    def action_crash(self) -> None:
        password = SECRET
        raise RuntimeError(f"crash with a password of {len(password)} characters")

    def _fatal_error(self) -> None:
        super()._fatal_error()
        console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
        for renderable in self._exit_renderables:
            console.print(renderable)
        self.report = console.export_text()


async def test_the_crash_report_has_the_traceback_but_no_locals(
    demo_service: DemoService,
) -> None:
    app = CrashingApp(
        [RestProvider(demo_service.url, demo_service.token)], AppOptions(interval=600)
    )
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press("x")
            await pilot.pause()
    assert "action_crash" in app.report  # where it happened is still said
    assert SECRET not in app.report
