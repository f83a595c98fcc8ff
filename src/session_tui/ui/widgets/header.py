"""The one-line header: whose sessions, from where, and how fresh they are."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from session_tui.engine.state import AccountState, Connection
from session_tui.enrich.text import plain

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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.account: AccountState | None = None
        self.now: datetime | None = None
        self.read_only = False  # --read-only: said in the header, right after the name

    def render(self) -> Table:
        left = Text(no_wrap=True, overflow="ellipsis")
        left.append("session-tui", "bold reverse")
        right = Text(no_wrap=True, justify="right")
        account = self.account
        if account is not None:
            provider = account.provider
            left.append(" ")
            left.append(plain(account.name, 80), "bold")
            if self.read_only:
                left.append(" ")
                left.append("read-only", "bold reverse yellow")
            if provider.acting_as and provider.acting_as != account.name:
                left.append(" as ", "dim")
                left.append(plain(provider.acting_as, 80))
            left.append("  ")
            left.append(plain(provider.kind, 20), "dim")
            if provider.server:
                left.append(" · ", "dim")
                left.append(plain(provider.server, 80), "dim")
            if self.sort_label:
                left.append("  ")
                left.append(f"sort: {self.sort_label}", "dim")
            if self.filter_text:
                left.append("  ")
                left.append("filter:", "dim")
                left.append(" ")
                left.append(plain(self.filter_text, 40), "italic")
            if self.unseen_alerts:
                noun = "alert" if self.unseen_alerts == 1 else "alerts"
                right.append(f"⚑ {self.unseen_alerts} new {noun}", "bold magenta")
                right.append("  ")
            style = _STATE_STYLE[account.connection]
            right.append("●", style)
            right.append(" ")
            right.append(account.connection.value, style)
            if account.error and account.connection is not Connection.CONNECTED:
                right.append(": ", style)
                right.append(plain(account.error, 48), style)
            if self.now is not None:
                right.append(" · ", "dim")
                right.append(updated_text(account.updated_at, self.now), "dim")
            right.append(" ")
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        grid.add_row(left, right)
        return grid
