"""Where the History pane and the Alert feed live: below the table, or as tabs on narrow screens.

On a wide terminal both panes fit under the sessions table, side by side when both are open. At
80 columns there is no room for that, so an open pane takes the table's place and a tab strip
(Sessions / History / Alerts) says which view is showing; the one opened last is in front. The
screen gets the class `-extra-open` while a pane is open, which the stylesheet uses to hide the
table on narrow screens. This widget only shows and hides; the app's tracking view (a
`PaneSource`) fills the panes.

The panes are built the first time one is needed (`h`, `a`, tab, or a terminal large enough to
dock them), not at start: most runs never open them, and building them (their modules, their
widgets, their layout) was ~25 ms of every start before the first row could show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from textual.containers import Horizontal, Vertical

if TYPE_CHECKING:
    from textual.widgets import Tabs

    from session_tui.ui.widgets.alert_feed import AlertFeed, AlertList, FeedEntry
    from session_tui.ui.widgets.history_pane import HistoryPane, HistoryTable

PaneName = Literal["history", "alerts"]


class PaneSource(Protocol):
    """What fills the panes (the app's `tracking`): told when one opens or an alert is chosen."""

    def pane_shown(self, name: PaneName) -> None: ...

    def pane_docked(self) -> None: ...

    def alert_chosen(self, entry: FeedEntry) -> bool: ...

    def acknowledge(self, entry: FeedEntry) -> None: ...


PANES: tuple[PaneName, ...] = ("history", "alerts")
OPEN_CLASS = "-extra-open"  # on the screen while any pane is open
DOCKED_CLASS = "-docked"  # on the screen while both panes are docked under the table


class ExtraPanes(Vertical):
    """The container (`#extra`) for the two panes and the narrow screens' tab strip."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.open: list[PaneName] = []  # open panes, the front (last opened) one last
        self.docked = False  # a large terminal: both panes always open, under the table
        self._built = False
        self._after_build: list[Callable[[], object]] | None = None  # while being built

    @property
    def built(self) -> bool:
        """Whether the panes exist yet (they are built on first use: see the module's doc)."""
        return self._built

    def _build_then(self, then: Callable[[], object]) -> None:
        """Build the tab strip and both panes, then do `then` (a key that needed them)."""
        if self._after_build is not None:
            self._after_build.append(then)
            return
        self._after_build = [then]
        from textual.widgets import Tab, Tabs

        from session_tui.ui.widgets.alert_feed import AlertFeed
        from session_tui.ui.widgets.history_pane import HistoryPane

        tabs = Tabs(
            Tab("Sessions", id="tab-sessions"),
            Tab("History", id="tab-history"),
            Tab("Alerts", id="tab-alerts"),
            id="view-tabs",
        )
        panes = Horizontal(
            HistoryPane(id="history", classes="pane extra-pane"),
            AlertFeed(id="alerts", classes="pane extra-pane"),
            id="extra-panes",
        )
        mounting = self.mount_all([tabs, panes])

        async def built() -> None:
            await mounting
            self._built = True
            waiting, self._after_build = self._after_build or [], None
            for step in waiting:
                step()

        self.call_later(built)

    @property
    def bridge(self) -> PaneSource | None:
        source: PaneSource | None = getattr(self.app, "tracking", None)
        return source

    @property
    def history(self) -> HistoryPane:
        from session_tui.ui.widgets.history_pane import HistoryPane

        return self.query_one("#history", HistoryPane)

    @property
    def alerts(self) -> AlertFeed:
        from session_tui.ui.widgets.alert_feed import AlertFeed

        return self.query_one("#alerts", AlertFeed)

    def pane(self, name: PaneName) -> HistoryPane | AlertFeed:
        return self.history if name == "history" else self.alerts

    def focused(self) -> PaneName | None:
        """The pane that has the focus, if one has."""
        if not self._built:
            return None
        for name in PANES:
            if self.pane(name).has_focus_within:
                return name
        return None

    @property
    def front(self) -> PaneName | None:
        return self.open[-1] if self.open else None

    def is_open(self, name: PaneName) -> bool:
        return name in self.open

    def is_showing(self, name: PaneName) -> bool:
        """Open and on screen (on a narrow screen only the front pane is)."""
        if name not in self.open:
            return False
        if self.docked:  # always on screen; looked at once the user goes there (a, tab)
            return self.focused() == name
        return not self.screen.has_class("-narrow") or name == self.front

    # -- showing and hiding -------------------------------------------------------------------

    def fit(self) -> None:
        """Dock both panes under the table on a large terminal (160x36 and up), live without
        a key; undock (back to `h` / `a`) when it gets smaller."""
        screen = self.screen
        docked = screen.has_class("-wider") and screen.has_class("-high")
        if docked == self.docked:
            return
        self.docked = docked
        screen.set_class(docked, DOCKED_CLASS)
        if docked:
            self.open = [*(n for n in PANES if n not in self.open), *self.open]
        else:
            self.open.clear()
        self._apply()  # before the panes exist too: their room is kept, the table never jumps
        if docked:
            if self._built:
                self._filled()
            else:
                self._build_then(self._filled)
        elif self.has_focus_within:
            self._focus_sessions()

    def _filled(self) -> None:
        """Docked: both panes are on screen; the bridge fills them."""
        self._apply()
        if self.docked and self.bridge is not None:
            self.bridge.pane_docked()

    def toggle(self, name: PaneName) -> bool:
        """`h` / `a`: open the pane, or close it; True when it is now open.

        Pressed in the pane itself, the key keeps the user there: "h" means the history, and a
        `/` after it must filter the history, not the table behind it. Escape (or tab) leaves.

        Docked, both panes are always open: the key moves the focus to the pane.

        On a narrow screen a pane that is open but behind the other one comes to the front
        instead of closing, since that is what the user can see the key do.
        """
        if not self._built:
            self._build_then(lambda: self.toggle(name))
            return True  # nothing was open: it opens
        if self.focused() == name:
            return True
        if self.docked:
            self.pane(name).focus_rows()
            if name == "alerts" and self.bridge is not None:
                self.bridge.pane_shown("alerts")  # looked at: the alerts are seen
            return True
        narrow = self.screen.has_class("-narrow")
        if name in self.open and (name == self.front or not narrow):
            # On a narrow screen the panes are tabs over the table: leaving the front one goes
            # back to the sessions, not to whichever pane happens to be behind it.
            self.close(None if narrow else name)
            return False
        self.show(name)
        return True

    def show(self, name: PaneName) -> None:
        """Open the pane (or bring it to the front), focus it and ask the bridge for its data."""
        if not self._built:
            self._build_then(lambda: self.show(name))
            return
        if name in self.open:
            self.open.remove(name)
        self.open.append(name)
        self._apply()
        self.pane(name).focus_rows()
        bridge = self.bridge
        if bridge is not None:
            bridge.pane_shown(name)

    def close(self, name: PaneName | None = None) -> None:
        """Close one pane (default: all) and give the focus back to the sessions table."""
        if name is None:
            self.open.clear()
        elif name in self.open:
            self.open.remove(name)
        self._apply()
        if self.front is None or self.screen.has_class("-narrow"):
            self._focus_sessions()
        else:
            self.pane(self.front).focus_rows()

    def _apply(self) -> None:
        if not self._built:  # nothing to show or hide yet; the classes still say what is open
            self.set_class(bool(self.open), "-open")
            self.screen.set_class(bool(self.open), OPEN_CLASS)
            return
        for name in PANES:
            pane = self.pane(name)
            pane.set_class(name in self.open, "-open")
            pane.set_class(name == self.front, "-front")
        self.set_class(bool(self.open), "-open")
        self.screen.set_class(bool(self.open), OPEN_CLASS)
        from textual.widgets import Tabs

        tabs = self.query_one("#view-tabs", Tabs)
        with self.prevent(Tabs.TabActivated):
            tabs.active = f"tab-{self.front}" if self.front else "tab-sessions"

    def _focus_sessions(self) -> None:
        tables = self.screen.query("#sessions")
        if tables:
            tables.first().focus()

    # -- events -------------------------------------------------------------------------------

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tabs.id != "view-tabs":
            return
        event.stop()
        tab_id = event.tab.id if event.tab is not None else None
        if tab_id != event.tabs.active:
            return  # stale: the strip's first activation, queued while a pane was opened
        if tab_id == "tab-history" and self.front != "history":
            self.show("history")
        elif tab_id == "tab-alerts" and self.front != "alerts":
            self.show("alerts")
        elif tab_id == "tab-sessions" and self.open:
            self.close()

    # Handlers by name (`on_<widget>_<message>`), so this module need not import the panes.
    def on_history_table_chosen(self, event: HistoryTable.Chosen) -> None:
        event.stop()
        from session_tui.ui.screens.ended import EndedSessionScreen

        account = event.item.account if event.multi else None
        self.app.push_screen(EndedSessionScreen(event.item.row, account))

    def on_alert_list_ack_asked(self, event: AlertList.AckAsked) -> None:
        event.stop()
        bridge = self.bridge
        if bridge is not None:
            bridge.acknowledge(event.entry)

    def on_alert_list_chosen(self, event: AlertList.Chosen) -> None:
        event.stop()
        bridge = self.bridge
        if bridge is not None and bridge.alert_chosen(event.entry):
            if self.screen.has_class("-narrow"):
                self.close()  # every pane: the table must be what the user sees now
            self._focus_sessions()
