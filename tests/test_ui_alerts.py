"""Sign-in alerts in the running app, on the real demo service over HTTP.

A session the service gains between two polls is a sign-in; one from a device family or a
country the account never used is an alert: a notification, the bell, the header's count, the
`--on-alert` command, and an entry in the feed (`a`) that jumps to the session. A restart on the
same state dir must not call the sessions it already knew new.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import sys
from pathlib import Path

from rich.console import Console
from ui_support import CURL_UA, JAPAN_IP, SIZE, header_line, poll, settle, until
from ui_support import demo_app as make_app

from session_tui.demo import DemoService
from session_tui.ui.app import SessionTuiApp
from session_tui.ui.screens.help import HelpScreen, help_table
from session_tui.ui.widgets.alert_feed import AlertFeed, AlertList
from session_tui.ui.widgets.extra_panes import ExtraPanes

GERMAN_IP = "95.91.195.72"  # Germany, which the demo account already uses
WGET_UA = "Wget/1.21.4"  # an API client family the demo account never used


def messages(app: SessionTuiApp) -> list[str]:
    return [n.message for n in app.notices]


def header_text(app: SessionTuiApp) -> str:
    """What the header line says, as plain text."""
    return header_line(app, 200)


def feed(app: SessionTuiApp) -> AlertList:
    return app.main.query_one("#alerts", AlertFeed).list


def count_bells(app: SessionTuiApp) -> list[int]:
    rings: list[int] = []
    app.bell = lambda: rings.append(1)
    return rings


async def test_a_new_country_alerts_within_one_poll(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        rings = count_bells(app)
        await settle(pilot, app)
        assert app.main.header.unseen_alerts == 0  # the baseline poll is not a wave of alerts
        assert not any("Sign-in" in m or "sign-in" in m for m in messages(app))
        demo_service.clock.advance(minutes=2)
        sid = demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, app)

        alerts = [m for m in messages(app) if "New sign-in" in m]
        assert len(alerts) == 1 and "new country: Japan" in alerts[0]
        assert "new device" not in alerts[0]  # the account already uses curl
        assert rings == [1]
        assert app.main.header.unseen_alerts == 1
        assert "1 new alert" in header_text(app)

        await pilot.press("a")
        await until(pilot, lambda: feed(app).entries, "the feed to load")
        entry = feed(app).entries[0]
        assert entry.event.session_id == sid
        line = feed(app).lines()[0]
        assert "ALERT" in line and "new country: Japan" in line and "Japan" in line
        assert "NEW" in line and "still signed in" in line
        assert app.focused is feed(app)
        # Opening the feed marked it seen: the header's count is gone, and stays gone.
        await until(pilot, lambda: app.main.header.unseen_alerts == 0, "the count to clear")
        assert "new alert" not in header_text(app)

        # enter on the alert selects that session in the table.
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.table.selected_id == sid
        assert app.focused is app.main.table


async def test_a_new_device_family_alerts_and_a_known_one_is_info(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service, bell=False)
    async with app.run_test(size=SIZE) as pilot:
        rings = count_bells(app)
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        wget = demo_service.state.add_session(user_agent=WGET_UA, ip=GERMAN_IP)
        known = demo_service.state.add_session(user_agent=CURL_UA, ip=GERMAN_IP)
        await poll(pilot, app)

        alerts = [m for m in messages(app) if "New sign-in" in m]
        assert len(alerts) == 1
        assert "new device: API client" in alerts[0] and "new country" not in alerts[0]
        assert rings == []  # --no-bell
        assert app.main.header.unseen_alerts == 1

        await pilot.press("a")
        await until(pilot, lambda: len(feed(app).entries) == 2, "both sign-ins in the feed")
        by_id = {e.event.session_id: e for e in feed(app).entries}
        assert by_id[wget].event.is_alert and not by_id[known].event.is_alert
        lines = {
            e.event.session_id: line
            for e, line in zip(feed(app).entries, feed(app).lines(), strict=True)
        }
        assert "ALERT" in lines[wget] and "new device:" in lines[wget]
        assert "info" in lines[known] and "known device and place" in lines[known]


async def test_selecting_an_alert_whose_session_ended_says_so(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        sid = demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, app)
        demo_service.state.remove_session(sid)
        await poll(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: feed(app).entries, "the feed to load")
        assert feed(app).entries[0].event.session_id == sid
        assert "ended" in feed(app).lines()[0]
        await pilot.press("enter")
        await pilot.pause()
        assert any("That session has ended" in m for m in messages(app))
        assert app.main.table.selected_id != sid


async def test_on_alert_command_gets_the_event_json(
    demo_service: DemoService, tmp_path: Path
) -> None:
    out = tmp_path / "event.json"
    script = "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())"
    command = shlex.join([sys.executable, "-c", script, str(out)])
    app = make_app(demo_service, on_alert=command)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        sid = demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, app)
        await until(pilot, lambda: out.exists() and out.read_text(), "the command to run")
    event = json.loads(out.read_text())
    assert event["session_id"] == sid
    assert event["type"] == "sign-in" and event["severity"] == "alert"
    assert "new-country" in event["rules"]
    assert event["account"]
    assert demo_service.token not in out.read_text()


async def test_a_failing_on_alert_command_is_reported_not_fatal(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service, on_alert="echo 'pager is down' >&2; exit 3")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, app)
        await until(
            pilot,
            lambda: any("on-alert command failed (exit 3)" in m for m in messages(app)),
            "the failure notification",
        )
        assert any("pager is down" in m for m in messages(app))
        # Still polling, still showing.
        await poll(pilot, app)
        assert app.is_running


async def test_a_restart_does_not_call_known_sessions_new(demo_service: DemoService) -> None:
    first = make_app(demo_service)
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot, first)
        demo_service.clock.advance(minutes=1)
        sid = demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, first)
        assert first.main.header.unseen_alerts == 1  # not looked at before quitting

    demo_service.clock.advance(minutes=1)
    second = make_app(demo_service)
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot, second)
        assert not any("New sign-in" in m for m in messages(second))
        # The alert nobody looked at is still waiting, and only that one.
        await until(pilot, lambda: second.main.header.unseen_alerts == 1, "the stored count")
        await pilot.press("a")
        await until(pilot, lambda: feed(second).entries, "the feed")
        assert [e.event.session_id for e in feed(second).entries if e.event.is_alert] == [sid]
        # Tracking goes on: a new session after the restart is still a sign-in.
        demo_service.state.add_session(user_agent=WGET_UA, ip=GERMAN_IP)
        await poll(pilot, second)
        assert any("new device: API client" in m for m in messages(second))


async def test_keys_are_in_the_footer_and_the_help(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        shown = {active.binding.key for active in app.main.active_bindings.values()}
        assert {"h", "a"} <= shown
        panes = app.main.query_one("#extra", ExtraPanes)
        await pilot.press("a")
        await pilot.pause()
        assert panes.is_showing("alerts")
        await pilot.press("a")  # in the feed, `a` keeps the user there
        await pilot.pause()
        assert panes.is_showing("alerts")
        await pilot.press("escape")  # and escape goes back
        await pilot.pause()
        assert not panes.is_open("alerts")
        assert app.focused is app.main.table
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(help_table())
        text = console.export_text()
        assert "history of ended sessions" in text and "sign-in alert feed" in text


async def test_hostile_names_in_alerts_stay_literal(demo_service: DemoService) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        demo_service.state.add_session(
            user_agent="curl/8.5.0 \x1b[2J", ip=JAPAN_IP, device_name="[bold red]pwn[/]\nx"
        )
        await poll(pilot, app)
        [toast] = [n for n in app.notices if "New sign-in" in n.message]
        assert "[bold red]pwn[/]" in toast.message
        assert "\x1b" not in toast.message and "\n" not in toast.message
        await pilot.press("a")
        await until(pilot, lambda: feed(app).entries, "the feed")
        line = feed(app).lines()[0]
        assert "[bold red]pwn[/]" in line and "\x1b" not in line


async def test_on_a_narrow_screen_an_alert_leads_back_to_the_visible_table(
    demo_service: DemoService,
) -> None:
    """History opened first, then the alerts: enter must show the sessions, not the history."""
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=2)
        sid = demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        await poll(pilot, app)
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("a")
        await until(pilot, lambda: feed(app).entries, "the feed to load")
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.table.selected_id == sid
        assert app.main.table.display and app.main.table.region.height > 0
        assert app.focused is app.main.table
        # And escape on the front tab goes back to the sessions, not to the other pane.
        await pilot.press("h")
        await pilot.pause()
        assert app.main.table.region.height == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.table.region.height > 0


def _runs(log: Path) -> tuple[int, int, int]:
    """(started, ended, most at once) from the lines the `--on-alert` command appended."""
    started = ended = running = most = 0
    for line in log.read_text().splitlines() if log.exists() else []:
        if line.startswith("start"):
            started, running = started + 1, running + 1
            most = max(most, running)
        elif line.startswith("end"):
            ended, running = ended + 1, running - 1
    return started, ended, most


async def test_a_wave_of_alerts_runs_a_few_commands_at_a_time(
    demo_service: DemoService, tmp_path: Path
) -> None:
    """80 alerts in one poll: 4 commands at once, 50 waiting, and one word about the rest."""
    log = tmp_path / "runs.log"
    target = shlex.quote(str(log))
    command = f'cat >/dev/null; echo "start $$" >> {target}; sleep 0.2; echo "end $$" >> {target}'
    app = make_app(demo_service, on_alert=command)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        for n in range(80):
            demo_service.state.add_session(user_agent=f"{WGET_UA}.{n}", ip=JAPAN_IP)
        await poll(pilot, app)
        dropped = [m for m in messages(app) if "not passed to --on-alert" in m]
        assert dropped == ["26 alerts were not passed to --on-alert (too many at once)"]
        for _ in range(1000):  # 54 runs of 0.2 s, 4 at a time: wait for them by condition
            if _runs(log)[1] >= 54:
                break
            await pilot.pause(0.02)
        started, ended, most = _runs(log)
        assert (started, ended) == (54, 54)
        assert most <= 4
        assert not any("on-alert command" in m for m in messages(app))  # none failed


async def test_quitting_stops_the_running_on_alert_commands(
    demo_service: DemoService, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    command = f"cat >/dev/null; echo $$ >> {shlex.quote(str(pids))}; exec sleep 60"
    app = make_app(demo_service, on_alert=command)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_service.clock.advance(minutes=1)
        demo_service.state.add_session(user_agent=CURL_UA, ip=JAPAN_IP)
        demo_service.state.add_session(user_agent=WGET_UA, ip=JAPAN_IP)
        await poll(pilot, app)
        await until(
            pilot,
            lambda: pids.exists() and len(pids.read_text().split()) == 2,
            "both commands to start",
        )
    started = [int(pid) for pid in pids.read_text().split()]
    for _ in range(500):
        alive = [pid for pid in started if _alive(pid)]
        if not alive:
            break
        await asyncio.sleep(0.02)
    assert alive == [], "a command outlived the app"


def _alive(pid: int) -> bool:
    """Running or not yet reaped (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
