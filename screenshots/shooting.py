"""Taking screenshots of the app opened exactly as the command line opens it.

Shared by the screenshot scripts that run a real server (Synapse, django-allauth, Better Auth):
the accounts come from `connect.open_accounts` with the real parser, in a scratch config and
state directory, and each shot is Textual's SVG export after the keys it names.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from textual.pilot import Pilot

from session_tui.cli import build_parser
from session_tui.connect import open_accounts
from session_tui.providers.base import SessionProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.widgets.sessions_table import SessionsTable

SIZE = (120, 32)


async def settle(pilot: Pilot[None], app: SessionTuiApp) -> None:
    """Every account polled once, and the history the poll set off written (in workers)."""
    for _ in range(300):
        await pilot.pause(0.05)
        polled = all(a.polls and not a.in_flight for a in app.accounts)
        busy = any(not w.is_finished for w in app.workers if w.group == "tracking")
        if polled and not busy:
            return
    raise SystemExit("the app never finished its first poll")


async def shoot(
    out: Path,
    argv: list[str],
    env: Mapping[str, str],
    shots: Sequence[tuple[str, Sequence[str]]],
    *,
    select: str | None = None,
    stage: Callable[[SessionProvider], None] | None = None,
) -> list[Path]:
    """Open the accounts as the CLI would, in a scratch config and state dir; one SVG per shot.

    The shots of one run share one app, so one sign-in and one session of our own. `stage`
    sees each provider before the app starts.
    """
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="session-tui-shots-") as scratch:
        os.environ["SESSION_TUI_STATE_DIR"] = str(Path(scratch) / "state")
        os.environ["SESSION_TUI_CONFIG_DIR"] = str(Path(scratch) / "config")
        accounts = open_accounts(build_parser().parse_args(argv), env)
        try:
            for provider in accounts.providers:
                if stage is not None:
                    stage(provider)  # e.g. the host name the header shows
            options = AppOptions(interval=600, profile=accounts.profile)
            app = SessionTuiApp(accounts.providers, options, reconnect=accounts.reconnect)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot, app)
                if select is not None:
                    table = app.main.query_one("#sessions", SessionsTable)
                    if not table.select_id(select):
                        raise SystemExit(f"session {select} is not in the table")
                for stem, keys in shots:
                    for key in keys:
                        await pilot.press(key)
                    if keys:
                        for _ in range(100):
                            await pilot.pause(0.02)
                            if app.screen is not app.main:
                                break
                        else:
                            raise SystemExit(f"{stem}: no dialog after pressing {keys}")
                    await pilot.pause(0.1)
                    await pilot.wait_for_scheduled_animations()
                    path = out / f"{stem}.svg"
                    path.write_text(app.export_screenshot(title="session-tui"), encoding="utf-8")
                    saved.append(path)
        finally:
            accounts.close()
            os.environ.pop("SESSION_TUI_STATE_DIR", None)
            os.environ.pop("SESSION_TUI_CONFIG_DIR", None)
    return saved
