"""`session-tui watch`: poll until interrupted and print one line (or JSON object) per event.

Events are what the dashboard's history and alert feed see (sign-ins, with their alert rules;
sessions ending, with how; IP and place changes), plus the connection being lost and back. The
first poll of an account is its baseline, as in the dashboard: it prints nothing. Ctrl-C ends
it cleanly with exit code 0; each line is flushed at once, so `| jq` sees it as it happens.

`--on-alert COMMAND` runs COMMAND for each alert as the dashboard does (`tracking.hooks`: the
event as JSON on stdin, a few at a time, a bounded queue), so `watch` can page someone with no
terminal at all; a failing command is a line on stderr. On the way out, commands still running
get `DRAIN_S` seconds to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.commands.common import Run, command_parser, now, open_run, poll_once
from session_tui.console import json_text, say, show
from session_tui.engine.polling import PollKind
from session_tui.engine.state import AccountState
from session_tui.enrich.text import plain
from session_tui.options import Parser, number
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.events import Event
from session_tui.tracking.hooks import AlertCommands, HookResult

DRAIN_S = 5.0  # seconds commands still running get when watch ends


def parser() -> Parser:
    return command_parser(
        "watch",
        "Poll the account (or the watched accounts) until interrupted, printing each sign-in, "
        "ended session, alert and connection change as it happens.",
        [
            "session-tui watch",
            "session-tui watch --json | jq -c 'select(.severity == \"alert\")'",
            "session-tui watch --interval 30 --profile oncall",
            "session-tui watch --profile oncall --on-alert 'notify-send \"sign-in alert\"'",
        ],
    )


def main(argv: list[str], out: TextIO | None = None, *, polls: int | None = None) -> int:
    """`polls` stops after that many rounds (for tests); None watches until interrupted."""
    p = parser()
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--on-alert",
        metavar="COMMAND",
        help="run COMMAND for each alert, with the event as JSON on stdin (as the dashboard does)",
    )
    args = p.parse_args(argv)
    interval = number(args.interval, "--interval")
    run = open_run(args)
    try:
        interval = number(run.opened.interval, "--interval")
        return asyncio.run(
            _watch(run, out or sys.stdout, args.json, interval, polls, on_alert=args.on_alert)
        )
    except KeyboardInterrupt:
        return exit_codes.OK
    finally:
        run.close()


async def _watch(
    run: Run,
    out: TextIO,
    as_json: bool,
    interval: float,
    polls: int | None,
    *,
    on_alert: str | None = None,
) -> int:
    stop = asyncio.Event()
    commands = AlertCommands(on_alert, on_done=_hook_done) if on_alert else None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # Ctrl-C: finish cleanly, exit 0
    multi = len(run.accounts) > 1
    lost: dict[int, bool] = {}
    rounds = 0
    try:
        while not stop.is_set() and (polls is None or rounds < polls):
            rounds += 1
            for index, account in enumerate(run.accounts):
                if account.stopped or stop.is_set() or loop.time() < account.resume_at:
                    continue  # signed out, stopping, or backing off after failures
                report, events = await poll_once(run, account)
                if report.kind is PollKind.OK:
                    if lost.pop(index, False):
                        _emit(out, as_json, _connection(account, "connection-back", None))
                    for event in events:
                        _emit(out, as_json, _event(account, event, multi))
                    if commands is not None:
                        _pass_on(commands, account, [e for e in events if e.is_alert])
                elif not lost.get(index):
                    lost[index] = True
                    _emit(out, as_json, _connection(account, "connection-lost", report.message))
            if rounds == 1:
                names = ", ".join(a.name for a in run.accounts)
                say(f"watching {names} every {interval:g} s; Ctrl-C stops.")
            if all(a.stopped for a in run.accounts):
                return exit_codes.AUTH
            if polls is None or rounds < polls:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
    finally:
        if commands is not None:
            await commands.drain(DRAIN_S)
            await commands.aclose()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        for account in run.accounts:
            await account.provider.aclose()
    return exit_codes.OK


def _pass_on(commands: AlertCommands, account: AccountState, alerts: list[Event]) -> None:
    refused = commands.submit_all(e.to_json(account=account.provider.account) for e in alerts)
    if refused:
        say(f"{account.name}: {refused} alert(s) not passed to --on-alert (too many at once)")


def _hook_done(result: HookResult) -> None:
    if not result.ok:
        say(plain(result.message, 300))


def _event(account: AccountState, event: Event, multi: bool) -> dict[str, Any]:
    data = json.loads(event.to_json(account=account.provider.account))
    data["account"] = account.name
    data["text"] = (f"{account.name}: " if multi else "") + plain(event.summary, 400)
    return data


def _connection(account: AccountState, kind: str, message: str | None) -> dict[str, Any]:
    text = "connection lost" if kind == "connection-lost" else "connection back"
    if message:
        text += f": {plain(message, 300)}"
    return {
        "type": kind,
        "severity": "alert" if kind == "connection-lost" else "info",
        "at": rfc3339(now()),
        "account": account.name,
        "message": plain(message, 300) if message else None,
        "text": f"{account.name}: {text}",
    }


def _emit(out: TextIO, as_json: bool, data: dict[str, Any]) -> None:
    if as_json:
        line = json_text({k: v for k, v in data.items() if k != "text"}, indent=None)
    else:
        line = f"{data['at']}  {data['severity']:<5}  {data['text']}"
    show(line, out)
    out.flush()
