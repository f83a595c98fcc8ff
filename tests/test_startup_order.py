"""What start-up leaves until after the first painted listing (issue 11), checked by what is
imported when, in a fresh interpreter: not by the clock, which these machines make noisy.

The history (SQLite, the store, the alert rules) and rich's emoji table are not needed for the
first frame; they used to be a fifth of the time to it. The history must still be recorded. The
History and Alerts panes are built when first opened (at 80x24 they are not docked).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from session_tui.demo import DemoService
    from session_tui.engine.core import Engine
    from session_tui.providers.rest import RestProvider
    from session_tui.ui.app import SessionTuiApp
    from session_tui.ui.widgets.sessions_table import SessionsTable

    LATER = (
        "session_tui.tracking", "sqlite3", "rich._emoji_codes", "tomllib",
        "session_tui.signin", "session_tui.ui.widgets.history_pane",
        "session_tui.ui.widgets.alert_feed", "textual.widgets._tabs",
    )
    found = {}
    show = SessionsTable.show
    release = Engine.release_tracking

    def released(self):
        found.setdefault("painted", sorted(m for m in sys.modules if m.startswith(LATER)))
        return release(self)

    Engine.release_tracking = released

    def spy(self, views, **kwargs):
        views = list(views)
        if views and "first" not in found:
            found["first"] = sorted(m for m in sys.modules if m.startswith(LATER))
        return show(self, views, **kwargs)

    SessionsTable.show = spy

    async def main():
        with DemoService(live=False) as service:
            app = SessionTuiApp([RestProvider(service.url, service.token)])
            async with app.run_test() as pilot:
                for _ in range(500):
                    await pilot.pause(0.02)
                    if app.painted.is_set() and app.engine.idle and found.get("first"):
                        break
                found["after"] = sorted(m for m in sys.modules if m.startswith(LATER))
        import sqlite3
        from session_tui import paths
        found["recorded"] = sum(
            sqlite3.connect(f).execute("SELECT COUNT(*) FROM known_sessions").fetchone()[0]
            for f in (paths.state_dir() / "history").glob("*.sqlite3")
        )

    asyncio.run(main())
    print(json.dumps(found))
    """
)


def test_the_history_loads_after_the_first_listing_is_on_screen() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["first"] == [], "imported before the first listing was shown"
    assert found["painted"] == [], "imported before the first listing was painted"
    assert found["recorded"], "the first listing was never recorded in the history"
    assert "session_tui.tracking.store" in found["after"]


def test_garbage_collection_held_off_for_start_up_comes_back_with_the_first_listing(
    monkeypatch,
) -> None:
    """`session-tui` (the command line) holds the collector off while it starts; the first
    listing on screen turns it back on, also when the app is run through the parser."""
    import gc

    from session_tui import cli
    from session_tui.ui.app import SessionTuiApp

    seen: dict[str, bool] = {}

    def run(self: SessionTuiApp) -> None:  # the real app, headless, as `app.run()` would
        import asyncio

        async def drive() -> None:
            async with self.run_test() as pilot:
                seen["off at start"] = not gc.isenabled()
                while not self.painted.is_set():
                    await pilot.pause(0.02)
                seen["on after"] = gc.isenabled()

        asyncio.run(drive())

    monkeypatch.setattr(SessionTuiApp, "run", run)
    try:
        assert cli.main([]) == 0
    finally:
        gc.enable()
    assert seen == {"off at start": True, "on after": True}
    assert gc.isenabled()
