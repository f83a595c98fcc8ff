"""The Textual application: a view of the engine.

The engine (`session_tui.engine.core.Engine`) owns the accounts, polls them, revokes, renames
and records; the app starts it, turns keys into its method calls (from `MainScreen` and its
dialogs) and renders its events (`session_tui.engine.events`): the table and header from
`PollFinished`, notifications from problems and alerts, the panes from the history's events.
The UI never speaks to a provider.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.segment import Segments
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen

from session_tui.engine import events as ev
from session_tui.engine.core import Engine, Reconnect
from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome
from session_tui.engine.state import AccountState
from session_tui.enrich import Enricher, GeoLocator
from session_tui.enrich.text import plain
from session_tui.errors import ConfigError, WrongPassword
from session_tui.model import Session
from session_tui.providers.base import SessionProvider
from session_tui.ui import collection, glyphs
from session_tui.ui.ascii_only import AsciiOnly
from session_tui.ui.dashboard import AppOptions
from session_tui.ui.screens.main import MainScreen
from session_tui.ui.styles import stylesheet_paths
from session_tui.ui.tracking_view import TrackingView

__all__ = ["AppOptions", "Notice", "Reconnect", "SessionTuiApp"]  # AppOptions: ui.dashboard

NOTICES_KEPT = 200


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification as shown: plain text."""

    message: str
    title: str
    severity: SeverityLevel


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
        self.options = options or AppOptions()
        self.engine = Engine(providers, self.options.engine_options(), reconnect=reconnect)
        self.main = MainScreen()
        # What the app told the user, newest last (the toasts fade; this stays, bounded).
        self.notices: deque[Notice] = deque(maxlen=NOTICES_KEPT)
        self._signing_in: set[int] = set()  # accounts (id) whose sign-in dialog is open
        self._collection_before: tuple[int, int, int] | None = None  # while we run (collection.py)
        # Set once the first poll's outcome is on screen: what can wait until then (the
        # history, its imports) does, so the first frame comes sooner.
        self.painted = asyncio.Event()
        glyphs.use(glyphs.ASCII if self.options.ascii else glyphs.UNICODE)
        if self.options.ascii:
            self.add_class("-ascii")
            self._ascii_only: list[LineFilter] = [AsciiOnly()]
        else:
            self._ascii_only = []
        if self.options.theme and self.options.theme in self.available_themes:
            self.theme = self.options.theme
        self.tracking = TrackingView(self)  # the history and the alerts, on screen
        self.engine.subscribe(self._on_engine_event)
        for subscriber in self.options.subscribers:
            self.engine.subscribe(subscriber)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then, under `--ascii`, `AsciiOnly`: every character sent is ASCII."""
        return [*super().get_line_filters(), *self._ascii_only]

    # -- the engine's parts the screens read ----------------------------------------------------

    @property
    def accounts(self) -> list[AccountState]:
        return self.engine.accounts

    @property
    def enricher(self) -> Enricher:
        return self.engine.enricher

    @property
    def geo(self) -> GeoLocator:
        return self.engine.geo

    @property
    def reconnect(self) -> Reconnect | None:
        return self.engine.reconnect

    @property
    def background_interval(self) -> float:
        return self.engine.background_interval

    def now(self) -> datetime:
        return self.engine.now()

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
        message, title = glyphs.shown(message), glyphs.shown(title)  # no flags under --ascii
        self.notices.append(Notice(message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def kept_screen(self, name: str, make: Callable[[], Screen[Any]]) -> Screen[Any]:
        """A screen composed once and kept (installed) for the app's life: `make` builds it
        the first time. Opening it again costs a repaint, not a compose and a restyle."""
        if not self.is_screen_installed(name):
            self.install_screen(make(), name=name)
        return self.get_screen(name)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from session_tui.ui.palette import app_commands

        mine = screen is self.main
        if mine:
            yield from app_commands(self)  # its own "Keys" (the help)
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot" or (mine and command.title == "Keys"):
                continue
            yield command
        yield SystemCommand(
            "Screenshot",
            "Save an SVG picture of the screen (in your pictures folder, or the state directory)",
            self.action_save_screenshot,
        )

    def action_save_screenshot(self) -> None:
        self.run_worker(self._save_screenshot(), group="screenshot", exit_on_error=False)

    async def _save_screenshot(self) -> None:
        from session_tui.ui.screenshot import save_svg

        svg = self.export_screenshot()
        try:
            target = await asyncio.to_thread(save_svg, svg, datetime.now())
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            self.notify(
                f"Could not save the screenshot: {exc.strerror or exc}{where}.",
                title="Screenshot",
                severity="error",
            )
            return
        self.notify(f"Saved to {target}", title="Screenshot")

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

    # -- what the screens and panes call ------------------------------------------------------

    def set_unseen_alerts(self, count: int) -> None:
        """Show how many alerts the user has not looked at yet (0 hides it)."""
        self.main.set_unseen_alerts(count)

    def select_session(self, provider: SessionProvider, session_id: str) -> bool:
        """Show this account and put the cursor on the session; False if it is not listed."""
        return self.main.select_session(provider, session_id)

    # -- lifecycle ------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def _first_listing_shown(self) -> None:
        self.painted.set()
        self.engine.release_tracking()
        collection.resume()

    def on_mount(self) -> None:
        self._collection_before = collection.tune()
        # However long the first listing takes (a slow server), collection waits 2 s at most.
        self.set_timer(2.0, collection.resume, name="collect-again")
        self.engine.focus(self.main.account)
        self.engine.start()
        self.set_interval(1.0, self.main.tick, name="header-tick")

    async def on_unmount(self) -> None:
        await self.engine.aclose()  # providers, SQLite, --on-alert commands: off the UI thread
        if self._collection_before is not None:
            collection.restore(self._collection_before)

    # -- the engine's events --------------------------------------------------------------------

    def _on_engine_event(self, event: ev.EngineEvent) -> None:
        if self.painted.is_set() and not self.main.is_mounted:
            return  # quitting: nothing left to show it on
        try:
            self._render_event(event)
        except NoMatches:
            # Only while quitting: the screen's widgets go before the app stops the engine,
            # and a poll that ends meanwhile has nowhere to be shown.
            if self.main.is_mounted and not self._closing_widgets():
                raise

    def _closing_widgets(self) -> bool:
        """The screen's widgets are being taken down (the app is quitting)."""
        return not self.main.query("#sessions")

    def _render_event(self, event: ev.EngineEvent) -> None:
        if isinstance(event, ev.PollFinished):
            self.main.account_changed(event.account)
            if not self.painted.is_set():
                self.call_after_refresh(self._first_listing_shown)
        elif isinstance(event, ev.AccountChanged | ev.RevokeFinished):
            self.main.account_changed(event.account)
        elif isinstance(event, ev.ProblemFound):
            self.notify(f"{event.account.name}: {event.message}", severity="error", timeout=8)
        elif isinstance(event, ev.SignInNeeded):
            # After a dialog that found it has closed: dismissing pops whatever is on top.
            self.call_later(self._offer_sign_in, event.account)
        elif isinstance(event, ev.SignedInAgain):
            self.main.account_changed(event.account)
            self.notify(f"Signed in again as {event.account.name}.")
        elif isinstance(event, ev.ServerDown):
            self.notify(
                f"{plain(event.server, 80)} is not answering: {event.message} Every watched "
                "account there shows its last good data until it is back.",
                title="Server down",
                severity="error",
                timeout=15,
            )
        elif isinstance(event, ev.ServerBack):
            self.notify(f"{plain(event.server, 80)} answers again.", title="Server back", timeout=8)
        elif isinstance(event, ev.SubscriberFailed):
            self.notify(
                f"Something that follows the sessions failed ({event.error}); see the log.",
                severity="error",
            )
        else:
            self.tracking.handle(event)

    # -- polling --------------------------------------------------------------------------------

    def poll_soon(self, account: AccountState) -> None:
        """On call: this account came on screen; it polls at the on-screen pace from now on."""
        self.engine.focus(account)

    def refresh_now(self) -> None:
        """`ctrl+r`: poll every account now (or offer to sign in again where that is the fix)."""
        for notice in self.engine.refresh():
            self.notify(notice)

    def _offer_sign_in(self, account: AccountState) -> None:
        # One dialog at a time: watched accounts in on-call mode share one credential, so when it
        # dies they all sign out together, and one password brings them all back (the engine).
        if self._signing_in or self.engine.reconnect is None or not account.stopped:
            return
        self._signing_in.add(id(account))

        def done(result: object) -> None:
            self._signing_in.discard(id(account))
            if result is None:
                self.notify(
                    f"{account.name}: still signed out. Press ctrl+r to sign in again.",
                    severity="warning",
                )

        self.push_screen(self.main.sign_in_dialog(account, self._sign_in_again), done)

    async def _sign_in_again(self, account: AccountState, password: str | None) -> bool:
        """The dialog's sign-in; WrongPassword propagates to it."""
        await self.engine.sign_in_again(account, password)
        return True

    # -- revoking and renaming ------------------------------------------------------------------

    async def _revoke(
        self,
        account: AccountState,
        kind: RevokeKind,
        sessions: Sequence[Session],
        password: str | None,
    ) -> RevokeAttempt:
        """The engine revokes (and audits, and lists again); a wrong password is raised for the
        dialog, which lets the user retry."""
        attempt = await self.engine.revoke(account, kind, sessions, password)
        if attempt.outcome is RevokeOutcome.WRONG_PASSWORD:
            raise WrongPassword("Wrong password.")
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
        """The engine renames (and audits); errors reach the rename dialog, and a dead
        credential also opens the sign-in dialog above it."""
        await self.engine.rename(account, session_id, name)
