"""The UI end of tracking: feeds the `TrackingService` and shows what it says.

The bridge is a `SessionListener` (see `session_tui.ui.hooks`): after every successful poll it
hands the listing to the tracker, and after every revocation attempt it writes the audit line.
Both touch SQLite or a file, so they run in a worker on a thread (`asyncio.to_thread`), never on
the UI thread; an `asyncio.Lock` (which is first come, first served) keeps them in the order they
happened, so a revocation is recorded before the poll that no longer lists the session and that
poll calls the end "revoked here".

What comes back is shown on the UI thread: a notification per alert (and the bell unless
`--no-bell`), the `--on-alert` command per alert (fire and forget, a few at a time with a bounded
queue; a failure is a notification, and so is a wave too big to pass on whole),
the unseen count in the header, and fresh contents for whichever pane is open. Nothing here is
fatal: a broken history file or an unwritable audit log is reported and the dashboard goes on.

On quit, `aclose` stops the commands and closes the history files off the UI thread; once it
(or `close`) has run, jobs still queued do nothing and the service opens no file again.

Start-up: none of the tracking code (SQLite, the history and the rules) is needed for the first
painted table, so it is imported on the first job's thread, and that job waits until the app
has painted its first listing (`SessionTuiApp.painted`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from session_tui.engine.revocation import RevokeAttempt
from session_tui.enrich.text import plain
from session_tui.model import Capability, Session
from session_tui.providers.base import SessionProvider
from session_tui.ui.widgets.extra_panes import ExtraPanes, PaneName

if TYPE_CHECKING:
    from session_tui.engine.state import AccountState
    from session_tui.tracking.hooks import AlertCommands, HookResult
    from session_tui.tracking.service import PollResult, TrackingService
    from session_tui.ui.app import SessionTuiApp
    from session_tui.ui.widgets.alert_feed import FeedEntry

MERGE_EVERY = 300.0  # seconds between two reads of an API's own history

T = TypeVar("T")

HISTORY_LIMIT = 500
FEED_LIMIT = 200
MAX_ALERT_TOASTS = 3  # more alerts than this in one poll become one summary notification


class TrackingBridge:
    """Connects one running app to a `TrackingService` (one per app run)."""

    def __init__(self, app: SessionTuiApp, service: TrackingService | None = None) -> None:
        self.app = app
        self._service = service
        self._making = threading.Lock()  # the first job's thread and the UI may both ask
        self._lock = asyncio.Lock()
        self._merged: set[int] = set()  # providers whose API history was merged this run
        # When each provider's API history was last merged (monotonic): again every
        # MERGE_EVERY, so sign-ins that began and ended between two polls reach the history
        # and the alert feed while the app runs, not only when the history pane opens.
        self._merged_at: dict[int, float] = {}
        self._commands: AlertCommands | None = None  # made on the first alert, in the loop
        self._closed = False
        self._feed: list[FeedEntry] = []  # the feed as last read, before "still signed in"
        # The listing waiting to be recorded, per provider (id): never more than one.
        self._waiting: dict[int, tuple[SessionProvider, list[Session], datetime]] = {}
        # Pane loads asked for and not yet reading ("history", "feed"): one waiting load reads
        # the state as of its turn, which answers every request made meanwhile. On call a
        # thousand first listings each asked for both panes, and each load reads every account.
        self._due: set[str] = set()
        self._feed_mark_seen = False  # a waiting feed load is to mark what it shows as seen

    @property
    def service(self) -> TrackingService:
        """The tracking service, made (and its code imported) on first use."""
        with self._making:
            if self._service is None:
                from session_tui.tracking.service import TrackingService

                options = self.app.options
                self._service = TrackingService(
                    options.profile,
                    retention=options.retention,
                    clock=options.clock,
                    locator=self.app.geo,
                )
            return self._service

    # -- SessionListener --------------------------------------------------------------------

    def sessions_polled(
        self, provider: SessionProvider, sessions: list[Session], at: datetime
    ) -> None:
        # One job per account at a time, and at most one waiting: a poll that arrives while
        # the last is still being recorded replaces the one waiting (the newest listing says
        # everything the skipped one did about what is signed in now).
        key = id(provider)
        waiting = key in self._waiting
        self._waiting[key] = (provider, list(sessions), at)
        if not waiting:
            self._spawn(self._observe(key))
        if id(provider) not in self._merged:
            self._merged.add(id(provider))
            self._merged_at[key] = time.monotonic()
            self._spawn(self._first_listing(provider))
        elif (
            Capability.HISTORY in provider.capabilities
            and time.monotonic() - self._merged_at.get(key, 0.0) >= MERGE_EVERY
        ):
            self._merged_at[key] = time.monotonic()
            self._spawn(self._merge_api_history(provider))

    def revoke_attempted(self, attempt: RevokeAttempt) -> None:
        self._spawn(self._record(attempt))

    # -- what the panes ask for -------------------------------------------------------------

    def pane_shown(self, name: PaneName) -> None:
        """A pane was opened (or brought to the front): load it; opening the feed marks seen."""
        if name == "history":
            for account in self._polled():
                if Capability.HISTORY in account.provider.capabilities:
                    self._spawn(self._merge_api_history(account.provider, reload=False))
            self._spawn(self._load_history())
        else:
            self._spawn(self._load_feed(mark_seen=True))

    def pane_docked(self) -> None:
        """Both panes docked on a large terminal: load them; the alerts stay unseen until
        the user goes to the feed."""
        self._spawn(self._load_history())
        self._spawn(self._load_feed(mark_seen=False))

    def alert_chosen(self, entry: FeedEntry) -> bool:
        """Jump to the entry's session if it is still listed; True when the table has it."""
        if self.app.select_session(entry.provider, entry.event.session_id):
            return True
        account = self._account_of(entry.provider)
        if account is not None and entry.event.session_id in account.sessions:
            self.app.notify(
                "That session is still signed in but hidden by the filter; "
                "clear the filter (/ then escape) to see it.",
                severity="warning",
                markup=False,
            )
        else:
            self.app.notify(
                f"That session has ended: {plain(entry.event.device, 80)}.",
                title="Not signed in any more",
                markup=False,
            )
        return False

    async def aclose(self) -> None:
        """On quit, from the UI loop: stop the --on-alert commands, close the history files.

        The commands are killed and reaped before this returns. Closing a history file writes
        the last quiet poll and may wait for a tracking job still on its thread, so that part
        runs on a thread too; jobs queued behind it see `_closed` and do nothing.
        """
        self._closed = True
        if self._commands is not None:
            await self._commands.aclose()
        async with self._lock:  # let a job already on its thread finish first
            if self._service is not None:
                await asyncio.to_thread(self._service.close)

    def close(self) -> None:
        """`aclose` for callers outside a coroutine: blocks on the SQLite work; prefer `aclose`."""
        self._closed = True
        if self._commands is not None:
            self._commands.cancel()
        if self._service is not None:
            self._service.close()

    # -- workers ----------------------------------------------------------------------------

    def _spawn(self, job: Awaitable[None]) -> None:
        if self._closed:
            if asyncio.iscoroutine(job):
                job.close()
            return
        self.app.run_worker(job, group="tracking", exit_on_error=False)

    async def _off_thread(
        self,
        fn: Callable[[], T],
        *,
        after_close: bool = False,
        starting: Callable[[], None] | None = None,
    ) -> T:
        """Run SQLite or file work on a thread, one job at a time, in the order asked.

        Once closed, jobs still queued are refused (`TrackingClosed`), except `after_close`
        ones: the audit line of a revocation that did happen is written even while quitting.
        `starting` runs on the loop when the job's turn has come, just before it.
        """
        async with self._lock:
            if self._closed and not after_close:
                raise _closed()
            if starting is not None:
                starting()
            return await asyncio.to_thread(fn)

    def _trouble(self, what: str, exc: BaseException) -> None:
        from session_tui.tracking.service import TrackingClosed

        self.app.log.error(f"tracking: {what} failed: {exc!r}")
        if self._closed or isinstance(exc, TrackingClosed):
            return  # quitting: a job that lost the race with close has nothing to say
        self.app.notify(
            f"{what} failed: {plain(str(exc), 200) or type(exc).__name__}",
            title="Tracking",
            severity="error",
            timeout=8,
            markup=False,
        )

    def _record_poll(
        self, provider: SessionProvider, sessions: list[Session], at: datetime
    ) -> tuple[PollResult, int]:
        from session_tui.engine.recording import record_poll

        return record_poll(self.service, provider, sessions, at)

    async def _observe(self, key: int) -> None:
        await self.app.painted.wait()  # the first table first; the history can wait for it
        try:
            async with self._lock:  # taken on the loop, so the listing is the newest one
                provider, sessions, at = self._waiting.pop(key)
                if self._closed:
                    raise _closed()
                result, unseen = await asyncio.to_thread(self._record_poll, provider, sessions, at)
        except Exception as exc:
            self._trouble("Recording the session history", exc)
            return
        self._show_poll(provider, result, unseen)

    async def _first_listing(self, provider: SessionProvider) -> None:
        """An account's first listing: fold in the API's own history, then fill the panes
        already open (docked ones are from the start). Only now is the account's history file
        known: its name comes with the listing."""
        await self.app.painted.wait()
        if Capability.HISTORY in provider.capabilities:
            await self._merge_api_history(provider, reload=False)
        panes = self._panes()
        if panes is not None and panes.is_open("history"):
            await self._load_history()
        if panes is not None and panes.is_open("alerts"):
            await self._load_feed(mark_seen=panes.is_showing("alerts"))

    async def _merge_api_history(self, provider: SessionProvider, reload: bool = True) -> None:
        from session_tui.engine.recording import record_server_history  # not at start-up

        try:
            ended = await provider.history()
        except Exception as exc:  # the API's history is a bonus; say so quietly and go on
            self.app.log.warning(f"tracking: reading the API's history failed: {exc!r}")
            return
        try:
            changed = await self._off_thread(
                lambda: record_server_history(self.service, provider, ended)
            )
        except Exception as exc:
            self._trouble("Merging the server's session history", exc)
            return
        if changed and reload:
            await self._load_history()

    async def _record(self, attempt: RevokeAttempt) -> None:
        from session_tui.engine.recording import record_attempt
        from session_tui.tracking.audit import AuditError

        try:
            await self._off_thread(lambda: record_attempt(self.service, attempt), after_close=True)
        except AuditError as exc:
            self._trouble("Writing the audit log", exc)
        except Exception as exc:
            self._trouble("Recording the revocation", exc)
        await self._load_history()

    async def _load_history(self) -> None:
        panes = self._panes()
        if panes is None or not panes.is_open("history") or "history" in self._due:
            return  # closed, or a load already waits its turn: it will read this too
        from session_tui.ui.widgets.history_pane import AccountRow

        self._due.add("history")
        providers: list[tuple[SessionProvider, str]] = []

        def starting() -> None:  # its turn: from now on a request needs a load of its own
            self._due.discard("history")
            providers[:] = [(a.provider, a.name) for a in self._polled()]

        def work() -> list[AccountRow]:
            tracker_of = self.service.tracker
            rows = [
                AccountRow(name, row)
                for provider, name in providers
                for row in tracker_of(provider).history(HISTORY_LIMIT)
            ]
            rows.sort(key=lambda r: (r.row.ended.latest, r.row.row_id), reverse=True)
            return rows[:HISTORY_LIMIT]

        try:
            rows = await self._off_thread(work, starting=starting)
        except Exception as exc:
            self._due.discard("history")
            self._trouble("Reading the session history", exc)
            return
        panes = self._panes()
        if panes is not None:
            panes.history.show(rows, multi=len(self.app.accounts) > 1)

    async def _load_feed(self, *, mark_seen: bool) -> None:
        panes = self._panes()
        if panes is None or not panes.is_open("alerts"):
            return
        self._feed_mark_seen = self._feed_mark_seen or mark_seen
        if "feed" in self._due:
            return  # a load already waits its turn: it will read this too (and mark seen)
        from session_tui.tracking.events import EventKind
        from session_tui.ui.widgets.alert_feed import FeedEntry

        self._due.add("feed")
        providers: list[tuple[SessionProvider, str]] = []

        def starting() -> None:  # its turn: from now on a request needs a load of its own
            nonlocal mark_seen
            self._due.discard("feed")
            mark_seen, self._feed_mark_seen = self._feed_mark_seen, False
            providers[:] = [(a.provider, a.name) for a in self._polled()]

        def work() -> tuple[list[FeedEntry], int]:
            service = self.service
            entries: list[FeedEntry] = []
            for provider, name in providers:
                tracker = service.tracker(provider)
                events = tracker.events(FEED_LIMIT, kinds=[EventKind.SIGN_IN])
                entries += [
                    FeedEntry(provider, name, e, new=e.is_alert and not e.seen) for e in events
                ]
                if mark_seen:
                    ids = [e.event_id for e in events if e.event_id is not None]
                    service.mark_events_seen(provider, ids)
            entries.sort(key=lambda e: (e.event.at, e.event.event_id or 0), reverse=True)
            return entries[:FEED_LIMIT], service.unseen_alerts()

        try:
            entries, unseen = await self._off_thread(work, starting=starting)
        except Exception as exc:
            self._due.discard("feed")
            self._trouble("Reading the sign-in alerts", exc)
            return
        self.app.set_unseen_alerts(unseen)
        if mark_seen:
            for account in self.app.accounts:
                if account.unseen_alerts:
                    account.unseen_alerts = 0
                    self.app.main.account_changed(account)
        self._feed = entries
        self._render_feed()

    # -- on the UI thread -------------------------------------------------------------------

    def _render_feed(self) -> None:
        """Show the last loaded feed, with "still signed in" from the latest listings."""
        from session_tui.ui.widgets.alert_feed import FeedEntry

        panes = self._panes()
        if panes is None:
            return
        entries = []
        for entry in self._feed:
            account = self._account_of(entry.provider)
            active = account is not None and entry.event.session_id in account.sessions
            entries.append(FeedEntry(entry.provider, entry.account, entry.event, entry.new, active))
        panes.alerts.show(entries, multi=len(self.app.accounts) > 1)

    def _show_poll(self, provider: SessionProvider, result: PollResult, unseen: int) -> None:
        alerts = result.alerts
        account = self._account_of(provider)
        if account is not None and account.unseen_alerts != result.unseen_alerts:
            account.unseen_alerts = result.unseen_alerts  # the account list's marker
            self.app.main.account_changed(account)
        self.app.set_unseen_alerts(unseen)
        if alerts:
            self._announce(provider, result)
        panes = self._panes()
        if panes is None:
            return
        if result.events:
            from session_tui.tracking.events import EventKind

            if panes.is_open("history") and any(e.kind is EventKind.ENDED for e in result.events):
                self._spawn(self._load_history())
            if panes.is_open("alerts"):
                self._spawn(self._load_feed(mark_seen=panes.is_showing("alerts")))
        elif panes.is_open("alerts"):
            self._render_feed()  # "still signed in" may have changed

    def _announce(self, provider: SessionProvider, result: PollResult) -> None:
        alerts = result.alerts
        app = self.app
        account = provider.account or provider.kind
        prefix = f"{plain(account, 80)}: " if len(app.accounts) > 1 else ""
        if len(alerts) > MAX_ALERT_TOASTS:
            app.notify(
                f"{prefix}{len(alerts)} new sign-ins from devices or places never seen on this "
                "account. Press a to see them.",
                title="Sign-in alerts",
                severity="warning",
                timeout=15,
                markup=False,
            )
        else:
            for event in alerts:
                app.notify(
                    f"{prefix}{plain(event.summary, 300)}",
                    title="Sign-in alert",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
        if app.options.bell:
            app.bell()
        command = app.options.on_alert
        if command and not self._closed:
            if self._commands is None:
                from session_tui.tracking.hooks import AlertCommands

                self._commands = AlertCommands(command, on_done=self._hook_done)
            refused = self._commands.submit_all(e.to_json(account=provider.account) for e in alerts)
            if refused:
                app.notify(
                    f"{prefix}{refused} alert{' was' if refused == 1 else 's were'} not passed "
                    "to --on-alert (too many at once)",
                    title="--on-alert",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )

    def _hook_done(self, result: HookResult) -> None:
        if not result.ok and not self._closed:
            self.app.notify(
                plain(result.message, 300), title="--on-alert", severity="error", markup=False
            )

    def _panes(self) -> ExtraPanes | None:
        main = self.app.main
        if not main.is_mounted:
            return None
        found = main.query(ExtraPanes)
        return found.first() if found else None

    def _polled(self) -> list[AccountState]:
        """Accounts listed at least once: before that, whose history file it is is unknown."""
        return [a for a in self.app.accounts if a.polls]

    def _account_of(self, provider: SessionProvider) -> AccountState | None:
        for account in self.app.accounts:
            if account.provider is provider:
                return account
        return None


def _closed() -> Exception:
    from session_tui.tracking.service import TrackingClosed

    return TrackingClosed("tracking is closed")
