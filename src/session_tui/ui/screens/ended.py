"""`enter` on a history row: everything kept about that ended session, in a dialog.

The pane shows two lines a session; an investigation wants the rest (the address it came from,
its user agent, its id for the audit trail). What is shown is what was recorded when it ended:
the device and place as described then, the times as honestly as they are known ("before ...",
"between ... and ..."). Every value is plain text from the record, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from session_tui.enrich.text import plain
from session_tui.ui import cells, glyphs
from session_tui.ui.widgets.history_pane import REASON_STYLE

if TYPE_CHECKING:
    from session_tui.tracking.store import HistoryRow

USER_AGENT_LEN = 1024
_SOURCE = {
    "observed": "seen ending by session-tui",
    "api": "from the server's own history",
}


def ended_details(row: HistoryRow, account: str | None = None) -> Table:
    """A two-column grid of what the history kept about the session."""
    from session_tui.tracking.wording import duration_text, when_text

    session = row.session
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, min_width=12)
    grid.add_column(ratio=1, overflow="fold")
    if account:
        grid.add_row("Account", Text(plain(account, 120)))
    grid.add_row("Name", cells.value_text(plain(session.display_name, 128)))
    grid.add_row("Device", cells.value_text(plain(row.device, 160)))
    grid.add_row("IP", cells.value_text(plain(session.ip, 64)))
    grid.add_row("Location", cells.value_text(glyphs.shown(plain(row.location, 120))))
    grid.add_row("How it ended", Text(row.reason_text, style=REASON_STYLE.get(row.reason, "")))
    grid.add_row("Signed in", Text(when_text(row.signed_in)))
    grid.add_row("Ended", Text(when_text(row.ended)))
    grid.add_row("Lasted", Text(duration_text(row.signed_in, row.ended)))
    grid.add_row("Recorded", Text(_SOURCE.get(row.source, plain(row.source, 40))))
    grid.add_row("Session id", Text(plain(session.id, 200)))
    grid.add_row("User agent", cells.value_text(plain(session.user_agent, USER_AGENT_LEN)))
    return grid


class EndedSessionScreen(ModalScreen[None]):
    """Closes on escape, enter or `q`."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, row: HistoryRow, account: str | None = None) -> None:
        super().__init__()
        self.row = row
        self._account = account

    def compose(self) -> ComposeResult:
        with Vertical(id="ended", classes="dialog"):
            yield Static(Text("Ended session", style="bold"), id="dialog-title")
            with VerticalScroll(id="ended-body"):
                yield Static(ended_details(self.row, self._account), id="ended-details")
            yield Static(Text("escape closes", style="dim"), id="ended-hint")

    def action_close(self) -> None:
        self.dismiss(None)
