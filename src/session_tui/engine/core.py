"""The engine: every account, polled, recorded, revoked, renamed and signed in again, here once.

Both front ends hold one `Engine` and do nothing a provider would notice themselves: the
dashboard (`session_tui.ui`) calls its methods from keys and renders its events; the command
line (`session_tui.commands`) calls the same methods from flags and prints the same events.

    engine = Engine(providers, EngineOptions(interval=5))
    engine.subscribe(print)          # every `engine.events` event, on the event loop
    engine.start()                   # the poll loop (engine.scheduler), in the running loop
    attempt = await engine.revoke(account, RevokeKind.ONE, [session], password=None)
    await engine.aclose()

No Textual and no rich in here (a test over the import graph says so).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from session_tui.engine import device_memory
from session_tui.engine import events as ev
from session_tui.engine.polling import PollKind, PollReport, mark_signed_out, set_error
from session_tui.engine.recorder import Recorder
from session_tui.engine.records import FeedEntry, HistoryEntry, TrackingSettings
from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome, revoke
from session_tui.engine.scheduler import Scheduler
from session_tui.engine.state import AccountState, Connection
from session_tui.engine.team import Team
from session_tui.enrich import Enricher, GeoLocator
from session_tui.enrich.networks import NetworkLookup
from session_tui.errors import AuthExpired, ProviderError
from session_tui.model import Session
from session_tui.providers.base import SessionProvider

if TYPE_CHECKING:
    from session_tui.tracking.acks import AckResult
    from session_tui.tracking.events import Event  # not at start-up: the history waits

log = logging.getLogger(__name__)

Reconnect = Callable[[SessionProvider, str], Awaitable[SessionProvider]]

# Outcomes after which the listing is brought up to date at once (for UNKNOWN and PARTIAL the
# next listing is what decides which sessions really ended).
_POLL_AFTER = frozenset(
    {RevokeOutcome.DONE, RevokeOutcome.ALREADY_GONE, RevokeOutcome.PARTIAL, RevokeOutcome.UNKNOWN}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EngineOptions:
    """How the engine polls and records; the CLI fills it from flags and the profile."""

    interval: float = 5.0  # seconds between polls of the account on screen
    background_interval: float | None = None  # the others (on call): default 4 x interval
    profile: str = "demo"
    retention: timedelta = timedelta(days=90)  # history and sign-ins kept this long
    on_alert: str | None = None  # a command run for each alert, the event as JSON on stdin
    city_db: Path | None = None  # a MaxMind-format City database, for city names
    asn_db: Path | None = None  # a MaxMind-format ASN database, for networks
    operator: str | None = None  # `operator = "…"` in the config; else the OS user and host
    store: str | None = None  # --store: a SQLite file or postgresql://… (None: the profile's)
    clock: Callable[[], datetime] = utc_now  # tests freeze it
    hold_tracking: bool = False  # the history waits for `release_tracking()` (first paint)


class Engine:
    """The accounts of one run and everything done to them."""

    def __init__(
        self,
        providers: Sequence[SessionProvider],
        options: EngineOptions | None = None,
        *,
        reconnect: Reconnect | None = None,
    ) -> None:
        if not providers:
            raise ValueError("session-tui needs at least one provider")
        self.options = options = options or EngineOptions()
        self.accounts = [AccountState(provider) for provider in providers]
        self.reconnect = reconnect
        self.geo = GeoLocator(options.city_db)
        self.networks = NetworkLookup(options.asn_db)
        self.enricher = Enricher(self.geo)
        device_memory.prepare()
        self._subscribers: list[ev.Subscriber] = []
        settings = TrackingSettings(
            options.profile,
            options.retention,
            options.clock,
            options.on_alert,
            options.operator,
            options.store,
        )
        self.recorder = Recorder(
            self.accounts,
            settings,
            self.emit,
            self.geo,
            networks=self.networks,
            ready=not options.hold_tracking,
        )
        self.scheduler = Scheduler(
            self.accounts,
            self.emit,
            interval=options.interval,
            background_interval=options.background_interval or 4 * options.interval,
            clock=options.clock,
            can_sign_in=lambda: self.reconnect is not None,
            listed=self.recorder.listed,
            prepare=self.enricher.warm,
        )
        self.team = Team(
            self.accounts,
            self.recorder,
            self.emit,
            interval=options.background_interval or 4 * options.interval,
            poll_soon=self.poll_now,
        )
        self.subscribe(self.team.handle)
        self._signing_in: set[int] = set()  # accounts (id) signing in again now
        self._jobs: set[asyncio.Task[None]] = set()

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, subscriber: ev.Subscriber) -> Callable[[], None]:
        """Hear every event from now on; returns the way to stop hearing them."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def emit(self, event: ev.EngineEvent) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception as exc:  # a front end's bug must not stop the engine
                log.exception("subscriber %r failed on %r", subscriber, type(event).__name__)
                if not isinstance(event, ev.SubscriberFailed):
                    self.emit(ev.SubscriberFailed(f"{type(exc).__name__}: {exc}"))

    # -- polling ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.options.clock()

    @property
    def interval(self) -> float:
        return self.scheduler.interval

    @property
    def background_interval(self) -> float:
        return self.scheduler.background_interval

    def start(self) -> None:
        """Start polling every account (needs a running event loop); on call with a shared
        store, join the team that shares the polls (`engine.team`)."""
        self.scheduler.start()
        if self.options.store and self.team.accounts:  # tracking's code: not before it is needed
            from session_tui.tracking.backend import StoreSpec

            if StoreSpec.parse(self.options.store).shared:
                self._spawn(self._join_team())

    async def _join_team(self) -> None:
        try:
            await self.team.start()
        except Exception as exc:  # the store is away: every account is polled here, as alone
            self.emit(ev.TrackingFailed("Joining the team's store", str(exc)[:200]))

    def release_tracking(self) -> None:
        """The front end has shown its first listing: the history may start its work."""
        self.recorder.ready.set()

    def focus(self, account: AccountState | None) -> None:
        """The account on screen polls at the interval, the others at the background one;
        one brought on screen is due as soon as its last poll is an interval old."""
        self.scheduler.focused = account
        if account is not None:
            account.next_poll_at = min(account.next_poll_at, account.last_poll_at + self.interval)
            self.scheduler.wake()

    def poll_now(self, account: AccountState) -> None:
        """Poll this account now unless it is polling already or stopped (or nothing is
        polling: a command that polls once lists again itself when it wants to)."""
        if self.scheduler.running and not account.in_flight and not account.stopped:
            self.scheduler.start_poll(account)

    def refresh(self) -> list[str]:
        """Poll every account now (ctrl+r); what cannot be polled now, in words. A signed-out
        account that can sign in again asks to (`SignInNeeded`)."""
        notices = []
        loop_now = asyncio.get_running_loop().time()
        for account in self.accounts:
            if account.stopped:
                if account.connection is Connection.SIGNED_OUT and self.reconnect is not None:
                    self.emit(ev.SignInNeeded(account))
                continue
            if loop_now < account.resume_at and account.connection is Connection.RATE_LIMITED:
                # The server asked us to wait; a failing one is simply tried again now.
                wait = int(account.resume_at - loop_now) + 1
                notices.append(f"{account.name}: rate limited; retrying in {wait} s.")
                continue
            self.poll_now(account)
        return notices

    async def poll_once(self, account: AccountState) -> tuple[PollReport, list[Event]]:
        """One poll, waited for, recorded in the history as the loop records it: the report
        and the events the history saw (none for the first, the baseline)."""
        seq = self.scheduler.begin(account)
        report = await self.scheduler.poll(account, seq, record=False)
        if report.kind is not PollKind.OK:
            return report, []
        at = account.updated_at or self.now()
        events = await self.recorder.record_listing(account, report.sessions, at)
        return report, events

    # -- acting -----------------------------------------------------------------------------

    async def revoke(
        self,
        account: AccountState,
        kind: RevokeKind,
        sessions: Sequence[Session],
        password: str | None = None,
    ) -> RevokeAttempt:
        """Revoke exactly these sessions (never the current one: the provider refuses it on
        every path). Every outcome is audited before this returns, then a fresh listing
        confirms or decides; a wrong password is an outcome, for the caller to ask again."""
        attempt = await revoke(account, kind, sessions, password, self.now)
        await self.recorder.record_attempt(attempt)
        self.emit(ev.RevokeFinished(account, attempt))
        if attempt.signed_out is not None:
            self.signed_out(account, attempt.signed_out)
        elif attempt.outcome in _POLL_AFTER:
            self.emit(ev.AccountChanged(account))
            self.poll_now(account)
        return attempt

    async def trust(self, account: AccountState, session_ids: Sequence[str], *, undo: bool) -> int:
        """ "This was me" for these listed sessions (or, `undo`, taken back): kept in the
        history and the audit trail; their risk clears and the screen is told. How many of
        the ids were listed (an id not listed is not trusted: nothing is known of it)."""
        listed = [account.sessions[i] for i in dict.fromkeys(session_ids) if i in account.sessions]
        if listed:
            await self.recorder.trust(account, listed, undo=undo)
            self.emit(ev.AccountChanged(account))
        return len(listed)

    async def rename(self, account: AccountState, session_id: str, name: str) -> None:
        """Rename a session on the server; audited whether it worked or not. Raises what the
        provider raised (a dialog shows it)."""
        error: str | None = None
        try:
            await account.provider.rename(session_id, name)
        except AuthExpired as exc:
            error = str(exc)
            self.signed_out(account, exc)
            raise
        except ProviderError as exc:
            error = str(exc)
            raise
        finally:
            await self.recorder.record_rename(account, session_id, name, error, self.now())
        self.emit(ev.Renamed(account, session_id, name))
        self.poll_now(account)

    def signed_out(self, account: AccountState, exc: AuthExpired) -> None:
        """Our credential for the account died: stop polling it, say so once, and ask to sign
        in again where the front end can."""
        changed = mark_signed_out(account, exc, can_sign_in=self.reconnect is not None)
        if changed and account.error:
            self.emit(ev.ProblemFound(account, account.error))
        self.emit(ev.AccountChanged(account))
        if self.reconnect is not None:
            self.emit(ev.SignInNeeded(account))

    async def sign_in_again(self, account: AccountState, password: str | None) -> None:
        """Sign in again with `password`; WrongPassword and other errors propagate (the dialog
        shows them). The other signed-out accounts then sign in along with the same password
        (watched accounts share one credential)."""
        if self.reconnect is None:
            raise RuntimeError("this engine cannot sign in again")
        old = account.provider
        account.connection = Connection.RECONNECTING
        self.emit(ev.AccountChanged(account))
        try:
            new = await self.reconnect(old, password or "")
        except BaseException:
            account.connection = Connection.SIGNED_OUT
            self.emit(ev.AccountChanged(account))
            raise
        account.provider = new
        account.stopped = False
        account.resume_at = 0.0
        account.connection = Connection.CONNECTING
        account.error = None
        self.emit(ev.SignedInAgain(account))
        if new is not old:
            try:
                await old.aclose()
            except Exception as exc:
                log.error("closing the old provider: %r", exc)
        self.poll_now(account)
        for other in self.accounts:
            if other is not account and other.connection is Connection.SIGNED_OUT:
                self._spawn(self._sign_in_along(other, password or ""))

    async def _sign_in_along(self, account: AccountState, password: str) -> None:
        try:
            await self.sign_in_again(account, password)
        except ProviderError as exc:
            message = f"still signed out: {exc}"
            if set_error(account, Connection.SIGNED_OUT, message):
                self.emit(ev.ProblemFound(account, message))

    # -- the recorded history ---------------------------------------------------------------

    async def history(self, limit: int) -> list[HistoryEntry]:
        """The newest ended sessions over every account listed so far."""
        return await self.recorder.history(limit)

    async def feed(self, limit: int, *, mark_seen: bool) -> tuple[list[FeedEntry], int]:
        """The newest recorded sign-ins and the unseen alerts left (`mark_seen`: now seen)."""
        entries, unseen = await self.recorder.feed(limit, mark_seen=mark_seen)
        if mark_seen:
            for account in self.accounts:
                if account.unseen_alerts:
                    account.unseen_alerts = 0
                    self.emit(ev.AccountChanged(account))
        return entries, unseen

    async def acknowledge(self, alert_ids: Sequence[int]) -> AckResult:
        """Alerts handled, for the whole team (`engine.acknowledging`)."""
        from session_tui.engine.acknowledging import acknowledge

        return await acknowledge(self.recorder, self.accounts, alert_ids, self.emit)

    async def merge_history(self) -> None:
        """Read every account's API history now (the History pane opened, `history` ran)."""
        for account in self.accounts:
            if account.polls:
                await self.recorder.merge_history(account)

    # -- the end ----------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """No poll, recording, revocation follow-up or sign-in running or waiting."""
        polling = any(a.in_flight for a in self.accounts) or self.scheduler.busy
        return not polling and self.recorder.idle and not self._jobs

    async def settled(self) -> None:
        """Wait until `idle`: every poll, recording and follow-up started so far is done
        (and whatever those started in turn)."""
        while not self.idle:
            pending = [*self.scheduler.pending(), *self.recorder.pending(), *self._jobs]
            if pending:
                await asyncio.wait(pending)
            else:  # a poll marked in flight whose task has not started yet
                await asyncio.sleep(0)

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def aclose(self) -> None:
        """Stop polling, close every provider, then the history (off the loop)."""
        await self.scheduler.stop()
        await self.team.stop()
        for account in self.accounts:
            try:
                await account.provider.aclose()
            except Exception as exc:
                log.error("closing %s: %r", account.name, exc)
        await self.recorder.aclose()
        await asyncio.to_thread(device_memory.save)
        self.geo.close()
