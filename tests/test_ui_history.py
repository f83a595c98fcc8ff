"""The History pane and the audit trail in the running app, on the demo service and a real Synapse.

Every revocation attempted from the app (`r`, `R`, whatever the outcome) is a line in the audit
log, which the tests read from the file itself; a session this app revoked reads "revoked here"
in the history, one that went away on its own "ended elsewhere".
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from synapse_server import MatrixUser, SynapseServer
from textual.pilot import Pilot
from textual.widgets import Tabs
from ui_support import CURL_UA, JAPAN_IP, SIZE, demo_app, idle, poll, settle, until

from session_tui import paths
from session_tui.demo import DemoService
from session_tui.engine import recording
from session_tui.enrich.risk import LEARNING_SIGN_INS
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.synapse_admin import SynapseAdminProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog
from session_tui.ui.screens.ended import EndedSessionScreen, ended_details
from session_tui.ui.widgets.extra_panes import ExtraPanes
from session_tui.ui.widgets.history_pane import HistoryPane, HistoryTable

# -- helpers --------------------------------------------------------------------------------------


def history(app: SessionTuiApp) -> HistoryTable:
    return app.main.query_one("#history", HistoryPane).table


def history_row(app: SessionTuiApp, session_id: str) -> tuple[str, str] | None:
    """(reason, row text) of the newest history row of that session, read via the tracker."""
    tracker = app.engine.recorder.service.tracker(app.accounts[0].provider)
    wanted = [r for r in tracker.history() if r.session_id == session_id]
    if not wanted:
        return None
    table = history(app)
    key = f"{app.accounts[0].name}\x00{wanted[0].row_id}"
    if key not in table.rows:
        return None
    index = table.get_row_index(key)
    return table.reasons()[index], table.row_texts()[index]


async def open_history(pilot: Pilot[None], app: SessionTuiApp) -> None:
    await pilot.press("h")
    panes = app.main.extra_panes
    await until(pilot, lambda: panes.built and panes.is_open("history"), "the history to open")
    await until(pilot, lambda: idle(app), "the history to load")
    await pilot.pause()


def audit_lines() -> list[dict[str, Any]]:
    path = paths.audit_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def messages(app: SessionTuiApp) -> list[str]:
    return [n.message for n in app.notices]


# -- the demo service -----------------------------------------------------------------------------


async def test_revoked_here_in_history_and_in_the_audit_log(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=2)
        sid = demo_service.state.add_session(
            user_agent=CURL_UA, ip=JAPAN_IP, device_name="[bold red]pwn[/] \x1b[2Jx"
        )
        await poll(pilot, app)
        assert any("new country: Japan" in m for m in messages(app))
        assert app.main.table.select_id(sid)
        demo_service.clock.advance(minutes=3)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert sid not in demo_service.state.session_ids()

        await open_history(pilot, app)
        row = history_row(app, sid)
        assert row is not None
        reason, text = row
        assert reason == "revoked here"
        assert "[bold red]pwn[/]" in text and "\x1b" not in text  # literal, inert
        assert "Japan" in text and "lasted 3 minutes" in text  # from sign-in to revoke, said so

    records = audit_lines()
    assert len(records) == 1
    record = records[0]
    assert record["action"] == "revoke" and record["outcome"] == "ok"
    assert record["session_ids"] == [sid] and record["revoked"] == 1
    assert record["provider"] == "rest" and record["profile"] == "demo"
    assert any("curl" in d for d in record["devices"])
    assert demo_service.token not in paths.audit_file().read_text()
    assert paths.audit_file().stat().st_mode & 0o777 == 0o600


async def test_revoke_all_others_is_audited_and_each_reads_revoked_here(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        others = demo_service.state.session_ids() - {demo_service.current_id}
        await open_history(pilot, app)
        await pilot.press("R")  # the history covers the table: R is not for it, nothing opens
        await pilot.pause()
        assert app.screen is app.main
        await pilot.press("escape")  # back to the sessions
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        await poll(pilot, app)
        await open_history(pilot, app)
        assert demo_service.state.session_ids() == {demo_service.current_id}
        for sid in others:
            row = history_row(app, sid)
            assert row is not None and row[0] == "revoked here", (sid, row)
    [record] = audit_lines()
    assert record["action"] == "revoke-others" and record["outcome"] == "ok"
    assert set(record["session_ids"]) == others and record["revoked"] == len(others)
    assert demo_service.current_id not in record["session_ids"]


async def test_a_failed_revoke_is_audited_too(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        app.main.table.select_id(target)
        demo_service.fail_next(503, message="Maintenance window.")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert target in demo_service.state.session_ids()
    [record] = audit_lines()
    assert record["action"] == "revoke" and record["outcome"] == "error"
    assert record["session_ids"] == [target] and "503" in (record["error"] or "")


async def test_a_session_removed_by_the_service_ended_elsewhere(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_history(pilot, app)
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        demo_service.clock.advance(minutes=5)
        demo_service.state.remove_session(target)
        await poll(pilot, app)
        row = history_row(app, target)
        assert row is not None and row[0] == "ended elsewhere"
        # Newest first: the session that just ended is the top row.
        assert history(app).reasons()[0] == "ended elsewhere"
    assert audit_lines() == []  # nothing was revoked from here


async def test_history_merges_the_apis_own_record(demo_service: DemoService) -> None:
    """The demo's API history (sessions that ended before the app ran) shows with its reasons."""
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_history(pilot, app)
        await until(pilot, lambda: history(app).row_count, "rows")
        api = demo_service.state.history()
        assert api and history(app).row_count == len(api)
        for ended in api:
            row = history_row(app, ended.session.id)
            assert row is not None and row[0] == ended.end_reason.replace("_", " ")


