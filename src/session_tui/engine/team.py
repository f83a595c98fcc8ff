"""On call with a shared store: one poller per account across the team, and colleagues' writes
heard at once. Nothing here runs without a shared store, or for an account that is not on call.

Every half interval `Team` runs a lease cycle (`tracking.leases`) on a thread and applies it:
an account this instance holds is polled as always; one a colleague holds is *followed*: its
polls read what the colleague recorded (`AccountState.follow`), its header says who polls it
("polled by bob@ops-2") and its age is the colleague's last listing, never this instance's
clock. When the colleague stops or hangs, its lease runs out and this instance (or another)
takes the account over within two intervals.

Only on-call accounts are shared, and each instance lists every account once itself before it
follows a colleague: that first listing is how its provider knows which session, if any, is its
own (an operator watching their own account), and a followed listing marks that one as "This
device" and no other, whatever the colleague's listing said. The current session stays
impossible to revoke, on every instance.

A notice from a colleague (a poll recorded, a revocation, an acknowledgement) refreshes the
followed account at once, and the history, the feed and the alert counts of any account. One
about an account this instance polls has it listed at once: a colleague revoked there, so the
session's end is recorded now and reaches every screen (the revoker's too) within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING

from session_tui.engine import events as ev
from session_tui.engine.state import AccountState
from session_tui.errors import ProviderError
from session_tui.model import Capability, Session

if TYPE_CHECKING:
    from session_tui.engine.recorder import Recorder
    from session_tui.tracking.leases import Holder, LeaseBook
    from session_tui.tracking.listen import Listener

log = logging.getLogger(__name__)


def shared_on_call(account: AccountState) -> bool:
    """An account a team may share: one watched on call (an admin API)."""
    return Capability.FORCE_SIGN_OUT in account.provider.capabilities


class Team:
    """This instance's part in polling a team's accounts (see the module doc)."""

    def __init__(
        self,
        accounts: list[AccountState],
        recorder: Recorder,
        emit: Callable[[ev.EngineEvent], None],
        *,
        interval: float,
        poll_soon: Callable[[AccountState], None],
    ) -> None:
        self.accounts = [a for a in accounts if shared_on_call(a)]
        self.recorder = recorder
        self.interval = interval
        self.instance = uuid.uuid4().hex
        self._emit = emit
        self._poll_soon = poll_soon
        self._book: LeaseBook | None = None
        self._listener: Listener | None = None
        self._keys: dict[str, AccountState] = {}
        self._polled: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Future[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = contextvars.copy_context()

    async def start(self) -> None:
        """Join the team when the store is shared (the first lease cycle runs before this
        returns); the accounts' first listings are this instance's own (see the module doc)."""
        if not self.accounts:
            return
        service = self.recorder.service
        if not service.shared:
            return
        from session_tui.tracking.leases import LeaseBook
        from session_tui.tracking.listen import Listener
        from session_tui.tracking.postgres import PostgresDatabase

        database = await asyncio.to_thread(service.database)
        if not isinstance(database, PostgresDatabase):
            return
        self._loop = asyncio.get_running_loop()
        # What the listener's notices run in: the engine's own context (a front end's, such as
        # the running Textual app, which its widgets look up), not the listener thread's.
        self._context = contextvars.copy_context()
        self._book = LeaseBook(database, self.instance, service.operator)
        self._listener = Listener(database.url, self._heard, lambda: database.raw.info.backend_pid)
        self._listener.start()
        await self._cycle()
        self._task = asyncio.create_task(self._run())

    def handle(self, event: ev.EngineEvent) -> None:
        """The engine's events: a listing of ours goes into the lease ("last polled"); one
        read from a colleague's record gets its risks from the store."""
        if self._book is None or not isinstance(event, ev.SessionsListed):
            return
        account = event.account
        if account.follow is None:
            self._polled.update(k for k, held in self._keys.items() if held is account)
        else:
            self._spawn(self._judge(account, event.sessions))

    async def _judge(self, account: AccountState, sessions: list[Session]) -> None:
        """A followed listing's risks, as the history judged them (the tracker keeps them
        while the listing's sessions stay the same: most follow-polls read nothing more)."""
        from session_tui.tracking.service import risky

        service = self.recorder.service
        try:
            risks = await asyncio.to_thread(
                lambda: risky(service.tracker(account.provider).risks(sessions))
            )
        except Exception as exc:
            self._emit(ev.TrackingFailed("Reading the shared store", str(exc)[:200]))
            return
        if account.note_risks(risks):
            self._emit(ev.AccountChanged(account))

    async def _recount(self, account: AccountState) -> None:
        """A colleague wrote the account's rows (their poll's alerts, an acknowledgement): its
        unseen alerts read again, for the header and the account list."""
        service = self.recorder.service
        try:
            account_unseen, unseen = await asyncio.to_thread(
                lambda: service.note_unseen(service.tracker(account.provider))
            )
        except Exception as exc:
            self._emit(ev.TrackingFailed("Reading the shared store", str(exc)[:200]))
            return
        self._emit(ev.PollRecorded(account, [], unseen, account_unseen))

    def _spawn(self, job: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def abandon(self) -> None:
        """Stop taking part without a word, as a crash or a hang would: colleagues take the
        accounts over when the leases run out (what `stop` spares them)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for job in list(self._jobs):
            job.cancel()
        if self._listener is not None:
            await asyncio.to_thread(self._listener.stop)
            self._listener = None

    async def stop(self) -> None:
        """Quitting: hand this instance's accounts to colleagues at once."""
        await self.abandon()
        if self._book is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._book.leave)
            self._book = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval / 2)
            try:
                await self._cycle()
            except Exception as exc:  # the store is away: polls go on as they were
                log.warning("lease cycle failed: %s", exc)

    async def _cycle(self) -> None:
        book = self._book
        if book is None:
            return
        # Keyed as the history keys them, once listed: a provider may learn the account's
        # proper name from its first listing ("sam" is "sam@example.com").
        service = self.recorder.service
        before, self._keys = (
            self._keys,
            {service.key_of(a.provider): a for a in self.accounts if a.polls},
        )
        for key in self._keys.keys() - before.keys():  # notices before this were not heard
            self._spawn(self._recount(self._keys[key]))
        polled, self._polled = self._polled, set()
        holders = await asyncio.to_thread(book.cycle, list(self._keys), self.interval, polled)
        for key, account in self._keys.items():
            self._apply(account, holders.get(key))

    def _apply(self, account: AccountState, holder: Holder | None) -> None:
        following = holder is not None and not holder.mine
        before = (account.follow is not None, account.polled_by, account.followed_at)
        if following and holder is not None:
            account.polled_by = holder.operator
            account.followed_at = holder.polled_at
            if account.follow is None:
                account.follow = self._follower(account)
        else:  # ours ("" : polled here), or nobody's yet (polled here until a cycle says)
            account.follow = None
            account.followed_at = None
            account.polled_by = "" if holder is not None else None
        if before != (account.follow is not None, account.polled_by, account.followed_at):
            self._emit(ev.AccountChanged(account))
            if before[0] != following:
                self._poll_soon(account)  # taken over, or handed over: list it now

    def _follower(self, account: AccountState) -> Callable[[], Awaitable[list[Session]]]:
        service = self.recorder.service

        async def read() -> list[Session]:
            provider = account.provider
            try:
                stored = await asyncio.to_thread(service.stored_sessions, provider)
            except Exception as exc:
                raise ProviderError(f"The shared store could not be read: {exc}") from None
            ours = getattr(provider, "current_id", None)  # from this instance's own listing
            return [
                s if s.is_current == (s.id == ours) else replace(s, is_current=s.id == ours)
                for s in stored
            ]

        return read

    def _heard(self, keys: set[str]) -> None:
        """On the listener's thread: colleagues wrote these accounts' rows."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._refresh, keys, context=self._context)

    def _refresh(self, keys: set[str]) -> None:
        everything = "" in keys
        for key, account in self._keys.items():
            if everything or key in keys:  # a colleague's poll, alert or acknowledgement
                # Followed: read what they wrote. Ours, and a colleague wrote it (a revocation,
                # say): list it now, so every screen sees the session go within a second.
                if account.follow is not None or key in keys:
                    self._poll_soon(account)
                self._spawn(self._recount(account))
        self._emit(ev.HistoryChanged())
