"""The Textual application: owns the accounts, polls them, revokes, and tells listeners.

The app holds the state (`AccountState` per provider) and does all provider I/O in workers;
`MainScreen` shows it and turns keys into requests. The UI never speaks HTTP: it calls the
`SessionProvider` protocol and catches `session_tui.errors`. How tracking, alerts and the audit
trail hook in is described in `session_tui.ui.hooks`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.segment import Segments
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from session_tui.engine import device_memory, schedule
from session_tui.engine.polling import PollKind, mark_signed_out, set_error
from session_tui.engine.polling import poll as engine_poll
from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome, revoke
from session_tui.engine.state import AccountState, Connection
from session_tui.enrich import Enricher, GeoLocator
from session_tui.enrich.text import plain
from session_tui.errors import (
    AuthExpired,
    ConfigError,
    ProviderError,
    ServerBusy,
    Unreachable,
    WrongPassword,
)
from session_tui.model import Session
from session_tui.providers.base import SessionProvider
from session_tui.ui import collection, glyphs
from session_tui.ui.hooks import RevokeAttempted, SessionListener, SessionsPolled
from session_tui.ui.screens.main import MainScreen
from session_tui.ui.styles import stylesheet_paths
from session_tui.ui.tracking_bridge import TrackingBridge

Reconnect = Callable[[SessionProvider, str], Awaitable[SessionProvider]]


# Outcomes after which the table is brought up to date at once (for UNKNOWN and PARTIAL the
# next listing is what decides which sessions really ended).
_POLL_AFTER = frozenset(
    {RevokeOutcome.DONE, RevokeOutcome.ALREADY_GONE, RevokeOutcome.PARTIAL, RevokeOutcome.UNKNOWN}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """How the app behaves; the CLI fills it from flags and the profile."""

    interval: float = 5.0  # seconds between polls
    background_interval: float | None = None  # on call, accounts not on screen (4 x interval)
    online_window: timedelta = timedelta(minutes=5)  # active within this counts as Online
    city_db: Path | None = None  # a MaxMind-format City database, for city names
    bell: bool = True  # ring the terminal bell on alerts (issue 5)
    on_alert: str | None = None  # command run for each alert (issue 5)
    profile: str = "demo"
    retention: timedelta = timedelta(days=90)  # history and sign-ins kept this long (issue 5)
    read_only: bool = False  # --read-only: no way to revoke or rename (the providers refuse too)
    theme: str | None = None  # a Textual theme name, kept in the config file
    inactive_days: float = 90.0  # `i` shows sessions idle longer than this (--inactive-days)
    ascii: bool = False  # --ascii: no emoji flags, no box drawing, ASCII markers (ui/glyphs.py)
    clock: Callable[[], datetime] = utc_now  # tests freeze it
    listeners: list[SessionListener] = field(default_factory=list)


class SessionTuiApp(App[None]):
    """A live table of an account's sessions (or several accounts', in on-call mode)."""

    TITLE = "session-tui"
    ENABLE_COMMAND_PALETTE = True  # ctrl+p: the app's actions, themes (ui/commands.py)
    CSS_PATH = stylesheet_paths()  # type: ignore[assignment]  # Textual accepts a list of paths; its stub says one
    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        providers: Sequence[SessionProvider],
        options: AppOptions | None = None,
        *,
        reconnect: Reconnect | None = None,
    ) -> None:
        super().__init__()
        if not providers:
            raise ValueError("session-tui needs at least one provider")
        self.options = options or AppOptions()
        self.accounts = [AccountState(provider) for provider in providers]
        self.reconnect = reconnect
        self.listeners: list[SessionListener] = list(self.options.listeners)
        self.geo = GeoLocator(self.options.city_db)
        self.enricher = Enricher(self.geo)
        device_memory.prepare()
        self.main = MainScreen()
        self._signing_in: set[int] = set()  # accounts whose sign-in dialog is open
        self._down: dict[str, set[int]] = {}  # server -> accounts that found it down (on call)
        self._collection_before: tuple[int, int, int] | None = None  # while we run (collection.py)
        # Set once the first poll's outcome is on screen: what can wait until then (the
        # history, its imports) does, so the first frame comes sooner.
        self.painted = asyncio.Event()
        glyphs.use(glyphs.ASCII if self.options.ascii else glyphs.UNICODE)
        if self.options.ascii:
            self.add_class("-ascii")
        if self.options.theme and self.options.theme in self.available_themes:
            self.theme = self.options.theme
        # History, sign-in alerts and the audit trail (issue 5) listen like any other consumer.
        self.tracking = TrackingBridge(self)
        self.add_listener(self.tracking)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a notification as plain text, always.

        Notifications quote device names and server messages. Textual parses markup by default,
        and `Widget.notify` passes `markup=True` explicitly, so the flag is ignored here: every
        screen and widget notifies through this method, and a device called "[bold red]x"
        stays literal on every path.
        """
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from session_tui.ui.commands import app_commands

        if screen is self.main:
            yield from app_commands(self)
        yield from super().get_system_commands(screen)

    def watch_theme(self, theme: str) -> None:
        """A theme chosen in the palette is kept in the config file for the next start."""
        if self.is_running and theme != self.options.theme:
            self.options.theme = theme
            self.run_worker(self._keep_theme(theme), group="config", exit_on_error=False)

    async def _keep_theme(self, theme: str) -> None:
        from session_tui.config import save_theme

        try:
            await asyncio.to_thread(save_theme, theme)
        except (OSError, ConfigError) as exc:
            self.notify(f"The theme could not be kept: {exc}", severity="warning")

    def _fatal_error(self) -> None:
        """Report a crash without local variables.

        Textual's own crash report (this method, overridden) prints every frame's locals, and
        a frame of a revoke or sign-in may hold a password or token: that must never reach the
        screen. The traceback itself still says where it happened.
        """
        import rich
        from rich.traceback import Traceback  # only for a crash: 30 ms of start-up otherwise

        self.bell()
        report = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    # -- hooks for tracking, alerts and audit (see session_tui.ui.hooks) ---------------------

    def add_listener(self, listener: SessionListener) -> None:
        self.listeners.append(listener)

    def set_unseen_alerts(self, count: int) -> None:
        """Show how many alerts the user has not looked at yet (0 hides it)."""
        self.main.set_unseen_alerts(count)

    def select_session(self, provider: SessionProvider, session_id: str) -> bool:
        """Show this account and put the cursor on the session; False if it is not listed."""
        return self.main.select_session(provider, session_id)

    def now(self) -> datetime:
        return self.options.clock()

    def _tell_listeners(self, method: str, *args: object) -> None:
        for listener in list(self.listeners):
            try:
                getattr(listener, method)(*args)
            except Exception as exc:  # a tracking bug must not take the dashboard down
                self.log.error(f"listener {listener!r}.{method} failed: {exc!r}")
                self.notify(
                    f"Tracking failed ({type(exc).__name__}); see the log.",
                    severity="error",
                )

    # -- lifecycle ------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return self.main

    @property
    def background_interval(self) -> float:
        return self.options.background_interval or 4 * self.options.interval

    def _first_listing_shown(self) -> None:
        self.painted.set()
        collection.resume()

    def on_mount(self) -> None:
        self._collection_before = collection.tune()
        # However long the first listing takes (a slow server), collection waits 2 s at most.
        self.set_timer(2.0, collection.resume, name="collect-again")
        # One account: a poll every interval. On call: a look every quarter second at which
        # accounts are due, so their polls spread over the interval (engine/schedule.py).
        tick = schedule.TICK if len(self.accounts) > 1 else self.options.interval
        self.set_interval(tick, self.poll_due, name="poll")
        self.set_interval(1.0, self.main.tick, name="header-tick")
        self.poll_due()

    async def on_unmount(self) -> None:
        for account in self.accounts:
            try:
                await account.provider.aclose()
            except Exception as exc:
                self.log.error(f"closing {account.name}: {exc!r}")
        await self.tracking.aclose()  # SQLite and waiting for hooks: off the UI thread
        await asyncio.to_thread(device_memory.save)
        self.geo.close()
        if self._collection_before is not None:
            collection.restore(self._collection_before)

    # -- polling ------------------------------------------------------------------------------

    def poll_due(self) -> None:
        """A timer tick: poll every account that is due and not busy, paused or signed out
        (a slow poll is never cancelled by the next one; its account just waits)."""
        now = asyncio.get_running_loop().time()
        if len(self.accounts) == 1:
            account = self.accounts[0]
            if not (account.in_flight or account.stopped or now < account.resume_at):
                self._start_poll(account)
            return
        shown = self.main.account
        for account in schedule.due(self.accounts, now, shown=shown):
            self._start_poll(account)

    def poll_soon(self, account: AccountState) -> None:
        """On call: this account came on screen; poll it on the next tick if it is due
        sooner than its background wait says."""
        schedule.bring_forward(account, self.options.interval)

    def refresh_now(self) -> None:
        """`ctrl+r`: poll every account now (or offer to sign in again where that is the fix)."""
        loop_now = asyncio.get_running_loop().time()
        for index, account in enumerate(self.accounts):
            if account.stopped:
                if account.connection is Connection.SIGNED_OUT and self.reconnect is not None:
                    self._offer_sign_in(index)
                continue
            if loop_now < account.resume_at and account.connection is Connection.RATE_LIMITED:
                # The server asked us to wait; a failing one is simply tried again now.
                wait = int(account.resume_at - loop_now) + 1
                self.notify(f"{account.name}: rate limited; retrying in {wait} s.")
                continue
            if not account.in_flight:
                self._start_poll(account)

    def _start_poll(self, account: AccountState) -> None:
        if len(self.accounts) > 1:
            shown = self.main.account is account  # (before the screen mounts: the first)
            every = self.options.interval if shown else self.background_interval
            schedule.plan_next(account, asyncio.get_running_loop().time(), every=every)
        account.in_flight = True
        account.poll_started_at = self.now()
        account.poll_seq += 1
        self.run_worker(
            self._poll(account, account.poll_seq),
            group="poll",
            exclusive=False,
            exit_on_error=False,
        )

    async def _poll(self, account: AccountState, seq: int) -> None:
        """One poll through the engine; what it reports is shown here."""
        try:
            report = await engine_poll(
                account,
                seq,
                now=self.now,
                loop_time=asyncio.get_running_loop().time,
                can_sign_in=self.reconnect is not None,
                interval=self.options.interval,
                prepare=self.enricher.warm,
            )
            if report.kind is PollKind.OK:
                self._server_answers(account)
                at = account.updated_at or self.now()
                self._tell_listeners("sessions_polled", account.provider, report.sessions, at)
                self.post_message(SessionsPolled(account.provider, report.sessions, at))
            elif report.kind is PollKind.SIGNED_OUT:
                self._say_signed_out(account, report.changed)
            elif isinstance(report.error, Unreachable | ServerBusy) and len(self.accounts) > 1:
                self._server_down(account, report.message or "")
            elif report.changed and report.message:
                if report.bug is not None:
                    self.log.error(f"poll of {account.name} failed: {report.bug!r}")
                self._tell_problem(account, report.message)
        finally:
            account.in_flight = False
            self.main.account_changed(account)
            if not self.painted.is_set():
                self.call_after_refresh(self._first_listing_shown)

    def _server_down(self, account: AccountState, message: str) -> None:
        """On call, many watched accounts share one server: its outage is one notification,
        when the first account finds it down, not one per account."""
        server = account.provider.server
        down = self._down.setdefault(server, set())
        if not down:
            self.notify(
                f"{plain(server, 80)} is not answering: {message} Every watched account there "
                "shows its last good data until it is back.",
                title="Server down",
                severity="error",
                timeout=15,
            )
        down.add(id(account))

    def _server_answers(self, account: AccountState) -> None:
        server = account.provider.server
        down = self._down.get(server)
        if down is None or id(account) not in down:
            return
        down.discard(id(account))
        if not down:
            del self._down[server]
            self.notify(f"{plain(server, 80)} answers again.", title="Server back", timeout=8)

    def _tell_problem(self, account: AccountState, message: str) -> None:
        self.notify(f"{account.name}: {message}", severity="error", timeout=8)

    def _set_error(self, account: AccountState, state: Connection, message: str) -> None:
        if set_error(account, state, message):  # once per new problem, not on every tick
            self._tell_problem(account, message)

    def _signed_out(self, account: AccountState, exc: AuthExpired) -> None:
        changed = mark_signed_out(account, exc, can_sign_in=self.reconnect is not None)
        self._say_signed_out(account, changed)

    def _say_signed_out(self, account: AccountState, changed: bool) -> None:
        if changed and account.error:
            self._tell_problem(account, account.error)
        if self.reconnect is not None:
            self._offer_sign_in(self.accounts.index(account))

    def _offer_sign_in(self, index: int) -> None:
        # One dialog at a time: watched accounts in on-call mode share one credential, so when it
        # dies they all sign out together, and one password brings them all back (below).
        if self._signing_in or self.reconnect is None:
            return
        self._signing_in.add(index)
        account = self.accounts[index]

        def done(result: object) -> None:
            self._signing_in.discard(index)
            if result is None:
                self.notify(
                    f"{account.name}: still signed out. Press ctrl+r to sign in again.",
                    severity="warning",
                )

        self.push_screen(self.main.sign_in_dialog(account, self._sign_in_again), done)

    async def _sign_in_again(self, account: AccountState, password: str | None) -> bool:
        """Run `reconnect` with the typed password; WrongPassword propagates to the dialog."""
        assert self.reconnect is not None
        old = account.provider
        account.connection = Connection.RECONNECTING
        self.main.account_changed(account)
        try:
            new = await self.reconnect(old, password or "")
        except BaseException:
            account.connection = Connection.SIGNED_OUT
            self.main.account_changed(account)
            raise
        account.provider = new
        account.stopped = False
        account.resume_at = 0.0
        account.connection = Connection.CONNECTING
        account.error = None
        self.notify(f"Signed in again as {account.name}.")
        if new is not old:
            try:
                await old.aclose()
            except Exception as exc:
                self.log.error(f"closing the old provider: {exc!r}")
        self._start_poll(account)
        for other in self.accounts:
            if other is not account and other.connection is Connection.SIGNED_OUT:
                self.run_worker(
                    self._sign_in_along(other, password or ""),
                    group="sign-in",
                    exit_on_error=False,
                )
        return True

    async def _sign_in_along(self, account: AccountState, password: str) -> None:
        """Bring back another signed-out account with the password just accepted."""
        try:
            await self._sign_in_again(account, password)
        except ProviderError as exc:
            self._set_error(account, Connection.SIGNED_OUT, f"still signed out: {exc}")

    # -- revoking -----------------------------------------------------------------------------

    async def _revoke(
        self,
        account: AccountState,
        kind: RevokeKind,
        sessions: Sequence[Session],
        password: str | None,
    ) -> RevokeAttempt:
        """The engine revokes; the app tells its listeners and reacts on screen.

        A wrong password is raised again (the dialog lets the user retry) after it is recorded.
        """
        attempt = await revoke(account, kind, sessions, password, self.now)
        self._tell_listeners("revoke_attempted", attempt)
        self.post_message(RevokeAttempted(attempt))
        if attempt.outcome is RevokeOutcome.WRONG_PASSWORD:
            raise WrongPassword("Wrong password.")
        if attempt.signed_out is not None:
            # After the dialog has closed: dismissing pops whatever screen is on top.
            self.call_later(self._signed_out, account, attempt.signed_out)
        elif attempt.outcome in _POLL_AFTER:
            self._after_revoke(account)  # a fresh listing: it confirms, or decides
        return attempt

    async def revoke_one(
        self, account: AccountState, session: Session, password: str | None
    ) -> RevokeAttempt:
        """Revoke one session. Raises WrongPassword (the dialog lets the user retry)."""
        return await self._revoke(account, RevokeKind.ONE, [session], password)

    async def revoke_others(
        self, account: AccountState, sessions: Sequence[Session], password: str | None
    ) -> RevokeAttempt:
        """Revoke exactly the sessions the dialog named (never the current one)."""
        return await self._revoke(account, RevokeKind.OTHERS, sessions, password)

    async def rename(self, account: AccountState, session_id: str, name: str) -> None:
        try:
            await account.provider.rename(session_id, name)
        except AuthExpired as exc:
            # The rename dialog shows the error; signing in again opens above it, and the
            # rename can then be retried with the new credential.
            self.call_later(self._signed_out, account, exc)
            raise
        self._after_revoke(account)

    def _after_revoke(self, account: AccountState) -> None:
        self.main.account_changed(account)
        if not account.in_flight and not account.stopped:
            self._start_poll(account)
