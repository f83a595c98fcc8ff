"""The one-line header: whose sessions, from where, and how fresh they are."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from session_tui.engine.state import AccountState, Connection
from session_tui.enrich.text import plain
from session_tui.ui import glyphs

_STATE_STYLE = {
    Connection.CONNECTING: "yellow",
    Connection.CONNECTED: "green",
    Connection.ERROR: "bold red",
    Connection.RATE_LIMITED: "yellow",
    Connection.SIGNED_OUT: "bold red",
    Connection.RECONNECTING: "yellow",
}


def updated_text(updated_at: datetime | None, now: datetime) -> str:
    if updated_at is None:
        return "not updated yet"
    seconds = max(0, int((now - updated_at).total_seconds()))
    if seconds < 1:
        return "updated just now"
    if seconds < 60:
        return f"updated {seconds} s ago"
    if seconds < 3600:
        return f"updated {seconds // 60} min ago"
    return f"updated {seconds // 3600} h ago"


# What the header leaves out when the line is too short, by level (see `_texts`).
_DROP_SERVER, _DROP_KIND, _DROP_SORT, _DROP_AS, _SHORT_ERROR, _DROP_FRESHNESS, _DROP_ERROR = range(
    1, 8
)
_LEVELS = _DROP_ERROR


class StatusHeader(Widget):
    """Account, provider and server on the left; state, freshness and alerts on the right.

    The app sets `account` and `now` (attributes down) and calls `refresh()` on every tick.
    """

    DEFAULT_CSS = """
    StatusHeader { height: 1; dock: top; }
    """

    unseen_alerts: reactive[int] = reactive(0)
    sort_label: reactive[str] = reactive("")
    filter_text: reactive[str] = reactive("")
    marked: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.account: AccountState | None = None
        self.now: datetime | None = None
        self.read_only = False  # --read-only: said in the header, right after the name
        self.interval = 5.0  # the poll interval: a poll waiting much longer is said so
        self._shown: tuple[Text, Text] | None = None  # what the last paint said

    def render(self) -> Table:
        left, right = self._shown = self._texts()
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow=glyphs.current().overflow)
        grid.add_column(no_wrap=True, justify="right")
        grid.add_row(left, right)
        return grid

    def refresh_if_changed(self) -> None:
        """Repaint only when what the header says changed: on every tick and every poll it
        is asked, and most often it says the same ("updated just now"); a repaint is ~1 ms
        of the UI thread."""
        if self._shown is None or self._texts() != self._shown:
            self.refresh()

    def _texts(self) -> tuple[Text, Text]:
        """The two sides, with as much as the width holds. What gives way, in order: the
        server, the provider's kind, the sort, "as ...", the length of an error, how fresh
        the data is, the error itself; the account and the filter are cut only after that."""
        width = self.size.width
        for level in range(_LEVELS + 1):
            left, right = self._side_texts(level)
            if width <= 0 or left.cell_len + right.cell_len + 1 <= width:
                break
        return left, right

    def _side_texts(self, level: int) -> tuple[Text, Text]:
        left = Text(no_wrap=True, overflow=glyphs.current().overflow)
        left.append("session-tui", "bold reverse")
        right = Text(no_wrap=True, justify="right")
        account = self.account
        if account is None:
            return left, right
        provider = account.provider
        left.append(" ")
        left.append(plain(account.name, 80), "bold")
        if self.read_only:
            left.append(" ")
            left.append("read-only", "bold reverse yellow")
        if self.filter_text:  # what the table shows is not everything: never dropped
            left.append("  ")
            left.append("filter:", "dim")
            left.append(" ")
            left.append(plain(self.filter_text, 40), "italic")
        if level < _DROP_AS and provider.acting_as and provider.acting_as != account.name:
            left.append(" as ", "dim")
            left.append(plain(provider.acting_as, 80))
        if level < _DROP_KIND:
            left.append("  ")
            left.append(plain(provider.kind, 20), "dim")
            if provider.server and level < _DROP_SERVER:
                left.append(" · ", "dim")
                left.append(plain(provider.server, 80), "dim")
        if self.sort_label and level < _DROP_SORT:
            left.append("  ")
            left.append(f"sort: {self.sort_label}", "dim")
        if self.marked:
            right.append(f"{glyphs.current().mark} {self.marked} selected", "bold yellow")
            right.append("  ")
        if self.unseen_alerts:
            noun = "alert" if self.unseen_alerts == 1 else "alerts"
            right.append(
                f"{glyphs.current().alert} {self.unseen_alerts} new {noun}", "bold magenta"
            )
            right.append("  ")
        right.append_text(self._state(account, level))
        right.append(" ")
        return left, right

    def _state(self, account: AccountState, level: int = 0) -> Text:
        """ "● connected · updated 3 s ago", or what is wrong: never "connected" while polls
        fail or a poll waits far past its interval (the rows are then the last good data)."""
        now = self.now
        text = Text(no_wrap=True)
        failing = account.connection in (Connection.ERROR, Connection.RATE_LIMITED)
        waited = account.waiting(now, self.interval) if now is not None else None
        word = "stale" if account.updated_at else "offline"
        if failing:
            style, label = _STATE_STYLE[account.connection], word
        elif waited is not None:
            style, label = "yellow", f"{word}: no answer for {int(waited)} s"
        else:
            style, label = _STATE_STYLE[account.connection], account.connection.value
        text.append(glyphs.current().online, style)
        text.append(" ")
        text.append(label, style)
        failed = account.error and account.connection is not Connection.CONNECTED
        if failed and level < _DROP_ERROR:
            text.append(": ", style)
            text.append(plain(account.error, 48 if level < _SHORT_ERROR else 24), style)
        if account.polled_by is not None and level < _DROP_ERROR:  # a team's shared store
            who = plain(account.polled_by, 40)
            text.append(f" · polled by {who}" if who else " · polled here", "dim")
        if now is None or level >= _DROP_FRESHNESS:
            return text
        text.append(" · ", "dim")
        if (failing or waited is not None) and account.updated_at is not None:
            ago = updated_text(account.updated_at, now).removeprefix("updated ")
            text.append(f"last good data {ago}", "dim")
        else:
            text.append(updated_text(account.updated_at, now), "dim")
        if failing and account.retry_at is not None and not account.in_flight:
            wait = max(0, int((account.retry_at - now).total_seconds()))
            text.append(f" · retrying in {wait} s" if wait else " · retrying now", "dim")
        return text
