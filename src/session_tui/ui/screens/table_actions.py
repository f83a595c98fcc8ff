"""s, S, i, u, / and escape on the main screen: sorting, the quick filters, the filter bar,
and stepping back out of panes. `MainScreen` provides the attributes used below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from session_tui.engine.ordering import SortColumn
from session_tui.enrich.text import plain
from session_tui.ui.widgets.extra_panes import PANES, PaneName

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from textual.screen import Screen
    from textual.widget import Widget

    from session_tui.engine.state import AccountState
    from session_tui.ui.dashboard import Dashboard
    from session_tui.ui.widgets.accounts import AccountList
    from session_tui.ui.widgets.extra_panes import ExtraPanes
    from session_tui.ui.widgets.filter_bar import FilterInput
    from session_tui.ui.widgets.header import StatusHeader
    from session_tui.ui.widgets.sessions_table import SessionsTable


class TableActions:
    """The table's own keys (see the module docstring)."""

    if TYPE_CHECKING:

        @property
        def tui(self) -> Dashboard: ...
        @property
        def table(self) -> SessionsTable: ...
        @property
        def header(self) -> StatusHeader: ...
        @property
        def filter_input(self) -> FilterInput: ...
        @property
        def extra_panes(self) -> ExtraPanes: ...
        @property
        def account_list(self) -> AccountList: ...

        def refresh_bindings(self) -> None: ...
        def focus_next(self, selector: str | type[Widget] = "*") -> Widget | None: ...
        def focus_previous(self, selector: str | type[Widget] = "*") -> Widget | None: ...
        def _show_details(self) -> None: ...
        def _in_accounts(self) -> bool: ...
        @property
        def account(self) -> AccountState: ...
        def push_dialog(self, dialog: Screen[Any], done: Callable[[Any], None]) -> None: ...

    def action_map(self) -> None:
        """`m`: the world map of the sessions the table shows, the selected one marked."""
        from session_tui.engine.map_items import map_items
        from session_tui.ui.screens.world_map import MapScreen

        table, account = self.table, self.account
        views = [table.rows.views[sid] for sid in table.rows.order]
        items = map_items(views, account.current_id, table.selected_id)
        title = f"Where the sessions of {plain(account.name, 80)} are"
        self.push_dialog(MapScreen(items, title), lambda _: None)

    def action_sort(self) -> None:
        """`s`: the next sort column; in the account list, by name or by recent change."""
        if self._in_accounts():
            self.account_list.toggle_order()
            return
        table = self.table
        self._sort(table.sort_column.next(table.column_keys), reverse=False)

    def action_sort_reverse(self) -> None:
        table = self.table
        self._sort(table.sort_column, reverse=not table.sort_reverse)

    def _sort(self, column: SortColumn, *, reverse: bool) -> None:
        table = self.table
        table.set_sort(column, reverse=reverse)
        arrow = " (reversed)" if reverse else ""
        self.header.sort_label = table.sort_column.label + arrow
        self._show_details()

    def action_quick(self, name: str) -> None:
        """i: sessions idle longer than --inactive-days; u: devices nothing could recognise;
        !: sessions with a risk."""
        self.table.inactive_days = self.tui.options.inactive_days
        self.table.toggle_quick(name)
        self.header.filter_text = self._filter_words()
        self._show_details()

    def _filter_words(self) -> str:
        table = self.table
        words = []
        if "inactive" in table.quick:
            words.append(f"idle > {self.tui.options.inactive_days:g} d")
        if "unrecognised" in table.quick:
            words.append("unrecognised")
        if "risky" in table.quick:
            words.append("risky")
        if table.filter_text:
            words.append(table.filter_text)
        return ", ".join(words)

    def action_clear(self) -> None:
        """escape: leave the history or the feed for the sessions; there, forget the
        selection first, then the filter."""
        extra = self.extra_panes
        name = extra.focused()
        if name is not None:
            if extra.pane(name).filter_text:
                extra.pane(name).set_filter("")
                return
            if extra.docked:
                self.table.focus()
            elif extra.screen.has_class("-narrow"):
                extra.close()  # tabs over the table: back to the sessions, not the pane behind
            else:
                extra.close(extra.front)
            self.refresh_bindings()
            return
        table = self.table
        if table.marked:
            table.clear_marks()
            return
        if table.filtering:
            filter_input = self.filter_input
            with filter_input.prevent(Input.Changed):  # one update of the table, below
                filter_input.value = ""
            filter_input.remove_class("-active")
            table.quick.clear()
            table.set_filter("")
            self.header.filter_text = ""
            self._show_details()

    def action_filter(self) -> None:
        """`/`: filter the sessions; from the account list, jump to an account by name."""
        filter_input = self.filter_input
        extra = self.extra_panes
        pane = extra.focused()
        if self._in_accounts():
            filter_input.start("accounts")
        elif pane is not None:
            filter_input.start(pane, extra.pane(pane).filter_text)
        else:
            filter_input.start("sessions", self.table.filter_text)
        filter_input.add_class("-active")
        filter_input.focus()

    # -- tab: the next pane ------------------------------------------------------------------

    def action_next_pane(self) -> None:
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        self._step_pane(-1)

    def _step_pane(self, step: int) -> None:
        """tab / shift+tab: sessions, the account list (on call), history, alerts, in turn.

        Docked (a large terminal), every pane is on screen and the focus simply moves on. Else
        the history and the feed open as they are reached (on a narrow screen, in the table's
        place), and coming back round to the sessions closes them.
        """
        extra = self.extra_panes
        if extra.docked:
            self.focus_next() if step > 0 else self.focus_previous()
            return
        on_call = len(self.tui.accounts) > 1
        stops: list[PaneName | str] = ["sessions", *(["accounts"] if on_call else []), *PANES]
        here = extra.focused() or ("accounts" if self._in_accounts() else "sessions")
        target = stops[(stops.index(here) + step) % len(stops)]
        if target in PANES:
            extra.show(target)
        else:
            extra.close()
            if target == "accounts":
                self.account_list.focus()
            else:
                self.table.focus()
