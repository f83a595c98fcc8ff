"""`--on-alert`: a real command gets the event JSON on stdin; failures are reported."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
from pathlib import Path

import pytest
from test_tracking_support import CURL, IP_BR, T0, session

from session_tui.tracking.events import AlertRule, Severity, SignIn, TimeRange
from session_tui.tracking.hooks import AlertCommands, HookResult, run_on_alert, start_on_alert

PY = shlex.quote(sys.executable)


def _alert_json() -> str:
    event = SignIn(
        session=session("NEW", CURL, IP_BR),
        at=T0,
        device="API client: curl 8.5",
        location="Brazil",
        severity=Severity.ALERT,
        signed_in=TimeRange.exact(T0),
        rules=(AlertRule.NEW_DEVICE,),
        reasons=("new device: API client · curl",),
    )
    return event.to_json("alice")


async def test_command_gets_the_event_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "event.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    result = await run_on_alert(f"{PY} -c {shlex.quote(script)}", _alert_json(), timeout=30)
    assert result.ok, result.message
    data = json.loads(out.read_text())
    assert data["type"] == "sign-in"
    assert data["severity"] == "alert"
    assert data["rules"] == ["new-device"]
    assert data["session_id"] == "NEW"
    assert data["account"] == "alice"
    assert data["at"] == "2025-03-01T12:00:00Z"


async def test_failing_command_is_reported(tmp_path: Path) -> None:
    script = "import sys; sys.stdin.read(); print('pager down', file=sys.stderr); sys.exit(3)"
    result = await run_on_alert(f"{PY} -c {shlex.quote(script)}", _alert_json(), timeout=30)
    assert not result.ok
    assert result.returncode == 3
    assert "pager down" in result.stderr_tail
    assert "exit 3" in result.message


async def test_missing_command_is_reported() -> None:
    result = await run_on_alert("/nonexistent/session-tui-pager", _alert_json(), timeout=30)
    assert not result.ok
    assert result.returncode == 127


async def test_slow_command_is_stopped_at_the_timeout() -> None:
    script = "import time; time.sleep(60)"
    result = await run_on_alert(f"{PY} -c {shlex.quote(script)}", "{}", timeout=0.5)
    assert result.timed_out and not result.ok
    assert "timed out" in result.message


async def test_start_returns_at_once_and_reports_later(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    script = (
        "import sys, time, pathlib; sys.stdin.read()\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.02)\n"
        "sys.exit(1)"
    )
    results: list[HookResult] = []
    task = start_on_alert(f"{PY} -c {shlex.quote(script)}", "{}", results.append, timeout=30)
    # The caller got control back while the command is still waiting for the gate (which
    # only this test opens, below).
    assert not task.done() and results == []
    gate.write_text("go")
    await task
    assert [r.returncode for r in results] == [1]


async def test_command_never_sees_our_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_TUI_TOKEN", "TOKEN-SHOULD-NOT-LEAK")
    monkeypatch.setenv("SESSION_TUI_PASSWORD", "PW-SHOULD-NOT-LEAK")
    monkeypatch.setenv("SESSION_TUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PAGER_ROUTE", "ops-team")
    out = tmp_path / "env.json"
    script = (
        "import json, os, sys; sys.stdin.read(); "
        f"open({str(out)!r}, 'w').write(json.dumps(dict(os.environ)))"
    )
    result = await run_on_alert(f"{PY} -c {shlex.quote(script)}", _alert_json(), timeout=30)
    assert result.ok, result.message
    text = out.read_text()
    assert "SHOULD-NOT-LEAK" not in text
    env = json.loads(text)
    assert not [name for name in env if name.startswith("SESSION_TUI_")]
    assert env["PAGER_ROUTE"] == "ops-team" and env["PATH"] == os.environ["PATH"]


async def test_alert_commands_run_a_few_at_once_and_refuse_beyond_the_queue(
    tmp_path: Path,
) -> None:
    gate, log = tmp_path / "gate", tmp_path / "log"
    script = (
        "import os, sys, time, pathlib; sys.stdin.read()\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "with log.open('a') as f: f.write('start\\n')\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.02)\n"
    )
    results: list[HookResult] = []
    commands = AlertCommands(f"{PY} -c {shlex.quote(script)}", results.append, limit=2, backlog=1)
    accepted = [commands.submit("{}") for _ in range(5)]
    assert accepted == [True, True, True, False, False]
    assert commands.pending == 3
    for _ in range(500):
        if log.exists() and log.read_text().count("start") >= 2:
            break
        await asyncio.sleep(0.02)
    # Both slots are taken by commands that have started; the third holds none: it waits.
    assert commands.running == 2 and commands.pending == 3
    assert log.read_text().count("start") == 2
    gate.write_text("go")
    for _ in range(500):
        if commands.pending == 0:
            break
        await asyncio.sleep(0.02)
    assert [r.ok for r in results] == [True, True, True]
    assert log.read_text().count("start") == 3
    assert commands.submit("{}")  # room again once the queue drained
    await commands.aclose()


async def test_closing_alert_commands_kills_and_reaps_them(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    command = f"cat >/dev/null; echo $$ >> {shlex.quote(str(pids))}; exec sleep 60"
    results: list[HookResult] = []
    commands = AlertCommands(command, results.append, limit=2, backlog=5)
    for _ in range(4):
        assert commands.submit("{}")
    for _ in range(500):
        if pids.exists() and len(pids.read_text().split()) == 2:
            break
        await asyncio.sleep(0.02)
    started = [int(p) for p in pids.read_text().split()]
    await commands.aclose()
    assert commands.pending == 0 and results == []  # cancelled runs report nothing
    for pid in started:
        with pytest.raises(ProcessLookupError):  # killed and reaped: not even a zombie
            os.kill(pid, 0)
    assert len(pids.read_text().split()) == 2  # the queued two never started
    assert not commands.submit("{}")  # closed for good
