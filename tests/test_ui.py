"""The app on the real demo service over real HTTP, driven by key presses.

Each test starts the frozen demo service (tests/demo_fixtures.py), opens a `RestProvider` on it
and runs `SessionTuiApp` headless; what the table shows is checked against what the service
holds, before and after the keys.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from demo_fixtures import DEMO_NOW
from textual.pilot import Pilot
from textual.widgets import Button, Static
from ui_support import screen_characters, settle, until

from session_tui.demo import DemoService
from session_tui.engine import events
from session_tui.engine.polling import drop_revoked
from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome, forget
from session_tui.engine.state import Connection
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.cells import device_words
from session_tui.ui.screens.confirm import ConfirmDialog, Question
from session_tui.ui.screens.help import HelpScreen
from session_tui.ui.screens.main import MainScreen
from session_tui.ui.widgets.sessions_table import SessionsTable

SIZE = (120, 32)


def make_app(*services: DemoService, **options: object) -> SessionTuiApp:
    providers = [RestProvider(s.url, s.token) for s in services]
    opts = AppOptions(interval=600, clock=lambda: DEMO_NOW, **options)
    return SessionTuiApp(providers, opts)


def table(app: SessionTuiApp) -> SessionsTable:
    return app.main.query_one("#sessions", SessionsTable)


def notifications(app: SessionTuiApp) -> list[str]:
    return [n.message for n in app.notices]


@pytest.fixture
async def running(demo_service: DemoService) -> AsyncIterator[tuple[SessionTuiApp, Pilot[None]]]:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        yield app, pilot


async def test_table_matches_service_and_marks_current(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, _ = running
    t = table(app)
    assert set(t.visible_ids) == demo_service.state.session_ids()
    current = demo_service.current_id
    assert t.cell_text(current, "device").startswith("This device")
    others = [sid for sid in t.visible_ids if sid != current]
    assert others and not any("This device" in t.cell_text(s, "device") for s in others)
    # Most recently active first, as the column reads: the Online rows (this device first)
    # share the top, then the rest by the minute.
    assert t.visible_ids[0] == current
    words = [t.cell_text(sid, "last_active") for sid in t.visible_ids]
    online = [w for w in words if "Online" in w]
    assert words[: len(online)] == online
    rest = [app.accounts[0].sessions[sid].last_active_at for sid in t.visible_ids[len(online) :]]
    assert rest == sorted(rest, reverse=True)
    assert app.accounts[0].connection is Connection.CONNECTED


async def test_r_on_current_session_refuses(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    current = demo_service.current_id
    assert table(app).select_id(current)
    await pilot.press("r")
    await pilot.pause()
    assert isinstance(app.screen, MainScreen)  # no dialog
    assert any("cannot be revoked" in m for m in notifications(app))
    assert current in demo_service.state.session_ids()
    assert current in table(app).visible_ids


@pytest.mark.parametrize("confirm_key", ["y", "enter"])
async def test_revoke_one_through_dialog(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService, confirm_key: str
) -> None:
    """y and enter confirm, even though the focus starts on Cancel."""
    app, pilot = running
    t = table(app)
    before = demo_service.state.session_ids()
    target = next(s for s in t.visible_ids if s != demo_service.current_id)
    t.select_id(target)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    dialog = app.screen
    assert isinstance(app.focused, Button) and app.focused.id == "cancel"
    question = dialog.query_one("#dialog-question", Static).render()
    assert str(question).startswith("Revoke ")
    await pilot.press(confirm_key)
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
    await settle(pilot, app)
    assert target not in t.visible_ids
    assert demo_service.state.session_ids() == before - {target}
    assert any(m.startswith("Revoked ") for m in notifications(app))


@pytest.mark.parametrize("keys", [["n"], ["escape"], ["space"]], ids=["n", "escape", "space"])
async def test_cancel_changes_nothing(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService, keys: list[str]
) -> None:
    """n and escape cancel; space presses the focused button, which is Cancel."""
    app, pilot = running
    t = table(app)
    before = demo_service.state.session_ids()
    target = next(s for s in t.visible_ids if s != demo_service.current_id)
    t.select_id(target)
    for opener in ("r", "R"):
        await pilot.press(opener)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press(*keys)
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
    await settle(pilot, app)  # whatever the keys set off has finished
    assert demo_service.state.session_ids() == before
    assert set(t.visible_ids) == before
    assert t.selected_id == target


async def test_revoke_all_others_keeps_current(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    current = demo_service.current_id
    count = len(demo_service.state.session_ids()) - 1
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    dialog = app.screen
    question = str(dialog.query_one("#dialog-question", Static).render())
    assert question == f"Sign out {count} other sessions?"
    note = str(dialog.query_one("#dialog-note", Static).render())
    assert note == "Your current session stays signed in."
    assert isinstance(app.focused, Button) and app.focused.id == "cancel"
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
    await settle(pilot, app)
    assert demo_service.state.session_ids() == {current}
    assert table(app).visible_ids == [current]
    assert any(f"Signed out {count} sessions" in m for m in notifications(app))


async def test_revoke_all_names_only_what_it_ends(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    """A session that signs in while the dialog is open is not touched (only= the named ids)."""
    app, pilot = running
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    newcomer = demo_service.state.add_session(user_agent="curl/8.9.0", ip="1.120.3.4")
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
    await settle(pilot, app)
    assert demo_service.state.session_ids() == {demo_service.current_id, newcomer}


async def test_revoke_all_at_80x24_counts_what_it_cannot_show_and_scrolls(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        order = [sid for sid in table(app).visible_ids if sid != demo_service.current_id]
        names = [table(app).cell_text(sid, "device") for sid in order]
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        await pilot.pause()
        hidden = dialog.hidden_lines
        assert 0 < hidden < len(order)
        more = str(dialog.query_one("#dialog-more", Static).render())
        assert f"and {hidden} more" in more
        listed = str(dialog.query_one("#dialog-lines Static", Static).render()).splitlines()
        # In the table's order, by the names the table shows.
        assert [line[2:].split()[0] for line in listed] == [name.split()[0] for name in names]
        for _ in range(hidden):
            await pilot.press("j")
        await pilot.pause()
        assert dialog.hidden_lines == 0 and not dialog.query_one("#dialog-more").display
        await pilot.press("n")


async def test_failed_revoke_leaves_row_and_says_why(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    t = table(app)
    target = next(s for s in t.visible_ids if s != demo_service.current_id)
    t.select_id(target)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
    demo_service.fail_next(503, message="Maintenance window.")
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
    await settle(pilot, app)  # the revocation attempt and what followed it
    assert target in t.visible_ids
    assert target in demo_service.state.session_ids()
    assert any(m.startswith("Could not revoke") for m in notifications(app))


async def test_cursor_stays_on_session_when_one_appears_above(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    t = table(app)
    target = t.visible_ids[4]
    t.select_id(target)
    await pilot.pause()
    index = t.cursor_row
    newcomer = demo_service.state.add_session(
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ip="91.64.9.9",
        last_active_at=DEMO_NOW,
    )
    polls = app.accounts[0].polls
    await pilot.press("ctrl+r")
    await until(pilot, lambda: app.accounts[0].polls > polls, "a poll")
    await pilot.pause()
    assert newcomer in t.visible_ids
    assert t.visible_ids.index(newcomer) < index
    assert t.selected_id == target
    assert t.cursor_row == index + 1


async def test_filter_narrows_and_escape_clears(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    t = table(app)
    everything = set(t.visible_ids)
    await pilot.press("slash", *"berlin")
    await pilot.pause()
    shown = t.visible_ids
    assert 0 < len(shown) < len(everything)
    assert all(
        "berlin" in app.enricher.view(app.accounts[0].sessions[s]).search_text for s in shown
    )
    await pilot.press("escape")
    await pilot.pause()
    assert set(t.visible_ids) == everything
    assert app.focused is t


async def test_sort_key_cycles_columns(running: tuple[SessionTuiApp, Pilot[None]]) -> None:
    app, pilot = running
    t = table(app)
    assert t.sort_column.key == "last_active"
    await pilot.press("s")
    assert t.sort_column.key == "device"
    assert t.header_text(t.sort_column.key).endswith("▼")
    names = [device_words(t.view_of(s)).casefold() for s in t.visible_ids]
    assert names == sorted(names)  # A to Z
    assert app.main.header.sort_label == "Device"
    for _ in range(len(t.column_keys) - 1):
        await pilot.press("s")
    assert t.sort_column.key == "last_active"


async def test_help_screen_opens_and_closes(running: tuple[SessionTuiApp, Pilot[None]]) -> None:
    app, pilot = running
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "help to close")


async def test_enter_toggles_details(running: tuple[SessionTuiApp, Pilot[None]]) -> None:
    app, pilot = running
    details = app.main.query_one("#details")
    assert details.display
    await pilot.press("enter")
    await pilot.pause()
    assert not details.display
    await pilot.press("enter")
    await pilot.pause()
    assert details.display


async def test_server_error_shows_and_recovers(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    account = app.accounts[0]
    rows = table(app).visible_ids
    demo_service.fail_next(500, message="Database on fire.")
    polls = account.polls
    await pilot.press("ctrl+r")
    await until(pilot, lambda: account.connection is Connection.ERROR, "the error")
    assert table(app).visible_ids == rows  # the last good listing stays
    assert account.error is not None and "fire" in account.error
    await pilot.press("ctrl+r")
    await until(pilot, lambda: account.polls > polls, "a good poll")
    assert account.connection is Connection.CONNECTED and account.error is None


@pytest.mark.parametrize(
    ("retry_after", "says"),
    [(120, "waiting 120 s"), (float("inf"), "waiting 3600 s"), (1e12, "waiting 3600 s")],
    ids=["120", "inf", "1e12"],
)
async def test_rate_limit_waits_for_retry_after(
    running: tuple[SessionTuiApp, Pilot[None]],
    demo_service: DemoService,
    retry_after: float,
    says: str,
) -> None:
    """A server's wait is honoured, but never an endless one ("inf" once crashed the app)."""
    app, pilot = running
    account = app.accounts[0]
    demo_service.fail_next(429, retry_after=retry_after)
    await pilot.press("ctrl+r")
    await until(pilot, lambda: account.connection is Connection.RATE_LIMITED, "rate limit")
    polls = account.polls
    loop_now = asyncio.get_running_loop().time()
    assert app.engine.scheduler.due(loop_now) == []  # the poll loop does not poll inside it
    await pilot.press("ctrl+r")  # nor does ctrl+r: it says how long to wait
    await until(
        pilot,
        lambda: any("rate limited; retrying in" in m for m in notifications(app)),
        "the notice",
    )
    assert account.polls == polls and not account.in_flight
    assert any(says in m for m in notifications(app)), notifications(app)


