"""The real app against a misbehaving server (tests/fault_server.py): what the screen says and
what the audit trail says, for each way a server can fail or lie."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from fault_server import FaultServer
from textual.pilot import Pilot
from ui_support import settle, until

from session_tui import paths
from session_tui.demo import DemoService
from session_tui.engine.state import Connection
from session_tui.providers import http
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog

SIZE = (120, 32)


@pytest.fixture
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> http.Limits:
    """A short deadline and a small size limit, so the tests need not wait or fill memory."""
    limits = http.Limits(max_body=512 * 1024, deadline=1.5)
    monkeypatch.setattr(http, "LIMITS", limits)
    return limits


@pytest.fixture
async def running(
    faulty: FaultServer, demo_service: DemoService, quick_limits: http.Limits
) -> AsyncIterator[tuple[SessionTuiApp, Pilot[None]]]:
    provider = RestProvider(faulty.url, demo_service.token)
    app = SessionTuiApp([provider], AppOptions(interval=600, clock=demo_service.clock))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        yield app, pilot


def header(app: SessionTuiApp) -> str:
    return app.main.header.render().columns[1]._cells[0].plain


def messages(app: SessionTuiApp) -> list[str]:
    return [str(n.message) for n in app.notices]


def audit() -> list[dict[str, object]]:
    return [json.loads(line) for line in paths.audit_file().read_text().splitlines()]


async def revoke_row(
    pilot: Pilot[None], app: SessionTuiApp, target: str, faulty: FaultServer, mode: str
) -> None:
    """r on the target row, confirmed, with the server in `mode`."""
    app.main.table.select_id(target)
    faulty.mode = mode
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    await pilot.press("y")
    await until(pilot, lambda: app.screen is app.main, "the dialog to close")
    await settle(pilot, app)


async def poll(pilot: Pilot[None], app: SessionTuiApp) -> None:
    before = app.accounts[0].poll_seq
    await pilot.press("ctrl+r")
    await until(pilot, lambda: app.accounts[0].poll_seq > before, "a poll to start")
    await until(pilot, lambda: not app.accounts[0].in_flight, "the poll to end")
    await pilot.pause()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("trickle", "did not answer within 1.5 s"),
        ("hang", "did not answer within 1.5 s"),
        ("huge", "larger than 512 KiB"),
        ("500", "HTTP 500"),
        ("html", "not JSON"),
        ("truncated", "not JSON"),
        ("wrong-types", "should be a non-empty string"),
    ],
)
async def test_a_failing_server_is_a_clear_stale_state_never_a_crash(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, mode: str, words: str
) -> None:
    app, pilot = running
    rows = list(app.main.table.visible_ids)
    faulty.mode = mode
    await poll(pilot, app)
    account = app.accounts[0]
    assert account.connection is Connection.ERROR and words in (account.error or "")
    assert header(app).startswith("● stale") and "last good data" in header(app)
    assert app.main.table.visible_ids == rows  # the last good listing stays, dimmed
    online = [app.main.table.cell_text(r, "last_active") for r in rows]
    assert not any("Online" in cell for cell in online)
    faulty.mode = "ok"
    await poll(pilot, app)
    assert account.connection is Connection.CONNECTED and "connected" in header(app)


@pytest.mark.parametrize("mode", ["503", "429"])
async def test_retry_after_is_honoured_on_503_and_429(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, mode: str
) -> None:
    app, pilot = running
    faulty.mode, faulty.retry_after = mode, 100  # longer than any back-off of our own
    await poll(pilot, app)
    account = app.accounts[0]
    assert account.retry_at is not None
    wait = (account.retry_at - app.now()).total_seconds()
    assert 98 <= wait <= 101  # as asked: never sooner
    assert "retrying in" in header(app) or "rate limited" in header(app)


async def test_a_revoke_all_answered_revoked_0_is_a_failure_and_nothing_vanishes(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, demo_service: DemoService
) -> None:
    app, pilot = running
    rows = set(app.main.table.visible_ids)
    faulty.mode = "revoke-lies"
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    await pilot.press("y")
    await until(pilot, lambda: app.screen is app.main, "the dialog to close")
    await settle(pilot, app)
    assert any("ended none" in m for m in messages(app))
    assert not any(m.startswith("Signed out") for m in messages(app))
    assert set(app.main.table.visible_ids) == rows
    assert audit()[-1]["outcome"] == "error"
    assert demo_service.state.session_ids() == rows


async def test_a_revoke_without_an_answer_is_unknown_until_a_poll_decides(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, demo_service: DemoService
) -> None:
    app, pilot = running
    target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
    await revoke_row(pilot, app, target, faulty, "revoke-timeout")
    assert any("the next poll will tell" in m for m in messages(app))
    assert not any(m.startswith("Revoked") for m in messages(app))
    assert audit()[-1]["outcome"] == "unknown"
    faulty.mode = "ok"
    await poll(pilot, app)
    assert target not in app.main.table.visible_ids  # the poll decided: it did end


async def test_a_revoke_answered_not_found_is_already_gone_once_a_listing_agrees(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, demo_service: DemoService
) -> None:
    app, pilot = running
    target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
    await revoke_row(pilot, app, target, faulty, "revoke-404-gone")
    assert any("had already ended" in m for m in messages(app))
    assert audit()[-1]["outcome"] == "already-gone"
    assert target not in demo_service.state.session_ids()


async def test_a_revoke_answered_not_found_while_still_listed_failed(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, demo_service: DemoService
) -> None:
    """A 404 from a server that still lists the session (a request routed elsewhere, say)
    ended nothing: it is a failure, with the server's answer, not "already gone"."""
    app, pilot = running
    target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
    await revoke_row(pilot, app, target, faulty, "revoke-404")
    assert any("still lists the session" in m for m in messages(app))
    assert not any("had already ended" in m for m in messages(app))
    assert audit()[-1]["outcome"] == "error"
    assert target in demo_service.state.session_ids()
    await poll(pilot, app)
    assert target in app.main.table.visible_ids


