"""The main screen: header, (account list), filter, sessions table, details pane, footer.

It reads the app's `AccountState`s and turns keys into requests to the app; it never calls a
provider itself. The history (`h`) and alert feed (`a`) panes live in `ExtraPanes` (`#extra`),
under the table on wide terminals and in its place on narrow ones; they get their data through
the hooks in `session_tui.ui.hooks`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList

from session_tui.engine.state import AccountState
from session_tui.enrich import SessionView
from session_tui.enrich.text import plain
from session_tui.model import Capability, Session
from session_tui.providers.base import SessionProvider
from session_tui.ui import cells, glyphs
from session_tui.ui.hooks import RevokeAttempt, RevokeKind, RevokeOutcome
from session_tui.ui.screens.confirm import ConfirmDialog
from session_tui.ui.screens.help import ACCOUNTS_KEY, RENAME_KEY, HelpScreen
from session_tui.ui.screens.rename import RenameDialog
from session_tui.ui.sorting import SortColumn, ordered
from session_tui.ui.widgets.accounts import AccountList
from session_tui.ui.widgets.details import DetailsPane
from session_tui.ui.widgets.extra_panes import ExtraPanes
from session_tui.ui.widgets.filter_bar import FilterInput
from session_tui.ui.widgets.header import StatusHeader
from session_tui.ui.widgets.sessions_table import SessionsTable

if TYPE_CHECKING:
    from session_tui.ui.app import SessionTuiApp

MAX_LISTED = 8  # sessions named one by one in the revoke-all dialog


_REVOKE_GROUP = Binding.Group("Revoke")
# Keys about the sessions table: not offered while the history or the feed has the focus.
_SESSION_ACTIONS = frozenset(
    {"revoke", "revoke_others", "sort", "sort_reverse", "quick", "rename", "rename_unavailable"}
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class MainScreen(Screen[None]):
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
        Binding("escape", "clear", "Clear", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("e", "rename", "Rename"),
        # Where the API cannot rename, `e` says so instead of doing nothing (not in the footer).
        Binding("e", "rename_unavailable", show=False),
        # In read-only mode r, R and e are gone from the footer; pressed, they say why.
        Binding("r", "read_only", show=False),
        Binding("R", "read_only", show=False),
        Binding("e", "read_only", show=False),
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

    @property
    def tui(self) -> SessionTuiApp:
        return self.app  # type: ignore[return-value]

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
            self.header.refresh()

    def tick(self) -> None:
        """Every second: "updated N s ago" moves on (with a frozen clock it stays put)."""
        # The app's timer can fire once more while the app is shutting down and the header
        # is already gone: skip that tick rather than raise.
        now = self.tui.now()
        for header in self.query("#header").results(StatusHeader):
            header.now = now
            header.refresh()
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
        return self.tui.enricher.views(account.sessions.values())

    def _show_account(self, reset: bool = False) -> None:
        account = self.account
        now = self.tui.now()
        table = self.table
        table.has_expiry = account.can(Capability.EXPIRY)
        table.has_activity = account.can(Capability.ACTIVITY)
        table.stale = self._stale(now)
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
        header.refresh()
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
            is_current=view is not None and view.session.id == account.current_id,
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
        if event.input.jumping:  # type: ignore[attr-defined]
            found = self.query_one("#accounts", AccountList).find(event.value)
            if found is not None:
                self.show_account(found)
            return
        self.table.set_filter(event.value)
        self.header.filter_text = self._filter_words()
        self._show_details()

    @on(FilterInput.Closed)
    def _filter_closed(self, event: FilterInput.Closed) -> None:
        filter_input = self.query_one("#filter", FilterInput)
        if filter_input.jumping:  # the account is found: back to the list, no filter kept
            filter_input.start(jumping=False)
            with filter_input.prevent(FilterInput.Changed):
                filter_input.value = self.table.filter_text
            if not filter_input.value:
                filter_input.remove_class("-active")
            self.query_one("#accounts", AccountList).focus()
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

    def action_sort(self) -> None:
        """`s`: the next sort column; in the account list, by name or by recent change."""
        if self._in_accounts():
            self.query_one("#accounts", AccountList).toggle_order()
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

    @on(SessionsTable.SortAsked)
    def _header_clicked(self, event: SessionsTable.SortAsked) -> None:
        table = self.table
        same = event.column is table.sort_column
        self._sort(event.column, reverse=not table.sort_reverse if same else False)

    @on(SessionsTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.header.marked = len(self.table.marked)

    def action_quick(self, name: str) -> None:
        """i: sessions idle longer than --inactive-days; u: devices nothing could recognise."""
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
        if table.filter_text:
            words.append(table.filter_text)
        return ", ".join(words)

    def _in_accounts(self) -> bool:
        focused = self.focused
        return focused is not None and focused.id == "accounts"

    def _in_extra_pane(self) -> bool:
        focused = self.focused
        return focused is not None and any(
            node.id == "extra" for node in focused.ancestors_with_self
        )

    def action_clear(self) -> None:
        """escape: leave the history or the feed for the sessions; there, forget the
        selection first, then the filter."""
        if self._in_extra_pane():
            extra = self.query_one("#extra", ExtraPanes)
            if extra.docked:
                self.table.focus()
            else:
                extra.close(extra.front)
            self.refresh_bindings()
            return
        table = self.table
        if table.marked:
            table.clear_marks()
            return
        if table.filtering:
            filter_input = self.query_one("#filter", FilterInput)
            filter_input.value = ""
            filter_input.remove_class("-active")
            table.quick.clear()
            table.set_filter("")
            self.header.filter_text = ""
            self._show_details()

    def action_filter(self) -> None:
        """`/`: filter the sessions; from the account list, jump to an account by name."""
        filter_input = self.query_one("#filter", FilterInput)
        filter_input.start(jumping=self._in_accounts())
        filter_input.add_class("-active")
        filter_input.focus()

    def _selected_view(self) -> SessionView | None:
        return self.table.view_of(self.table.selected_id)

    def _account_suffix(self) -> str:
        return f" of {plain(self.account.name, 80)}" if self.multi else ""

    def action_revoke(self) -> None:
        account = self.account
        view = self._selected_view()
        if view is None:
            self.notify("No session selected.", severity="warning")
            return
        session = view.session
        if session.is_current or session.id == account.current_id:
            self.notify(
                "This is the session session-tui is signed in with (This device); it cannot "
                "be revoked from here. Revoke it from another device, or end it where you "
                "signed in.",
                title="Not revoked",
                severity="warning",
            )
            return
        question = Text(f"Revoke {cells.describe(view)}{self._account_suffix()}?")
        note = Text("That device will be signed out at once.", style="dim")

        async def action(password: str | None) -> RevokeAttempt:
            return await self.tui.revoke_one(account, session, password)

        self.app.push_screen(
            ConfirmDialog(
                title="Revoke session",
                question=question,
                note=note,
                confirm_label="Revoke",
                action=action,
                password_for=self._password_for(account),
                id="confirm-revoke",
            ),
            self._revoked,
        )

    def _scope(self) -> tuple[list[Session], str | None]:
        """What `R` signs out: the marked rows, else the rows the filter shows, else every
        other session; and the words for a narrowed scope (None: all others)."""
        account = self.account
        current = account.current_id
        table = self.table
        if table.marked:
            chosen = [s for sid, s in account.sessions.items() if sid in table.marked]
            return [s for s in chosen if not s.is_current and s.id != current], "selected"
        if table.filtering:
            shown = [v.session for v in table.shown_views]
            return [s for s in shown if not s.is_current and s.id != current], "shown"
        return account.others(), None

    def action_revoke_others(self) -> None:
        account = self.account
        others, scope = self._scope()
        if not others:
            if scope == "shown":
                message = "The filter shows no other session to sign out."
            elif account.current_id:
                message = "There are no other sessions to sign out."
            else:
                message = f"{account.name} has no sessions to sign out."
            self.notify(message)
            return
        count = len(others)
        suffix = self._account_suffix()
        if scope is not None:
            these = "this session" if count == 1 else f"these {count} sessions"
            question = Text(f"Sign out {these}{suffix}?")
            hidden = len(account.others()) - count
            note = Text(
                f"Only the {scope} ones"
                + (f"; {_plural(hidden, 'other session')} stay signed in" if hidden else "")
                + ", and your current session too."
            )
        elif account.current_id is None:
            question = Text(f"Sign out all {_plural(count, 'session')}{suffix}?")
            note = None
        else:
            question = Text(f"Sign out {_plural(count, 'other session')}{suffix}?")
            note = Text("Your current session stays signed in.")
        views = ordered((self.tui.enricher.view(s) for s in others), SortColumn.LAST_ACTIVE)
        bullet = glyphs.current().bullet
        lines = [Text(f"{bullet} {cells.describe(v)}") for v in views[:MAX_LISTED]]
        if count > MAX_LISTED:
            lines.append(Text(f"  and {count - MAX_LISTED} more", style="dim"))

        async def action(password: str | None) -> RevokeAttempt:
            return await self.tui.revoke_others(account, others, password)

        self.app.push_screen(
            ConfirmDialog(
                title="Sign out other sessions" if account.current_id else "Sign out sessions",
                question=question,
                lines=lines,
                note=note,
                confirm_label="Sign out",
                action=action,
                password_for=self._password_for(account),
                id="confirm-revoke-all",
            ),
            self._revoked,
        )

    def _password_for(self, account: AccountState) -> str | None:
        if account.can(Capability.REAUTH_TO_REVOKE):
            return plain(account.name, 80) or "your account"
        return None

    def _revoked(self, attempt: RevokeAttempt | None) -> None:
        if attempt is None:
            return  # cancelled: nothing changes
        sessions = attempt.sessions
        one = attempt.kind is RevokeKind.ONE
        what = (
            cells.describe(self.tui.enricher.view(sessions[0]))
            if one
            else _plural(len(sessions), "session")
        )
        suffix = f" ({plain(attempt.account, 80)})" if self.multi else ""
        outcome = attempt.outcome
        if outcome is RevokeOutcome.DONE:
            message = (
                f"Revoked {what}." if one else f"Signed out {_plural(attempt.revoked, 'session')}."
            )
            self.notify(message + suffix, title="Done")
        elif outcome is RevokeOutcome.ALREADY_GONE:
            self.notify(
                f"{what} had already ended; nothing left to revoke.{suffix}", title="Already gone"
            )
        elif outcome is RevokeOutcome.PARTIAL:
            names = self._names(attempt.remaining)
            left = f" Still signed in: {names}." if names else " The next poll shows which remain."
            self.notify(
                f"{attempt.error}{left}{suffix}",
                title="Partly done",
                severity="warning",
                timeout=15,
            )
        elif outcome is RevokeOutcome.UNKNOWN:
            self.notify(
                f"{attempt.error}{suffix}", title="Not confirmed", severity="warning", timeout=15
            )
        else:
            self.notify(
                f"Could not revoke {what}: {attempt.error}{suffix}",
                title="Failed",
                severity="error",
            )
        self._show_account()

    def _names(self, session_ids: tuple[str, ...]) -> str:
        listed = self.account.sessions
        shown = [
            cells.describe(self.tui.enricher.view(listed[sid]))
            for sid in session_ids[:MAX_LISTED]
            if sid in listed
        ]
        more = len(session_ids) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 and shown else "")

    def action_read_only(self) -> None:
        self.notify(
            "Read-only mode: nothing can be revoked, signed out or renamed from here.",
            title="Read-only",
            severity="warning",
        )

    def action_rename_unavailable(self) -> None:
        kind = plain(self.account.provider.kind, 40)
        self.notify(
            f"Sessions cannot be renamed here: the {kind} API has no way to name a session.",
            title="Rename",
            severity="warning",
        )

    def action_rename(self) -> None:
        account = self.account
        if not account.can(Capability.RENAME):
            return
        view = self._selected_view()
        if view is None:
            self.notify("No session selected.", severity="warning")
            return
        sid = view.session.id

        async def action(name: str) -> None:
            await self.tui.rename(account, sid, name)

        def done(name: str | None) -> None:
            if name is not None:
                self.notify(f"Renamed to {plain(name, 80)}.")

        self.app.push_screen(
            RenameDialog(
                describe=Text(cells.describe(view)),
                current=view.name,
                action=action,
            ),
            done,
        )

    def sign_in_dialog(
        self,
        account: AccountState,
        sign_in: Callable[[AccountState, str | None], Awaitable[bool]],
    ) -> ConfirmDialog[bool]:
        """The dialog the app shows when our own credential stopped working."""
        provider = account.provider
        where = f" on {plain(provider.server, 80)}" if provider.server else ""

        async def action(password: str | None) -> bool:
            return await sign_in(account, password)

        if account.signed_out_elsewhere:
            title = "Signed out elsewhere"
            question = Text(
                f"This session of {plain(account.name, 80)}{where} was signed out elsewhere: "
                "its access token no longer works."
            )
        else:  # alive but refused (Better Auth's "not fresh"): the provider's own words
            title = "Sign in again"
            question = Text(plain(account.error or "The server wants a new sign-in.", 400))
        return ConfirmDialog(
            title=title,
            question=question,
            note=Text("Sign in again with your password, or cancel to stop polling."),
            confirm_label="Sign in",
            action=action,
            password_for=plain(account.name, 80) or "your account",
            danger=False,
            id="sign-in",
        )
