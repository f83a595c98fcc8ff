"""The one poll loop, for the dashboard and `session-tui watch` alike.

One task sleeps until the next account is due (or it is woken: ctrl+r, an account brought on
screen, a revocation that wants a fresh listing) and starts the due polls, a few at a time
(`schedule.due`). Polls never overlap for one account and a slow one is never cancelled: its
account just waits. The account on screen keeps the poll interval; the others (on call, and
every account of `watch` with several) wait the background interval. Each poll's outcome
becomes engine events; on call, a server that stops answering is one `ServerDown` however many
accounts live there, and one `ServerBack` when they all have answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from session_tui.engine import events as ev
from session_tui.engine import schedule
from session_tui.engine.polling import PollKind, PollReport, Prepare, poll
from session_tui.engine.state import AccountState
from session_tui.errors import ServerBusy, Unreachable
from session_tui.model import Session

log = logging.getLogger(__name__)


class Scheduler:
    """Polls the accounts on time; `listed` hears every successful listing."""

    def __init__(
        self,
        accounts: list[AccountState],
        emit: Callable[[ev.EngineEvent], None],
        *,
        interval: float,
        background_interval: float,
        clock: Callable[[], datetime],
        can_sign_in: Callable[[], bool],
        listed: Callable[[AccountState, list[Session], datetime], None] | None = None,
        prepare: Prepare | None = None,
    ) -> None:
        self.accounts = accounts
        self.interval = interval
        self.background_interval = background_interval
        self.focused: AccountState | None = None  # the account on screen, if any
        self._emit = emit
        self._clock = clock
        self._can_sign_in = can_sign_in
        self._listed = listed
        self._prepare = prepare
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._polls: set[asyncio.Task[PollReport]] = set()
        self._down: dict[str, set[int]] = {}  # server -> accounts that found it down

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling (in the running event loop); the first polls start at once."""
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop polling; polls in flight are cancelled (their accounts are closing)."""
        self._stopping = True
        self._wake.set()
        tasks: list[asyncio.Task[object]] = [
            t for t in (self._loop_task, *self._polls) if t is not None
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = None

    @property
    def running(self) -> bool:
        return self._loop_task is not None

    def pending(self) -> list[asyncio.Task[PollReport]]:
        """The polls running now."""
        return list(self._polls)

    @property
    def busy(self) -> bool:
        return bool(self._polls)

    def wake(self) -> None:
        self._wake.set()

    def every(self, account: AccountState) -> float:
        """How often this account is polled now."""
        if len(self.accounts) == 1 or account is self.focused:
            return self.interval
        return self.background_interval

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            for account in self.due(loop.time()):
                self.start_poll(account)
            # (asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the cancel of a
            # wait that finished at the same moment, and the loop would never end.)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._next_due(loop.time())):
                    await self._wake.wait()

    def due(self, now: float) -> list[AccountState]:
        return schedule.due(self.accounts, now, shown=self.focused)

    def _next_due(self, now: float) -> float:
        """Seconds until some account may be due (at least a tick, at most a minute)."""
        waits = [
            max(a.next_poll_at, a.resume_at) - now
            for a in self.accounts
            if not a.in_flight and not a.stopped
        ]
        return min(60.0, max(schedule.TICK, min(waits, default=60.0)))

    # -- one poll -------------------------------------------------------------------------

    def begin(self, account: AccountState) -> int:
        """Mark a poll of this account in flight; its number (see `polling.poll`)."""
        account.in_flight = True
        account.poll_started_at = self._clock()
        account.poll_seq += 1
        return account.poll_seq

    def start_poll(self, account: AccountState) -> None:
        loop = asyncio.get_running_loop()
        schedule.plan_next(account, loop.time(), every=self.every(account))
        task = loop.create_task(self.poll(account, self.begin(account)))
        self._polls.add(task)
        task.add_done_callback(self._polls.discard)

    async def poll(self, account: AccountState, seq: int, *, record: bool = True) -> PollReport:
        """One poll through `polling.poll`; what it reports becomes events. The account is
        marked in flight by the caller and cleared here. `record=False`: the caller records
        the listing itself (and waits for it)."""
        report = PollReport(PollKind.STALE)
        try:
            report = await poll(
                account,
                seq,
                now=self._clock,
                loop_time=asyncio.get_running_loop().time,
                can_sign_in=self._can_sign_in(),
                interval=self.interval,
                prepare=self._prepare,
                previewed=lambda previewed: self._emit(ev.AccountChanged(previewed)),
            )
            self._tell(account, report, record)
        finally:
            account.in_flight = False
            self._emit(ev.PollFinished(account, report))
            self.wake()  # its next time may be the soonest now
        return report

    def _tell(self, account: AccountState, report: PollReport, record: bool) -> None:
        if report.kind is PollKind.OK:
            self._server_answers(account)
            at = account.updated_at or self._clock()
            self._emit(ev.SessionsListed(account, report.sessions, at))
            if record and self._listed is not None:
                self._listed(account, report.sessions, at)
        elif report.kind is PollKind.SIGNED_OUT:
            if report.changed and account.error:
                self._emit(ev.ProblemFound(account, account.error))
            if self._can_sign_in():
                self._emit(ev.SignInNeeded(account))
        elif isinstance(report.error, Unreachable | ServerBusy) and len(self.accounts) > 1:
            self._server_down(account, report.message or "")
        elif report.changed and report.message:
            if report.bug is not None:
                log.error("poll of %s failed: %r", account.name, report.bug)
            self._emit(ev.ProblemFound(account, report.message))

    def _server_down(self, account: AccountState, message: str) -> None:
        server = account.provider.server
        down = self._down.setdefault(server, set())
        if not down:
            self._emit(ev.ServerDown(server, message))
        down.add(id(account))

    def _server_answers(self, account: AccountState) -> None:
        server = account.provider.server
        down = self._down.get(server)
        if down is None or id(account) not in down:
            return
        down.discard(id(account))
        if not down:
            del self._down[server]
            self._emit(ev.ServerBack(server))