async def test_enter_on_a_history_row_shows_all_that_was_kept_about_it(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        gone = next(s for s in demo_service.state.sessions() if s.id == target)
        demo_service.clock.advance(minutes=5)
        demo_service.state.remove_session(target)
        await poll(pilot, app)
        await open_history(pilot, app)
        assert history(app).has_focus and history(app).cursor_row == 0  # the newest: target
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EndedSessionScreen) and screen.row.session_id == target
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(ended_details(screen.row))
        shown = console.export_text()
        # The server's own history (read as the pane opened) says how it ended.
        for text in ("signed out", target, gone.ip or "-", "seen ending by session-tui"):
            assert text in shown, (text, shown)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main and history(app).has_focus


async def test_pane_loads_asked_for_while_one_waits_its_turn_are_that_one_load(
    demo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On call a thousand first listings each asked for both docked panes, and each load reads
    every account: requests made while a load waits are answered by it."""
    from session_tui.tracking.tracker import Tracker

    app = demo_app(demo_service)
    async with app.run_test(size=(200, 50)) as pilot:  # docked: both panes open
        await settle(pilot, app)
        reads = {"history": 0, "events": 0}
        history, events = Tracker.history, Tracker.events

        def count_history(self, *args, **kwargs):
            reads["history"] += 1
            return history(self, *args, **kwargs)

        def count_events(self, *args, **kwargs):
            reads["events"] += 1
            return events(self, *args, **kwargs)

        monkeypatch.setattr(Tracker, "history", count_history)
        monkeypatch.setattr(Tracker, "events", count_events)
        # A poll's recording holds the turn on its thread; twenty requests come meanwhile.
        entered, release = threading.Event(), threading.Event()
        real = recording.record_poll

        def held(*args, **kwargs):
            entered.set()
            release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(recording, "record_poll", held)
        await pilot.press("ctrl+r")
        await until(pilot, entered.is_set, "the poll's recording on its thread")
        reads.update(history=0, events=0)
        for n in range(20):
            app.tracking.pane_docked()
            if n == 7:
                app.tracking.pane_shown("alerts")  # looked at: what it reads is seen
        await pilot.pause()
        release.set()
        await until(pilot, lambda: idle(app), "the loads")
        assert reads == {"history": 1, "events": 1}
        assert app.main.header.unseen_alerts == 0  # the one that asked to mark seen was heard
        monkeypatch.setattr(recording, "record_poll", real)
        app.tracking.pane_docked()  # a later request is a load of its own
        await until(pilot, lambda: idle(app) and reads["history"] == 2, "the load")


async def test_an_unwritable_audit_log_is_reported_not_fatal(demo_service: DemoService) -> None:
    paths.audit_file().mkdir(parents=True)  # a directory where the file should be
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        app.main.table.select_id(target)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert any("audit log" in m for m in messages(app))
        assert target not in demo_service.state.session_ids()
        await open_history(pilot, app)
        await poll(pilot, app)
        row = history_row(app, target)
        assert row is not None and row[0] == "revoked here"  # the mark is kept anyway
        assert app.is_running


async def test_tab_goes_round_sessions_history_and_alerts_at_80x24(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.main.table
        seen = []
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
            # The panes are built by the first key that needs them (not at start).
            tabs = app.main.query_one("#view-tabs", Tabs)
            seen.append((tabs.active if tabs.region.height else "table", app.focused))
        hist = app.main.query_one("#history", HistoryPane)
        assert [where for where, _ in seen] == ["tab-history", "tab-alerts", "table"]
        assert seen[0][1] is history(app) and seen[2][1] is table
        assert hist.region.width == 0 and table.region.width > 0
        await pilot.press("shift+tab")  # and the other way round: the alerts come first
        await pilot.pause()
        assert tabs.active == "tab-alerts" and table.region.width == 0


async def test_narrow_terminals_show_history_as_a_tab(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table, panes = app.main.table, app.main.query_one("#extra", ExtraPanes)
        assert table.region.width > 0 and not panes.display
        assert not panes.built  # built on first use, not at start (issue 23: start-up)
        await open_history(pilot, app)
        tabs = app.main.query_one("#view-tabs", Tabs)
        hist = app.main.query_one("#history", HistoryPane)
        assert hist.region.width >= 76 and table.region.width == 0  # in the table's place
        assert tabs.region.height > 0 and tabs.active == "tab-history"
        assert app.focused is history(app)
        await pilot.press("a")  # the other tab comes to the front
        await pilot.pause()
        assert hist.region.width == 0 and tabs.active == "tab-alerts"
        await pilot.press("h")  # back to the history, not closed
        await pilot.pause()
        assert hist.region.width > 0
        await pilot.press("h", "slash", *"iphone")  # h in the history stays there: / filters it
        await pilot.pause()
        assert history(app).filter_text == "iphone" and app.main.table.filter_text == ""
        await pilot.press("enter", "escape", "escape")  # the filter, then the tab: back to the
        await pilot.pause()  # sessions, not to the alerts behind it
        assert hist.region.width == 0
        assert table.region.width > 0 and app.focused is table
        assert tabs.region.height == 0


async def test_wide_terminals_show_history_below_the_table(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        await open_history(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        table = app.main.table
        hist = app.main.query_one("#history", HistoryPane)
        feed = app.main.query_one("#alerts")
        assert table.region.height > 5 and hist.region.height > 5 and feed.region.height > 5
        assert hist.region.y > table.region.y and feed.region.x > hist.region.x
        assert app.main.query_one("#view-tabs", Tabs).region.height == 0


# -- a real Synapse ------------------------------------------------------------------------------

PASSWORD = "pw4"  # short: the pilot types it one key at a time


@pytest.fixture
def alice(synapse: SynapseServer) -> MatrixUser:
    return synapse.new_user(prefix="hist", password=PASSWORD)


def delete_device_elsewhere(
    synapse: SynapseServer, user: MatrixUser, token: str, device_id: str
) -> None:
    """What another client (Element, say) does to sign a device out: DELETE with password UIA."""
    auth = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user.localpart},
        "password": user.password,
    }
    with synapse.client(token) as client:
        first = client.request("DELETE", f"/_matrix/client/v3/devices/{device_id}", json={})
        if first.status_code == 401:
            auth["session"] = first.json().get("session")
            second = client.request(
                "DELETE", f"/_matrix/client/v3/devices/{device_id}", json={"auth": auth}
            )
            second.raise_for_status()
        else:
            first.raise_for_status()


async def test_matrix_new_login_alerts_and_its_revocation_is_history_and_audit(
    synapse: SynapseServer, alice: MatrixUser
) -> None:
    phone, _ = synapse.login(alice, device_name="iPhone", ip="198.51.100.7")
    _, token = synapse.login(alice, device_name="TUI", ip="192.0.2.55")
    # Enough sign-ins that the account is past its learning period (issue 24): a new country
    # alerts at once.
    for n in range(LEARNING_SIGN_INS - 2):
        synapse.login(alice, device_name=f"laptop {n}", ip="198.51.100.8")
    provider = MatrixProvider(synapse.base_url, token, user_id=alice.user_id)
    app = SessionTuiApp([provider], AppOptions(interval=600, profile=alice.user_id))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        assert app.main.header.unseen_alerts == 0

        intruder, _ = synapse.login(alice, device_name="Intruder", ip=JAPAN_IP)
        await poll(pilot, app)
        assert any("new country: Japan" in m for m in messages(app)), messages(app)
        assert app.main.header.unseen_alerts == 1

        # The alert jumps to the device; revoke it with the password dialog.
        await pilot.press("a")
        await until(pilot, lambda: idle(app), "the feed")
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.table.selected_id == intruder
        await pilot.press("r")
        await until(pilot, lambda: app.screen.id == "confirm-revoke", "the dialog")
        await pilot.press(*"bad", "enter")
        await settle(pilot, app)
        assert app.screen.id == "confirm-revoke"  # wrong password: still asking
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot, app)
        assert app.screen is app.main
        assert intruder not in synapse.devices(alice, token)

        # Another client signs the phone out.
        delete_device_elsewhere(synapse, alice, token, phone)
        await open_history(pilot, app)
        await poll(pilot, app)
        revoked, ended = history_row(app, intruder), history_row(app, phone)
        assert revoked is not None and revoked[0] == "revoked here"
        assert ended is not None and ended[0] == "ended elsewhere"
        # The phone was there before the app first looked: its start is honestly a bound.
        assert " before " in f" {ended[1]}" and "at least" in ended[1]

    wrong, done = audit_lines()
    assert wrong["outcome"] == "error" and wrong["error"] == "wrong password"
    assert done["action"] == "revoke" and done["outcome"] == "ok"
    assert done["session_ids"] == [intruder] and done["provider"] == "matrix"
    text = paths.audit_file().read_text()
    assert PASSWORD not in text and token not in text


async def test_on_call_force_sign_out_is_audited_and_in_the_watched_accounts_history(
    synapse: SynapseServer, matrix_admin: MatrixUser
) -> None:
    _, operator_token = synapse.login(matrix_admin, device_name="on-call")
    bob = synapse.new_user(prefix="bob")
    synapse.login(bob, device_name="iPhone", ip="198.51.100.7")
    carol = synapse.new_user(prefix="carol")
    laptop, _ = synapse.login(carol, device_name="Laptop", ip="203.0.113.10")
    providers = SynapseAdminProvider.watching(
        synapse.base_url, operator_token, [bob.user_id, carol.user_id]
    )
    app = SessionTuiApp(providers, AppOptions(interval=600, profile="on-call"))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        carols = set(app.accounts[1].sessions)
        assert laptop in carols
        await pilot.press("shift+tab", "down", "enter")
        await pilot.pause()
        assert app.main.selected == 1
        await pilot.press("R")
        await until(pilot, lambda: app.screen.id == "confirm-revoke-all", "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        await open_history(pilot, app)
        await poll(pilot, app)
        table = history(app)
        rows = [t for t in table.row_texts() if carol.user_id in t]
        assert len(rows) == len(carols) and all("revoked here" in t for t in rows)
        assert not any(bob.user_id in t for t in table.row_texts())
    [record] = audit_lines()
    assert record["action"] == "force-sign-out" and record["outcome"] == "ok"
    assert record["provider"] == "synapse-admin" and record["account"] == carol.user_id
    assert set(record["session_ids"]) == carols and record["profile"] == "on-call"


# -- the words the pane uses ----------------------------------------------------------------------


def test_times_and_durations_say_only_what_is_known() -> None:
    from datetime import UTC, datetime, timedelta

    from session_tui.tracking.events import TimeRange
    from session_tui.tracking.wording import duration_text, short_time, when_text

    t0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    later = t0 + timedelta(hours=3)
    assert when_text(None) == "—"
    assert when_text(TimeRange.exact(t0)) == short_time(t0)
    assert when_text(TimeRange.before(t0)) == f"before {short_time(t0)}"
    between = when_text(TimeRange(t0, t0 + timedelta(minutes=5)))
    assert between.startswith(f"between {short_time(t0)} and ") and between.count(" ") == 5
    assert duration_text(TimeRange.exact(t0), TimeRange.exact(later)) == "3 hours"
    assert duration_text(TimeRange.before(t0), TimeRange.exact(later)) == "at least 3 hours"
    assert duration_text(TimeRange.exact(t0), TimeRange.before(later)) == "at most 3 hours"
    assert duration_text(TimeRange.before(t0), TimeRange.before(later)) == "—"
    assert duration_text(None, TimeRange.exact(later)) == "—"
    assert duration_text(TimeRange.exact(t0), TimeRange.exact(t0)) == "a moment"


def test_revocations_map_to_audit_actions() -> None:
    from session_tui.engine.recording import audit_action
    from session_tui.engine.revocation import RevokeKind
    from session_tui.providers.better_auth import BetterAuthAdminProvider, BetterAuthProvider
    from session_tui.providers.matrix import MatrixProvider
    from session_tui.providers.synapse_admin import SynapseAdminProvider
    from session_tui.tracking.audit import AuditAction

    url = "https://example.org"
    own = [MatrixProvider(url, "t"), BetterAuthProvider(url, "t")]
    admin = [SynapseAdminProvider(url, "t", "@b:x"), BetterAuthAdminProvider(url, "t", "b@x")]
    for provider in own:
        assert audit_action(RevokeKind.ONE, provider) is AuditAction.REVOKE
        assert audit_action(RevokeKind.OTHERS, provider) is AuditAction.REVOKE_OTHERS
    for provider in admin:
        assert audit_action(RevokeKind.ONE, provider) is AuditAction.REVOKE
        assert audit_action(RevokeKind.OTHERS, provider) is AuditAction.FORCE_SIGN_OUT


async def test_the_history_command_shows_what_the_history_pane_shows(
    demo_service: DemoService,
) -> None:
    """One read for both (`Engine.history`): `session-tui history` on the same account lists
    the same ended sessions, in the same order, ended the same way."""
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = next(s for s in app.main.table.visible_ids if s != demo_service.current_id)
        demo_service.clock.advance(minutes=5)
        demo_service.state.remove_session(target)
        await poll(pilot, app)
        await open_history(pilot, app)
        shown = history(app).reasons()
    assert (shown and "ended elsewhere" in shown) or "signed out" in shown
    script = str(Path(sys.executable).with_name("session-tui"))
    done = subprocess.run(
        [script, "history", "--json", "--provider", "rest", "--url", demo_service.url],
        env={**os.environ, "SESSION_TUI_TOKEN": demo_service.token},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert [row["reason"] for row in printed] == shown
    assert target in {row["id"] for row in printed}
