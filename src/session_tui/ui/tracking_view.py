"""The dashboard's view of the history, the alerts and the audit trail the engine keeps.

The engine records (`engine.recorder`); this only shows what its events say: a notification per
alert (and the bell unless `--no-bell`), the unseen count in the header and the account list,
trouble with the history files or `--on-alert` as notifications, and fresh contents for
whichever pane is open. Pane contents are read through the engine (`Engine.history`,
`Engine.feed`) in workers, off the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from session_tui.engine import events as ev
from session_tui.enrich.text import plain
from session_tui.model import Capability
from session_tui.providers.base import SessionProvider
from session_tui.ui.widgets.extra_panes import ExtraPanes, PaneName

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from textual import Logger
    from textual.notifications import SeverityLevel

    from session_tui.engine.state import AccountState
    from session_tui.tracking.events import Event
    from session_tui.ui.dashboard import Dashboard
    from session_tui.ui.screens.main import MainScreen
    from session_tui.ui.widgets.alert_feed import FeedEntry

    class TrackingHost(Dashboard, Protocol):
        """The app, as the tracking view sees it."""

        main: MainScreen

        @property
        def log(self) -> Logger: ...

        def notify(
            self,
            message: str,
            *,
            title: str = "",
            severity: SeverityLevel = "information",
            timeout: float | None = None,
            markup: bool = False,
        ) -> None: ...

        def bell(self) -> None: ...

        def run_worker(
            self, work: Any, *, group: str = "default", exit_on_error: bool = True
        ) -> Any: ...


HISTORY_LIMIT = 500
FEED_LIMIT = 200
MAX_ALERT_TOASTS = 3  # more alerts than this in one poll become one summary notification


class TrackingView:
    """Shows one app's history and alerts; fed by the engine's events."""

    def __init__(self, app: TrackingHost) -> None:
        self.app = app
        self._feed: list[FeedEntry] = []  # the feed as last read, before "still signed in"

    def handle(self, event: ev.EngineEvent) -> None:
        if isinstance(event, ev.PollRecorded):
            self._show_poll(event)
        elif isinstance(event, ev.AlertsRaised):
            self._announce(event.account, event.alerts)
        elif isinstance(event, ev.HistoryChanged):
            self._reload(history=True, feed=True)
        elif isinstance(event, ev.AlertsDropped):
            count = event.count
            self.app.notify(
                f"{self._prefix(event.account)}{count} alert{' was' if count == 1 else 's were'} "
                "not passed to --on-alert (too many at once)",
                title="--on-alert",
                severity="warning",
                timeout=15,
            )
        elif isinstance(event, ev.HookFailed):
            self.app.notify(event.message, title="--on-alert", severity="error")
        elif isinstance(event, ev.TrackingFailed):
            self.app.notify(
                f"{event.what} failed: {event.message}",
                title="Tracking",
                severity="error",
                timeout=8,
            )

    # -- what the panes ask for -------------------------------------------------------------

    def pane_shown(self, name: PaneName) -> None:
        """A pane was opened (or brought to the front): load it; opening the feed marks seen."""
        if name == "history":
            self._spawn(self._merge_then_load())
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
            )
        else:
            self.app.notify(
                f"That session has ended: {plain(entry.event.device, 80)}.",
                title="Not signed in any more",
            )
        return False

    def acknowledge(self, entry: FeedEntry) -> None:
        """`A` in the feed: the alert handled, for everyone on the store."""
        event = entry.event
        if not event.is_alert or event.event_id is None:
            self.app.notify("That sign-in raised no alert: there is nothing to acknowledge.")
        elif event.acked_by is not None:
            self.app.notify(_acked_text(event), title=f"Alert #{event.event_id}")
        else:
            self._spawn(self._acknowledge(event.event_id))

    async def _acknowledge(self, alert_id: int) -> None:
        try:
            result = await self.app.engine.acknowledge([alert_id])
        except Exception as exc:
            self._failed("Acknowledging the alert", exc)
            return
        title = f"Alert #{alert_id}"
        if result.acked:
            self.app.notify("Acknowledged: it no longer counts as new for anyone.", title=title)
        elif result.already:
            self.app.notify(_acked_text(result.already[0].event), title=title)
        else:
            self.app.notify("It is no longer in the store.", title=title, severity="warning")

    # -- loading ----------------------------------------------------------------------------

    def _spawn(self, job: Awaitable[None]) -> None:
        self.app.run_worker(job, group="tracking", exit_on_error=False)

    def _reload(self, *, history: bool, feed: bool) -> None:
        panes = self._panes()
        if panes is None:
            return
        if history and panes.is_open("history"):
            self._spawn(self._load_history())
        if feed and panes.is_open("alerts"):
            self._spawn(self._load_feed(mark_seen=panes.is_showing("alerts")))

    async def _merge_then_load(self) -> None:
        if any(a.polls and a.can(Capability.HISTORY) for a in self.app.accounts):
            await self.app.engine.merge_history()
        await self._load_history()

    async def _load_history(self) -> None:
        panes = self._panes()
        if panes is None or not panes.is_open("history"):
            return
        from session_tui.ui.widgets.history_pane import AccountRow

        try:
            entries = await self.app.engine.history(HISTORY_LIMIT)
        except Exception as exc:
            self._failed("Reading the session history", exc)
            return
        panes = self._panes()
        if panes is not None:
            rows = [AccountRow(e.account.name, e.row) for e in entries]
            panes.history.show(rows, multi=len(self.app.accounts) > 1)

    async def _load_feed(self, *, mark_seen: bool) -> None:
        panes = self._panes()
        if panes is None or not panes.is_open("alerts"):
            return
        from session_tui.ui.widgets.alert_feed import FeedEntry

        try:
            found, unseen = await self.app.engine.feed(FEED_LIMIT, mark_seen=mark_seen)
        except Exception as exc:
            self._failed("Reading the sign-in alerts", exc)
            return
        self.app.set_unseen_alerts(unseen)
        self._feed = [FeedEntry(e.account.provider, e.account.name, e.event, e.new) for e in found]
        self._render_feed()

    def _failed(self, what: str, exc: Exception) -> None:
        from session_tui.tracking.service import TrackingClosed

        if isinstance(exc, TrackingClosed):
            return  # quitting: nothing to say
        self.app.log.error(f"tracking: {what} failed: {exc!r}")
        message = plain(str(exc), 200) or type(exc).__name__
        self.app.notify(f"{what} failed: {message}", title="Tracking", severity="error")

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

    def _show_poll(self, event: ev.PollRecorded) -> None:
        account = event.account
        if account.unseen_alerts != event.account_unseen:
            account.unseen_alerts = event.account_unseen  # the account list's marker
            self.app.main.account_changed(account)
        self.app.set_unseen_alerts(event.unseen)
        panes = self._panes()
        if panes is None:
            return
        if event.events:
            from session_tui.tracking.events import EventKind

            ended = any(e.kind is EventKind.ENDED for e in event.events)
            self._reload(history=ended, feed=True)
        elif panes.is_open("alerts"):
            self._render_feed()  # "still signed in" may have changed

    def _prefix(self, account: AccountState) -> str:
        return f"{account.name}: " if len(self.app.accounts) > 1 else ""

    def _announce(self, account: AccountState, alerts: list[Event]) -> None:
        app = self.app
        prefix = self._prefix(account)
        if len(alerts) > MAX_ALERT_TOASTS:
            app.notify(
                f"{prefix}{len(alerts)} new sign-ins from devices or places never seen on this "
                "account. Press a to see them.",
                title="Sign-in alerts",
                severity="warning",
                timeout=15,
            )
        else:
            for alert in alerts:
                app.notify(
                    f"{prefix}{plain(alert.summary, 300)}",
                    title="Sign-in alert",
                    severity="warning",
                    timeout=15,
                )
        if app.options.bell:
            app.bell()

    def _panes(self) -> ExtraPanes | None:
        main = self.app.main
        if not main.is_mounted:
            return None
        found = main.query(ExtraPanes)
        return found.first() if found else None

    def _account_of(self, provider: SessionProvider) -> AccountState | None:
        for account in self.app.accounts:
            if account.provider is provider:
                return account
        return None


def _acked_text(event: Event) -> str:
    from session_tui.tracking.wording import acked_text

    return f"Already {acked_text(event.acked_by, event.acked_at)}."
