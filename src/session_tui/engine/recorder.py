"""Each poll, revocation and rename written into the history and the audit trail, the server's
own history folded in, alerts passed to `--on-alert`, and the recorded history read back.

All of it touches the store (SQLite, PostgreSQL) or a file, so it runs on a thread, never on the
event loop; an `asyncio.Lock` (first come, first served) keeps the jobs in the order they were
asked, so a revocation is recorded before the poll that no longer lists the session, and that
poll calls the end "revoked here". One listing per account waits at most: a poll that arrives
while the last is still being recorded replaces the one waiting (the newest listing says
everything the skipped one did about what is signed in now). Reads asked for while one waits
its turn are answered by that one read (on call, a thousand first listings each ask).

What it finds it says as engine events (`engine.events`). Nothing here is fatal: a broken
store or an unwritable audit log is a `TrackingFailed` and the engine goes on. Once closed,
queued jobs do nothing, except an audit line still owed for a revocation that happened.

Start-up: none of the tracking code is needed for the dashboard's first painted table, so it
is imported on the first job's thread, and jobs wait for `ready` (set by the front end).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from session_tui.engine import events as ev
from session_tui.engine.records import FeedEntry, HistoryEntry, TrackingSettings
from session_tui.engine.revocation import RevokeAttempt
from session_tui.engine.state import AccountState
from session_tui.enrich.text import plain
from session_tui.model import Capability, Session

if TYPE_CHECKING:
    from session_tui.enrich.geo import GeoLocator
    from session_tui.enrich.networks import NetworkLookup
    from session_tui.tracking.events import Event
    from session_tui.tracking.hooks import AlertCommands, HookResult
    from session_tui.tracking.service import PollResult, TrackingService

log = logging.getLogger(__name__)

MERGE_EVERY = 300.0  # seconds between two reads of an API's own history
T = TypeVar("T")


class Recorder:
    """The history, the alerts and the audit trail of one engine's accounts."""

    def __init__(
        self,
        accounts: Sequence[AccountState],
        settings: TrackingSettings,
        emit: Callable[[ev.EngineEvent], None],
        locator: GeoLocator,
        *,
        networks: NetworkLookup | None = None,
        ready: bool = True,
    ) -> None:
        self.accounts = accounts
        self.settings = settings
        self._emit = emit
        self._locator = locator
        self._networks = networks
        self.ready = asyncio.Event()
        if ready:
            self.ready.set()
        self._service: TrackingService | None = None
        self._making = threading.Lock()  # the first job's thread and the loop may both ask
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._merged_at: dict[int, float] = {}  # account (id) -> when its API history was read
        self._waiting: dict[int, tuple[AccountState, list[Session], datetime]] = {}
        self._reads: dict[str, asyncio.Future[object]] = {}  # reads waiting for their turn
        self._mark_seen = False  # the waiting feed read is to mark what it reads as seen
        self._commands: AlertCommands | None = None
        self._closed = False

    @property
    def service(self) -> TrackingService:
        """The tracking service, made (and its code imported) on first use."""
        with self._making:
            if self._service is None:
                from session_tui.engine.recording import open_service

                self._service = open_service(self.settings, self._locator, self._networks)
            return self._service

    @property
    def idle(self) -> bool:
        """No job running or waiting (tests and `watch` wait for this)."""
        return not self._tasks

    def pending(self) -> list[asyncio.Task[None]]:
        """The jobs running or waiting now."""
        return list(self._tasks)

    # -- what the engine hands in -----------------------------------------------------------

    def listed(self, account: AccountState, sessions: list[Session], at: datetime) -> None:
        """A successful poll: record it (soon, in order); read the API's own history on the
        account's first listing and every `MERGE_EVERY` after."""
        if account.follow is not None:  # a colleague's listing: they recorded it (engine.team)
            return
        key = id(account)
        waiting = key in self._waiting
        self._waiting[key] = (account, list(sessions), at)
        if not waiting:
            self._spawn(self._observe(key))
        if key not in self._merged_at:
            self._merged_at[key] = time.monotonic()
            self._spawn(self._first_listing(account))
        elif (
            account.can(Capability.HISTORY)
            and time.monotonic() - self._merged_at[key] >= MERGE_EVERY
        ):
            self._merged_at[key] = time.monotonic()
            self._spawn(self._merge_quietly(account))

    async def record_listing(
        self, account: AccountState, sessions: list[Session], at: datetime
    ) -> list[Event]:
        """Record a listing now and return its events (the command line's polls)."""
        from session_tui.engine.recording import record_poll

        result, unseen = await self.off_thread(
            lambda: record_poll(self.service, account.provider, sessions, at)
        )
        if account.note_risks(result.risks):
            self._emit(ev.AccountChanged(account))
        self._after_poll(account, result.events, unseen, result.unseen_alerts)
        return result.events

    async def record_attempt(self, attempt: RevokeAttempt) -> None:
        from session_tui.engine.recording import record_attempt
        from session_tui.tracking.audit import AuditError

        try:
            await self.off_thread(lambda: record_attempt(self.service, attempt), after_close=True)
        except AuditError as exc:
            self._trouble("Writing the audit log", exc)
        except Exception as exc:
            self._trouble("Recording the revocation", exc)
        self._emit(ev.HistoryChanged())

    async def trust(self, account: AccountState, sessions: list[Session], *, undo: bool) -> None:
        """ "This was me" (or its undoing) into the history and the audit trail; the account's
        risks as judged after it. Raises what recording raised (the caller says it failed)."""
        from session_tui.engine.recording import record_trust

        provider, listed = account.provider, list(account.sessions.values())
        risks = await self.off_thread(
            lambda: record_trust(self.service, provider, sessions, listed, undo=undo)
        )
        if account.provider is provider:
            account.note_risks(risks)
        self._emit(ev.HistoryChanged())

    async def record_rename(
        self,
        account: AccountState,
        session_id: str,
        name: str,
        error: str | None,
        at: datetime,
    ) -> None:
        """A rename (done or failed) into the audit trail."""
        from session_tui.engine.recording import record_rename

        provider = account.provider
        session = account.sessions.get(session_id)
        try:
            await self.off_thread(
                lambda: record_rename(self.service, provider, session_id, session, name, error, at),
                after_close=True,
            )
        except Exception as exc:
            self._trouble("Writing the audit log", exc)

    async def _first_listing(self, account: AccountState) -> None:
        """An account's first listing: fold in the API's own history; then whatever shows
        the history reads it (only now is the account's history file known)."""
        await self.merge_history(account, announce=False)
        self._emit(ev.HistoryChanged())

    async def _merge_quietly(self, account: AccountState) -> None:
        await self.merge_history(account)

    async def merge_history(self, account: AccountState, *, announce: bool = True) -> int:
        """The API's own ended sessions, folded into the account's history; how many rows it
        added or corrected (0 when the API has none or could not be read)."""
        await self.ready.wait()
        from session_tui.engine.recording import record_server_history  # not at start-up

        provider = account.provider
        if not account.can(Capability.HISTORY):
            return 0
        try:
            ended = await provider.history()
        except Exception as exc:  # the API's history is a bonus: say so quietly and go on
            log.warning("reading the API's history of %s failed: %r", account.name, exc)
            return 0
        try:
            changed = await self.off_thread(
                lambda: record_server_history(self.service, provider, ended)
            )
        except Exception as exc:
            self._trouble("Merging the server's session history", exc)
            return 0
        if changed and announce:
            self._emit(ev.HistoryChanged())
        return changed

    # -- reading back -----------------------------------------------------------------------

    async def history(self, limit: int) -> list[HistoryEntry]:
        """The newest `limit` ended sessions over every account listed so far."""

        def work(accounts: list[AccountState]) -> list[HistoryEntry]:
            tracker_of = self.service.tracker
            rows = [
                HistoryEntry(account, row)
                for account in accounts
                for row in tracker_of(account.provider).history(limit)
            ]
            rows.sort(key=lambda e: (e.row.ended.latest, e.row.row_id), reverse=True)
            return rows[:limit]

        rows = await self._read("history", work)
        return rows  # type: ignore[return-value]  # what "history" reads: `work` above

    async def feed(self, limit: int, *, mark_seen: bool) -> tuple[list[FeedEntry], int]:
        """The newest `limit` sign-ins over every account, and the unseen alerts left;
        `mark_seen` marks what it returns as seen."""
        self._mark_seen = self._mark_seen or mark_seen
        marking: list[bool] = []

        def turn() -> None:  # on the loop, when the read's turn comes
            marking.append(self._mark_seen)
            self._mark_seen = False

        def work(accounts: list[AccountState]) -> tuple[list[FeedEntry], int]:
            from session_tui.tracking.events import EventKind

            seen = any(marking)
            service = self.service
            entries: list[FeedEntry] = []
            for account in accounts:
                provider = account.provider
                found = service.tracker(provider).events(limit, kinds=[EventKind.SIGN_IN])
                entries += [FeedEntry(account, e, e.is_alert and not e.seen) for e in found]
                if seen:
                    ids = [e.event_id for e in found if e.event_id is not None]
                    service.mark_events_seen(provider, ids)
            entries.sort(key=lambda e: (e.event.at, e.event.event_id or 0), reverse=True)
            return entries[:limit], service.unseen_alerts()

        feed = await self._read("feed", work, turn)
        return feed  # type: ignore[return-value]  # what "feed" reads: `work` above

    async def _read(
        self,
        name: str,
        work: Callable[[list[AccountState]], T],
        turn: Callable[[], None] | None = None,
    ) -> object:
        """One read per kind waiting at a time: callers meanwhile share its answer."""
        waiting = self._reads.get(name)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._reads[name] = future
        accounts: list[AccountState] = []

        def starting() -> None:  # its turn: a request from now on needs a read of its own
            self._reads.pop(name, None)
            accounts[:] = [a for a in self.accounts if a.polls or a.provider.account]
            if turn is not None:
                turn()

        try:
            result: object = await self.off_thread(lambda: work(accounts), starting=starting)
        except BaseException as exc:
            if self._reads.get(name) is future:
                del self._reads[name]
            future.set_exception(exc)
            future.exception()  # retrieved here: callers who shared it re-raise it themselves
            raise
        future.set_result(result)
        return result

    # -- closing ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop the --on-alert commands, then close the history files (on a thread)."""
        self._closed = True
        if self._commands is not None:
            await self._commands.aclose()
        async with self._lock:  # let a job already on its thread finish first
            if self._service is not None:
                await asyncio.to_thread(self._service.close)

    async def drain_alerts(self, seconds: float) -> None:
        """Give the `--on-alert` commands still running up to `seconds` to finish."""
        if self._commands is not None:
            await self._commands.drain(seconds)

    # -- jobs -------------------------------------------------------------------------------

    def _spawn(self, job: Awaitable[None]) -> None:
        if self._closed:
            if asyncio.iscoroutine(job):
                job.close()
            return
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def off_thread(
        self,
        fn: Callable[[], T],
        *,
        after_close: bool = False,
        starting: Callable[[], None] | None = None,
    ) -> T:
        """Run SQLite or file work on a thread, one job at a time, in the order asked."""
        async with self._lock:
            if self._closed and not after_close:
                raise _closed()
            if starting is not None:
                starting()
            return await asyncio.to_thread(fn)

    def _trouble(self, what: str, exc: BaseException) -> None:
        from session_tui.tracking.service import TrackingClosed

        if self._closed or isinstance(exc, TrackingClosed):
            return  # quitting: a job that lost the race with close has nothing to say
        log.error("tracking: %s failed: %r", what, exc)
        self._emit(ev.TrackingFailed(what, plain(str(exc), 200) or type(exc).__name__))

    async def _observe(self, key: int) -> None:
        await self.ready.wait()  # the first table first; the history can wait for it
        try:
            async with self._lock:  # taken on the loop, so the listing is the newest one
                account, sessions, at = self._waiting.pop(key)
                if self._closed:
                    raise _closed()
                provider = account.provider

                def record() -> tuple[PollResult, int]:
                    # Imported and opened here, on the thread: ~15 ms of the loop's time
                    # otherwise, at start-up, before the first table was painted.
                    from session_tui.engine.recording import record_poll

                    return record_poll(self.service, provider, sessions, at)

                result, unseen = await asyncio.to_thread(record)
        except Exception as exc:
            self._trouble("Recording the session history", exc)
            return
        if account.provider is provider and account.note_risks(result.risks):
            self._emit(ev.AccountChanged(account))  # not an account signed in again meanwhile
        self._after_poll(account, result.events, unseen, result.unseen_alerts)

    def _after_poll(
        self, account: AccountState, events: list[Event], unseen: int, account_unseen: int
    ) -> None:
        self._emit(ev.PollRecorded(account, events, unseen, account_unseen))
        alerts = [e for e in events if e.is_alert]
        if not alerts:
            return
        command = self.settings.on_alert
        if command and not self._closed:
            if self._commands is None:
                from session_tui.tracking.hooks import AlertCommands

                self._commands = AlertCommands(command, on_done=self._hook_done)
            who = account.provider.account
            refused = self._commands.submit_all(e.to_json(account=who) for e in alerts)
            if refused:
                self._emit(ev.AlertsDropped(account, refused))
        self._emit(ev.AlertsRaised(account, alerts))

    def _hook_done(self, result: HookResult) -> None:
        if not result.ok and not self._closed:
            self._emit(ev.HookFailed(plain(result.message, 300)))


def _closed() -> Exception:
    from session_tui.tracking.service import TrackingClosed

    return TrackingClosed("tracking is closed")
