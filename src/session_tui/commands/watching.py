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
import json
import signal
import sys
from collections import Counter
from typing import Any, TextIO

from session_tui import exit_codes
from session_tui.commands.common import Run, command_parser, now, open_run
from session_tui.console import json_text, say, show
from session_tui.engine import events as ev
from session_tui.engine.polling import PollKind
from session_tui.engine.state import AccountState
from session_tui.enrich.text import plain
from session_tui.options import Parser, number
from session_tui.tracking.codec import rfc3339
from session_tui.tracking.events import Event

DRAIN_S = 5.0  # seconds commands still running get when watch ends


def parser() -> Parser:
    p = command_parser(
        "watch",
        "Poll the account (or the watched accounts) until interrupted, printing each sign-in, "
        "ended session, alert and connection change as it happens. With several accounts it "
        "polls as the dashboard does on call: each every --background-interval, a few at once.",
        [
            "session-tui watch",
            "session-tui watch --json | jq -c 'select(.severity == \"alert\")'",
            "session-tui watch --interval 30 --profile oncall",
            "session-tui watch --profile oncall --on-alert 'notify-send \"sign-in alert\"'",
        ],
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--on-alert",
        metavar="COMMAND",
        help="run COMMAND for each alert, with the event as JSON on stdin (as the dashboard does)",
    )
    p.add_argument(
        "--background-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with several accounts, poll each this often (default 4 x --interval)",
    )
    return p


def main(argv: list[str], out: TextIO | None = None, *, polls: int | None = None) -> int:
    """`polls` stops after that many polls of every account (for tests); None watches until
    interrupted."""
    args = parser().parse_args(argv)
    if args.background_interval is not None:
        number(args.background_interval, "--background-interval")
    run = open_run(args, on_alert=args.on_alert, background_interval=args.background_interval)
    try:
        return asyncio.run(_watch(run, out or sys.stdout, args.json, polls))
    except KeyboardInterrupt:
        return exit_codes.OK
    finally:
        run.close()


class _Printer:
    """Turns the engine's events into lines (or JSON objects), and knows when to stop."""

    def __init__(self, run: Run, out: TextIO, as_json: bool, polls: int | None) -> None:
        self.run = run
        self.out = out
        self.as_json = as_json
        self.polls = polls
        self.stop = asyncio.Event()
        self.multi = len(run.accounts) > 1
        self.lost: set[int] = set()  # accounts (id) whose connection was said lost
        self.recorded: Counter[int] = Counter()  # polls of each account done and recorded
        self.started = False

    def __call__(self, event: ev.EngineEvent) -> None:
        if isinstance(event, ev.PollRecorded):
            for item in event.events:
                self._emit(_event(event.account, item, self.multi))
            self._done(event.account)
        elif isinstance(event, ev.PollFinished):
            self._finished(event.account, event.report.kind)
        elif isinstance(event, ev.ProblemFound):
            self._lost(event.account, event.message)
        elif isinstance(event, ev.ServerDown):
            self._emit(_server("server-down", event.server, event.message))
        elif isinstance(event, ev.ServerBack):
            self._emit(_server("server-back", event.server, None))
        elif isinstance(event, ev.AlertsDropped):
            say(f"{event.account.name}: {event.count} alert(s) not passed to --on-alert (too many)")
        elif isinstance(event, ev.HookFailed):
            say(event.message)
        elif isinstance(event, ev.TrackingFailed):
            say(f"{event.what} failed: {event.message}")

    def _finished(self, account: AccountState, kind: PollKind) -> None:
        if kind is PollKind.OK:
            if id(account) in self.lost:
                self.lost.discard(id(account))
                self._emit(_connection(account, "connection-back", None))
            return  # its recording says the rest (PollRecorded)
        self._done(account)  # a failure said itself (ProblemFound, ServerDown) once

    def _lost(self, account: AccountState, message: str) -> None:
        if id(account) not in self.lost:
            self.lost.add(id(account))
            self._emit(_connection(account, "connection-lost", message))

    def _done(self, account: AccountState) -> None:
        self.recorded[id(account)] += 1
        accounts = self.run.accounts
        if not self.started and all(self.recorded[id(a)] or a.stopped for a in accounts):
            self.started = True  # every account has its baseline: from now on it is news
            names = ", ".join(a.name for a in accounts)
            every = self.run.engine.scheduler.every(accounts[0])
            say(f"watching {names} every {every:g} s; Ctrl-C stops.")
        if all(a.stopped for a in accounts) or (
            self.polls is not None
            and all(self.recorded[id(a)] >= self.polls or a.stopped for a in accounts)
        ):
            self.stop.set()

    def _emit(self, data: dict[str, Any]) -> None:
        if self.as_json:
            line = json_text({k: v for k, v in data.items() if k != "text"}, indent=None)
        else:
            line = f"{data['at']}  {data['severity']:<5}  {data['text']}"
        show(line, self.out)
        self.out.flush()


async def _watch(run: Run, out: TextIO, as_json: bool, polls: int | None) -> int:
    engine = run.engine
    printer = _Printer(run, out, as_json, polls)
    engine.subscribe(printer)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, printer.stop.set)  # Ctrl-C: finish cleanly, exit 0
    try:
        engine.start()
        await printer.stop.wait()
        await engine.recorder.drain_alerts(DRAIN_S)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await engine.aclose()
    if all(a.stopped for a in run.accounts):
        return exit_codes.AUTH
    return exit_codes.OK


def _event(account: AccountState, event: Event, multi: bool) -> dict[str, Any]:
    data = json.loads(event.to_json(account=account.provider.account))
    data["account"] = account.name
    data["text"] = (f"{account.name}: " if multi else "") + plain(event.summary, 400)
    return data


def _connection(account: AccountState, kind: str, message: str | None) -> dict[str, Any]:
    lost = kind == "connection-lost"
    text = f"{account.name}: connection {'lost' if lost else 'back'}"
    return _status(kind, lost, text, message, account=account.name)


def _server(kind: str, server: str, message: str | None) -> dict[str, Any]:
    """On call, one line per outage of a server many watched accounts live on."""
    name = plain(server, 200)
    down = kind == "server-down"
    text = f"{name} is not answering" if down else f"{name} answers again"
    return _status(kind, down, text, message, server=name)


def _status(kind: str, bad: bool, text: str, message: str | None, **who: str) -> dict[str, Any]:
    """A connection line: an alert when something stopped answering, info when it is back."""
    said = plain(message, 300) if message else None
    return {
        "type": kind,
        "severity": "alert" if bad else "info",
        "at": rfc3339(now()),
        **who,
        "message": said,
        "text": f"{text}: {said}" if said else text,
    }
