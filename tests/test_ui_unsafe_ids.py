"""The dashboard and a session whose id cannot be sent safely: it stays on screen, flagged;
`r` on it says why and how else to end it, and sends nothing; `R` leaves it, and says so.
Ids of dots (a hostile client's way to dodge a revoke) are still revoked, through the body."""

from __future__ import annotations

from hostile_rest import CURRENT, TOKEN, HostileRest
from test_faults import messages
from textual.widgets import Static
from ui_support import SIZE, rendered_text, settle, until

from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog


def _app(server: HostileRest) -> SessionTuiApp:
    return SessionTuiApp([RestProvider(server.url, TOKEN)], AppOptions(interval=600))


def _stand_in(app: SessionTuiApp) -> str:
    [sid] = [s for s in app.main.table.visible_ids if s.startswith("unsafe-")]
    return sid


async def test_an_unsafe_id_is_flagged_and_r_sends_nothing(hostile_rest: HostileRest) -> None:
    app = _app(hostile_rest)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = _stand_in(app)
        app.main.table.select_id(target)
        body = app.main.query_one("#details-body", Static)
        await until(pilot, lambda: "not from here" in rendered_text(body.content), "the details")
        svg = app.export_screenshot()
        assert "unsafe&#160;id:&#160;cannot&#160;revoke" in svg
        await pilot.press("r")
        await until(pilot, lambda: any("Nothing was sent" in m for m in messages(app)), "why")
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("End it on the server itself" in m for m in messages(app))
        assert hostile_rest.revoking() == []


async def test_sign_out_all_others_leaves_the_unsafe_one_and_says_so(
    hostile_rest: HostileRest,
) -> None:
    app = _app(hostile_rest)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        shown = " ".join(rendered_text(w.content) for w in app.screen.query(Static))
        assert "cannot be sent safely" in shown and "stays signed in" in shown
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert set(hostile_rest.sessions) == {CURRENT, "ok\x1b]0;x\x07id"}
        assert ".." not in hostile_rest.sessions  # a dot id was ended, through the body
        for method, path, _ in hostile_rest.revoking():
            assert method == "POST" and path == "/v1/sessions/revoke-others"