async def test_a_huge_name_is_cut_before_the_history_and_the_screen(
    running: tuple[SessionTuiApp, Pilot[None]], faulty: FaultServer, quick_limits: http.Limits
) -> None:
    app, pilot = running
    quick_limits.max_body = 4 * 1024 * 1024
    faulty.mode, faulty.size = "huge", 1024 * 1024  # one 1 MiB device name, under the limit
    await poll(pilot, app)
    await settle(pilot, app)
    account = app.accounts[0]
    assert account.connection is Connection.CONNECTED
    longest = max(len(s.display_name or "") for s in account.sessions.values())
    assert longest <= 512
    for path in paths.state_dir().rglob("*.sqlite3*"):
        assert path.stat().st_size < 512 * 1024


async def test_an_outage_of_many_watched_accounts_is_one_notice_and_its_end_too(
    faulty: FaultServer, demo_service: DemoService, quick_limits: http.Limits
) -> None:
    providers = [RestProvider(faulty.url, demo_service.token) for _ in range(5)]
    app = SessionTuiApp(providers, AppOptions(interval=600, clock=demo_service.clock))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        faulty.mode, faulty.retry_after = "503", 1
        for _ in range(2):  # every account finds it down, twice over
            await pilot.press("ctrl+r")
            await until(pilot, lambda: all(a.failures for a in app.accounts), "the failures")
            await until(pilot, lambda: not any(a.in_flight for a in app.accounts), "the polls")
        down = [m for m in messages(app) if "is not answering" in m]
        assert len(down) == 1
        assert all(a.stale for a in app.accounts)
        faulty.mode = "ok"
        for account in app.accounts:
            account.resume_at = 0.0  # as if the asked wait had passed
        await pilot.press("ctrl+r")
        await until(
            pilot,
            lambda: all(a.connection is Connection.CONNECTED for a in app.accounts),
            "recovery",
        )
        await pilot.pause()
        assert [m for m in messages(app) if "answers again" in m] == [
            f"127.0.0.1:{faulty.server_address[1]} answers again."
        ]
