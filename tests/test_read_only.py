"""The dashboard started by the real command line, and read-only mode on every path.

`cli.main` parses the flags and opens the accounts exactly as a user's `session-tui ...` does;
only `App.run` (which needs a terminal) is replaced, and the app it built is then driven with
the pilot. The demo service counts every request it gets, so "nothing revoking was sent" is a
fact about the server, not about our code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from ui_support import settle

from session_tui.cli import main
from session_tui.demo import DemoService
from session_tui.providers.read_only import ReadOnlyProvider
from session_tui.ui.app import SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog

REVOKING = {"DELETE", "POST", "PUT", "PATCH"}


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch, demo_service: DemoService):
    """`session-tui ARGS` on the demo service over HTTP; returns the app it would run."""
    built: list[SessionTuiApp] = []
    monkeypatch.setattr(SessionTuiApp, "run", lambda self, *a, **k: built.append(self))
    monkeypatch.setenv("SESSION_TUI_TOKEN", demo_service.token)

    def launch(*argv: str) -> SessionTuiApp:
        assert main(["--provider", "rest", "--url", demo_service.url, *argv]) == 0
        return built[-1]

    return launch


def test_flags_reach_the_app_through_the_real_parser(launched) -> None:
    app = launched("--interval", "7", "--online-window", "3", "--no-bell", "--read-only")
    options = app.options
    assert options.interval == 7 and options.online_window == timedelta(minutes=3)
    assert options.bell is False and options.read_only is True
    assert all(isinstance(a.provider, ReadOnlyProvider) for a in app.accounts)


async def test_read_only_dashboard_has_no_way_to_revoke_or_rename(
    launched,
    demo_service: DemoService,
) -> None:
    app = launched("--read-only")
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot, app)
        shown = {k for k, b in app.screen.active_bindings.items() if b.binding.show}
        assert not shown & {"r", "R", "e"}
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        app.main.table.select_id(target)
        for key in ("r", "R", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmDialog)
            assert app.screen is app.main
        messages = [str(n.message) for n in app.notices]
        assert any("Read-only mode" in m for m in messages)
        # Not even the provider would do it, whatever called it.
        with pytest.raises(Exception, match="Read-only"):
            await app.accounts[0].provider.revoke(target)
    assert [r for r in demo_service.requests if r[0] in REVOKING] == []
    assert target in demo_service.state.session_ids()


async def test_the_read_only_header_says_so(launched) -> None:
    app = launched("--read-only")
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot, app)
        svg = app.export_screenshot()
    assert "read-only" in svg