async def test_signed_out_elsewhere_stops_polling(
    running: tuple[SessionTuiApp, Pilot[None]], demo_service: DemoService
) -> None:
    app, pilot = running
    account = app.accounts[0]
    demo_service.fail_next(401, message="Token revoked.")
    await pilot.press("ctrl+r")
    await until(pilot, lambda: account.connection is Connection.SIGNED_OUT, "signed out")
    assert account.stopped
    assert any("signed out elsewhere" in m for m in notifications(app))
    assert app.engine.scheduler.due(asyncio.get_running_loop().time()) == []
    assert not account.in_flight
    assert isinstance(app.screen, MainScreen)  # no reconnect given: no sign-in dialog


async def test_signed_out_offers_sign_in_again(demo_service: DemoService) -> None:
    from session_tui.errors import WrongPassword
    from session_tui.providers.base import SessionProvider

    calls: list[str] = []

    async def reconnect(old: SessionProvider, password: str) -> SessionProvider:
        calls.append("call")
        if password != "right horse":
            raise WrongPassword("Wrong password.")
        return RestProvider(demo_service.url, demo_service.token)

    providers = [RestProvider(demo_service.url, demo_service.token)]
    app = SessionTuiApp(
        providers, AppOptions(interval=600, clock=lambda: DEMO_NOW), reconnect=reconnect
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        account = app.accounts[0]
        old = account.provider
        demo_service.fail_next(401)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the sign-in dialog")
        await pilot.press(*"wrong", "enter")
        await until(pilot, lambda: len(calls) == 1 and not app.screen._busy, "an attempt")
        error = str(app.screen.query_one("#dialog-error", Static).render())
        assert "Wrong password" in error
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press(*"right horse", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
        await settle(pilot, app)
        assert account.provider is not old
        assert account.connection is Connection.CONNECTED and not account.stopped


async def test_password_field_takes_y_and_n_as_letters(demo_service: DemoService) -> None:
    """In a dialog that asks for a password, y/n are typed, not confirm/cancel."""
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        seen: list[str | None] = []

        async def action(password: str | None) -> str:
            seen.append(password)
            return "ok"

        from rich.text import Text

        ask = Question(
            title="t",
            question=Text("q?"),
            confirm_label="Go",
            action=action,
            password_for="@alice:example.org",
        )
        app.push_screen(ConfirmDialog(ask))
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("enter")  # empty password: asks for it, stays open
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and not seen
        await pilot.press("y", "n", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
        assert seen == ["yn"]


async def test_several_accounts_show_a_sidebar(demo_service: DemoService) -> None:
    with DemoService(seed=7, live=False, token="second-token") as second:
        second.state.add_session(user_agent="curl/8.5.0", ip="1.120.0.9")
        app = make_app(demo_service, second)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot, app)
            sidebar = app.main.query_one("#accounts")
            assert sidebar.option_count == 2
            first_ids = set(table(app).visible_ids)
            assert first_ids == demo_service.state.session_ids()
            sidebar.focus()
            await pilot.press("down")
            await pilot.pause()
            assert set(table(app).visible_ids) == second.state.session_ids()
            await pilot.press("tab")
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
            question = str(app.screen.query_one("#dialog-question", Static).render())
            assert question.endswith(f" of {app.accounts[1].name}?")
            await pilot.press("escape")


async def test_online_window_option(demo_service: DemoService) -> None:
    app = make_app(demo_service, online_window=timedelta(minutes=60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        t = table(app)
        online = [s for s in t.visible_ids if "Online" in t.cell_text(s, "last_active")]
        last = app.accounts[0].sessions
        assert online
        assert all(DEMO_NOW - last[s].last_active_at <= timedelta(minutes=60) for s in online)


class Recorder:
    """A subscriber to the engine's events that remembers listings and revocations."""

    def __init__(self) -> None:
        self.polls: list[tuple[str, set[str]]] = []
        self.attempts: list[RevokeAttempt] = []

    def __call__(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.SessionsListed):
            assert event.at == DEMO_NOW
            self.polls.append((event.account.name, {s.id for s in event.sessions}))
        elif isinstance(event, events.RevokeFinished):
            self.attempts.append(event.attempt)


async def test_subscribers_hear_polls_and_revocations(demo_service: DemoService) -> None:
    recorder = Recorder()
    app = make_app(demo_service, subscribers=[recorder])
    app.engine.subscribe(recorder)  # subscribed twice: told twice, which shows both ways work
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert recorder.polls[0][1] == demo_service.state.session_ids()
        assert len(recorder.polls) == 2  # once per subscription
        t = table(app)
        target = next(s for s in t.visible_ids if s != demo_service.current_id)
        t.select_id(target)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
        await settle(pilot, app)
        done = recorder.attempts[0]
        assert done.kind is RevokeKind.ONE and done.outcome is RevokeOutcome.DONE
        assert done.session_ids == (target,) and done.revoked == 1 and done.error is None
        assert done.sessions[0].id == target and done.at == DEMO_NOW
        assert target not in recorder.polls[-1][1]  # the poll after the revocation


async def test_a_failing_subscriber_does_not_stop_the_app(demo_service: DemoService) -> None:
    def broken(event: events.EngineEvent) -> None:
        raise RuntimeError("a subscriber's bug")

    app = make_app(demo_service, subscribers=[broken])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.accounts[0].connection is Connection.CONNECTED
        assert set(table(app).visible_ids) == demo_service.state.session_ids()
        assert any("failed (RuntimeError" in m for m in notifications(app))


async def test_mouse_click_selects_a_row(running: tuple[SessionTuiApp, Pilot[None]]) -> None:
    app, pilot = running
    t = table(app)
    assert t.cursor_row == 0
    await pilot.click("#sessions", offset=(4, 5))  # border, header, then rows 0, 1, 2...
    await pilot.pause()
    assert t.cursor_row == 3
    assert t.selected_id == t.visible_ids[3]


async def test_q_quits(running: tuple[SessionTuiApp, Pilot[None]]) -> None:
    app, pilot = running
    await pilot.press("q")
    await pilot.pause()
    assert not app.is_running


def test_a_poll_started_before_a_revocation_does_not_bring_the_row_back() -> None:
    from session_tui.engine.state import AccountState
    from session_tui.model import Session

    account = AccountState(provider=RestProvider("http://127.0.0.1:9", "t"))
    a, b = Session(id="a"), Session(id="b")
    account.poll_seq = 3  # poll 3 is in flight when the user revokes "b"
    forget(account, ["b"])
    assert drop_revoked(account, [a, b], 3) == [a]  # stale: b left out
    assert drop_revoked(account, [a, b], 4) == [a, b]  # fresh: the truth
    assert not account.revoked_here


async def test_a_token_refused_from_the_start_is_not_called_signed_out_elsewhere(
    demo_service: DemoService,
) -> None:
    app = SessionTuiApp([RestProvider(demo_service.url, "not-the-token")], AppOptions(interval=600))
    async with app.run_test() as pilot:
        account = app.accounts[0]
        await until(pilot, lambda: account.connection is Connection.SIGNED_OUT, "the refusal")
        assert account.error is not None and "refused this access token" in account.error
        assert "elsewhere" not in account.error


async def test_help_fits_a_24_row_terminal(demo_service: DemoService) -> None:
    """The hint that says how to close the help stays on screen; the key list scrolls."""
    app = SessionTuiApp(
        [RestProvider(demo_service.url, demo_service.token)], AppOptions(interval=600)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.pause()
        hint = app.screen.query_one("#help-hint")
        dialog = app.screen.query_one("#help")
        assert hint.region.height > 0
        assert dialog.region.contains_region(hint.region)  # not cut off by the dialog


async def test_an_unknown_place_reads_the_same_in_table_details_and_cli(
    demo_service: DemoService,
) -> None:
    """203.0.113.5 (a documentation address) has no place: one mark for it, not two words."""
    sid = demo_service.state.add_session(user_agent="curl/8.5.0", ip="203.0.113.5")
    app = make_app(demo_service)
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot, app)
        t = table(app)
        assert t.cell_text(sid, "location") == "—"
        for _ in range(len(t.visible_ids)):
            if t.selected_id == sid:
                break
            await pilot.press("j")
        assert t.selected_id == sid
        await pilot.pause()
        screen = screen_characters(app)
        assert re.search(r"Location\s+—", screen) and "Unknown" not in screen


async def test_revoke_keys_say_nothing_can_be_sent_while_the_server_is_down(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j")
        demo_service.stop()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.accounts[0].error, "the failed poll")
        for key in ("r", "R"):
            before = len(app.notices)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)  # no dialog, no password asked
            said = [n.message for n in list(app.notices)[before:]]
            assert any("nothing can be sent" in m for m in said), said


async def test_rows_hold_their_places_while_the_user_moves(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        t = table(app)
        await pilot.press("j", "j")
        before = list(t.visible_ids)
        under_cursor = t.selected_id
        bottom = before[-1]
        demo_service.state.touch(bottom)  # now the most recently active: it would move up
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert t.visible_ids == before and t.selected_id == under_cursor
        assert "new activity" in str(t.border_subtitle)
        # Once the user pauses, the news takes its place, and the cursor stays on its session.
        await until(pilot, lambda: t.visible_ids != before, "the rows to take their places")
        assert t.visible_ids.index(bottom) < len(before) - 1
        assert t.selected_id == under_cursor and not t.border_subtitle


async def test_a_kept_dialog_asks_each_question_afresh(demo_service: DemoService) -> None:
    """The confirm dialogs are composed once and kept: each opening shows only its question."""
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        first = app.screen
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the dialog to close")
        await pilot.press("j", "space")  # one marked session: R now asks about it alone
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog again")
        dialog = app.screen
        assert dialog is first  # kept, not composed again
        assert isinstance(dialog, ConfirmDialog)
        question = str(dialog.query_one("#dialog-question", Static).render())
        listed = str(dialog.query_one("#dialog-lines-text", Static).render()).splitlines()
        assert "this session" in question and len(listed) == 1
        assert app.focused is dialog.query_one("#cancel", Button)
        await pilot.press("n")
