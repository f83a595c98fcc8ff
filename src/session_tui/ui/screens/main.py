"""The main screen: header, (account list), filter, sessions table, details pane, footer.

It reads the app's `AccountState`s and turns keys into requests to the app; it never calls a
provider itself. The history (`h`) and alert feed (`a`) panes live in `ExtraPanes` (`#extra`),
under the table or in its place; the app's tracking view (`ui.tracking_view`) fills them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList

from session_tui.engine.presentation import RiskedViews
from session_tui.engine.state import AccountState
from session_tui.enrich import SessionView
from session_tui.model import Capability
from session_tui.providers.base import SessionProvider
from session_tui.ui.screens.actions import SessionActions
from session_tui.ui.screens.help import ACCOUNTS_KEY, RENAME_KEY, HelpScreen
from session_tui.ui.screens.table_actions import TableActions
from session_tui.ui.widgets.accounts import AccountList
from session_tui.ui.widgets.details import DetailsPane
from session_tui.ui.widgets.extra_panes import PANES, ExtraPanes
from session_tui.ui.widgets.filter_bar import FilterInput
from session_tui.ui.widgets.header import StatusHeader
from session_tui.ui.widgets.sessions_table import SessionsTable

if TYPE_CHECKING:
    from session_tui.ui.dashboard import Dashboard

_REVOKE_GROUP = Binding.Group("Revoke")
# Keys about the sessions table: not offered while the history or the feed has the focus.
_SESSION_ACTIONS = frozenset(
    {"revoke", "revoke_others", "sort", "sort_reverse", "quick", "rename", "rename_unavailable"}
)


class MainScreen(SessionActions, TableActions, Screen[None]):
    """Everything the user sees between the modal dialogs."""

    # -wider and -high together dock the history and the alert feed under the table.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide"), (160, "-wider")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall"), (36, "-high")]  # noqa: RUF012

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        # One footer entry for both ("r R Revoke one/all") so every key fits at 80 columns.
        Binding("r", "revoke", "Revoke", group=_REVOKE_GROUP),
        Binding("R", "revoke_others", "Revoke all others", group=_REVOKE_GROUP),
        Binding("s", "sort", "Sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding("i", "quick('inactive')", "Inactive", show=False),
        Binding("u", "quick('unrecognised')", "Unrecognised", show=False),
        Binding("exclamation_mark", "quick('risky')", "Risky", show=False),
        Binding("t", "trust", "This was me", show=False),
        Binding("m", "map", "Map"),
        Binding("escape", "clear", "Clear", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("e", "rename", "Rename"),
        # Where the API cannot rename, `e` says so instead of doing nothing (not in the footer).
        Binding("e", "rename_unavailable", show=False),
        # In read-only mode r, R and e are gone from the footer; pressed, they say why.
        Binding("r", "read_only", show=False),
        Binding("R", "read_only", show=False),
        Binding("e", "read_only", show=False),
        Binding("tab", "next_pane", "Next pane", show=False),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False),
        Binding("h", "history", "History"),
        Binding("a", "alerts", "Alerts"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected = 0  # index into app.accounts
        self._index_of: dict[int, int] = {}  # id(AccountState) -> its line in the sidebar
        self._unseen_alerts = 0
        self._risked = RiskedViews()  # the views with their risks, for the table and details

    @property
    def tui(self) -> Dashboard:
        return self.app  # type: ignore[return-value]  # Screen.app is typed App[object]; ours is always a Dashboard

    def push_dialog(self, dialog: Screen[Any], done: Callable[[Any], None]) -> None:
        """Open a dialog above the table; `done` hears what it was dismissed with."""
        self.app.push_screen(dialog, done)

    @property
    def account(self) -> AccountState:
        return self.tui.accounts[self.selected]

    @property
    def multi(self) -> bool:
        return len(self.tui.accounts) > 1

    @property
    def table(self) -> SessionsTable:
        return self.query_one("#sessions", SessionsTable)

    @property
    def details(self) -> DetailsPane:
        return self.query_one("#details", DetailsPane)

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one("#filter", FilterInput)

    @property
    def extra_panes(self) -> ExtraPanes:
        return self.query_one("#extra", ExtraPanes)

    @property
    def account_list(self) -> AccountList:
        return self.query_one("#accounts", AccountList)

    @property
    def header(self) -> StatusHeader:
        return self.query_one("#header", StatusHeader)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Textual sets the breakpoint classes on the first resize, after the first frame was
        # drawn with none of them (Details beside a squashed table, then a jump): set them for
        # the terminal's size now, so the first frame is already the settled layout.
        size = self.app.size
        classes = {
            name: False for _, name in self.HORIZONTAL_BREAKPOINTS + self.VERTICAL_BREAKPOINTS
        }
        for name in self._get_breakpoint_classes(size.width, self.HORIZONTAL_BREAKPOINTS):
            classes[name] = True
        for name in self._get_breakpoint_classes(size.height, self.VERTICAL_BREAKPOINTS):
            classes[name] = True
        self.update_classes(classes)
        yield StatusHeader(id="header")
        with Horizontal(id="body"):
            if self.multi:
                yield AccountList(id="accounts")
            with Vertical(id="main"):
                yield FilterInput(id="filter")
                with Horizontal(id="panes"):
                    yield SessionsTable(id="sessions")
                    yield DetailsPane(id="details")
                yield ExtraPanes(id="extra")
        # The palette key (ctrl+p) is in the help and the README: at 80 columns the footer has
        # room for the app's own keys only.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._index_of = {id(a): i for i, a in enumerate(self.tui.accounts)}
        if self.multi:
            accounts = self.query_one("#accounts", AccountList)
            accounts.set_accounts(self.tui.accounts)
            accounts.show(0)
            accounts.border_title = "Accounts"
        self.details.border_title = "Details"
        self._show_account(reset=True)
        self.table.focus()
        self.query_one("#extra", ExtraPanes).fit()

    def on_resize(self) -> None:
        for extra in self.query("#extra").results(ExtraPanes):
            extra.fit()

    # -- attributes down: the app tells us what changed ---------------------------------------

    def account_changed(self, account: AccountState) -> None:
        if not self.is_mounted:
            return
        if self.multi:
            index = self._index_of.get(id(account))
            if index is not None:
                self.query_one("#accounts", AccountList).update_account(index)
        if account is self.account:
            self._show_account()
        else:
            self.header.refresh_if_changed()

    def tick(self) -> None:
        """Every second: "updated N s ago" moves on (with a frozen clock it stays put)."""
        # The app's timer can fire once more while the app is shutting down and the header
        # is already gone: skip that tick rather than raise.
        now = self.tui.now()
        for header in self.query("#header").results(StatusHeader):
            header.now = now
            header.refresh_if_changed()
        for table in self.query("#sessions").results(SessionsTable):  # gone while quitting
            if table.stale != self._stale(now):
                self._show_account()  # a poll now waits far too long (or answered)

    def set_unseen_alerts(self, count: int) -> None:
        self._unseen_alerts = count
        if self.is_mounted:
            self.header.unseen_alerts = count

    def select_session(self, provider: SessionProvider, session_id: str) -> bool:
        for index, account in enumerate(self.tui.accounts):
            if account.provider is provider:
                self.show_account(index)  # the account list's highlight follows
                return self.table.select_id(session_id)
        return False

    def _views(self, account: AccountState) -> list[SessionView]:
        # A large first listing's most recent sessions while the rest are described.
        views = self.tui.enricher.views(account.sessions.values() or account.preview)
        return self._risked.apply(views, account.risks)

    def _show_account(self, reset: bool = False) -> None:
        account = self.account
        now = self.tui.now()
        table = self.table
        table.has_expiry = account.can(Capability.EXPIRY)
        table.has_activity = account.can(Capability.ACTIVITY)
        table.stale = self._stale(now)
        table.preview_of = account.preview_of if account.preview and not account.sessions else 0
        # Until the first listing, no column headings: their widths come from the rows, and
        # headings drawn before would jump once the rows arrive.
        table.awaiting_listing = (
            account.polls == 0
            and not account.sessions
            and not account.preview
            and account.error is None
        )
        table.show(
            self._views(account),
            current_id=account.current_id,
            now=now,
            window=self.tui.options.online_window,
            reset=reset,
        )
        header = self.header
        header.account = account
        header.read_only = self.tui.options.read_only
        header.interval = self.tui.options.interval
        header.now = now
        header.sort_label = table.sort_column.label
        header.filter_text = self._filter_words()
        header.unseen_alerts = self._unseen_alerts
        header.refresh_if_changed()
        self._show_details()

    def _show_details(self) -> None:
        account = self.account
        view = self.table.view_of(self.table.selected_id)
        if view is None:
            if account.polls == 0 and account.error is None:
                hint = "Loading sessions…"
            elif account.error:
                hint = account.error
            elif self.table.filtering and account.sessions:
                hint = "No session matches the filter."
            else:
                hint = "No sessions."
        else:
            hint = ""
        self.details.show(
            view,
            is_current=view is not None
            and (view.session.is_current or view.session.id == account.current_id),
            now=self.tui.now(),
            window=self.tui.options.online_window,
            account=account.name if self.multi else None,
            empty_hint=hint,
            activity_tracked=account.can(Capability.ACTIVITY),
            stale_since=account.updated_at if self._stale(self.tui.now()) else None,
        )

    def _stale(self, now: datetime) -> bool:
        return self.account.looks_stale(now, self.tui.options.interval)

    def show_account(self, index: int) -> None:
        """Show this watched account, with the account list's highlight on it too."""
        if index != self.selected:
            self._switch(index)
        for accounts in self.query("#accounts").results(AccountList):
            accounts.show(index)

    def _switch(self, index: int) -> None:
        self.table.clear_marks()  # a selection belongs to the account it was made in
        self.selected = index
        self.tui.poll_soon(self.account)  # polled at the on-screen pace from now on
        self._show_account(reset=True)
        self.refresh_bindings()

    # -- events -------------------------------------------------------------------------------

    @on(SessionsTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._show_details()

    @on(SessionsTable.DetailsToggled)
    def _toggle_details(self) -> None:
        self.details.toggle_class("-hidden")

    @on(OptionList.OptionHighlighted, "#accounts")
    def _account_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = self.query_one("#accounts", AccountList).account_at(event.option_index)
        if index is not None and index != self.selected:
            self._switch(index)

    @on(OptionList.OptionSelected, "#accounts")
    def _account_selected(self, event: OptionList.OptionSelected) -> None:
        index = self.query_one("#accounts", AccountList).account_at(event.option_index)
        if index is not None and index != self.selected:
            self._switch(index)
        self.table.focus()

    @on(FilterInput.Changed, "#filter")
    def _filter_changed(self, event: FilterInput.Changed) -> None:
        target = self.query_one("#filter", FilterInput).target
        if target == "accounts":
            found = self.query_one("#accounts", AccountList).find(event.value)
            if found is not None:
                self.show_account(found)
            return
        if target in PANES:
            self.query_one("#extra", ExtraPanes).pane(target).set_filter(event.value)
            return
        self.table.set_filter(event.value)
        self.header.filter_text = self._filter_words()
        self._show_details()

    @on(FilterInput.Closed)
    def _filter_closed(self, event: FilterInput.Closed) -> None:
        filter_input = self.query_one("#filter", FilterInput)
        target = filter_input.target
        if target != "sessions":
            # Back where `/` was pressed; the input goes back to showing the sessions filter.
            filter_input.start("sessions", self.table.filter_text)
            if not filter_input.value:
                filter_input.remove_class("-active")
            if target == "accounts":
                self.query_one("#accounts", AccountList).focus()
            elif target in PANES:
                pane = self.query_one("#extra", ExtraPanes).pane(target)
                if event.cleared:
                    pane.set_filter("")
                pane.focus_rows()
            return
        if event.cleared or not filter_input.value:
            filter_input.remove_class("-active")
        self.table.focus()

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _SESSION_ACTIONS and self._in_extra_pane():
            return False  # the history or the feed has the focus: not in its footer
        read_only = self.tui.options.read_only
        if action == "read_only":
            return read_only
        if read_only and action in ("revoke", "revoke_others", "rename", "rename_unavailable"):
            return False
        if action == "rename":
            return self.account.can(Capability.RENAME)
        if action == "rename_unavailable":
            return not self.account.can(Capability.RENAME)
        return True

    def action_refresh(self) -> None:
        self.tui.refresh_now()

    def action_history(self) -> None:
        self.query_one("#extra", ExtraPanes).toggle("history")

    def action_alerts(self) -> None:
        self.query_one("#extra", ExtraPanes).toggle("alerts")

    def action_help(self) -> None:
        extra = []
        if self.account.can(Capability.RENAME):
            extra.append(RENAME_KEY)
        if self.multi:
            extra.append(ACCOUNTS_KEY)
        self.app.push_screen(HelpScreen(extra))

    @on(SessionsTable.SortAsked)
    def _header_clicked(self, event: SessionsTable.SortAsked) -> None:
        table = self.table
        same = event.column is table.sort_column
        self._sort(event.column, reverse=not table.sort_reverse if same else False)

    @on(SessionsTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.header.marked = len(self.table.marked)

    def _in_accounts(self) -> bool:
        focused = self.focused
        return focused is not None and focused.id == "accounts"

    def _in_extra_pane(self) -> bool:
        return self.query_one("#extra", ExtraPanes).focused() is not None
