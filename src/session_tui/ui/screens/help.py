"""The `?` screen: every key, including the ones the footer has no room for."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move between sessions (the mouse works too)"),
    ("enter", "show or hide the details pane"),
    ("r", "revoke the selected session"),
    ("space", "mark or unmark the session for R (a count shows in the header)"),
    ("R", "sign out the marked sessions, else the ones the filter shows, else all others"),
    ("s  S", "sort by the next column / the other way round (or click a column header)"),
    ("/", "filter rows by text (in the history or the feed: that pane's rows)"),
    ("i  u", "only sessions idle longer than --inactive-days / unrecognised devices (again: off)"),
    ("!", "only sessions with a risk (the Risk column; again: off)"),
    ("t", "this was me: the selected session's risk clears, its device and network are known"),
    ("m", "the world map: where the sessions are, this device, the selected one, journeys"),
    ("escape", "forget the marks, then the filter; in the history or the feed: back"),
    ("h", "the history of ended sessions (a tab on narrow screens, always shown on large ones)"),
    ("enter", "in the history: all that was kept about that ended session"),
    ("a", "the sign-in alert feed; enter on an alert selects its session"),
    ("l", "in the alert feed: only risk low and up, medium and up, high; then all again"),
    ("A", "in the alert feed: acknowledge the alert, for everyone on the store"),
    ("tab", "the next pane (sessions, account list, history, alerts)"),
    ("ctrl+r", "refresh now"),
    ("ctrl+p", "command palette: every action, and the themes (the one chosen is kept)"),
    ("y enter / n esc", "in a confirm dialog: confirm / cancel (Cancel has the focus)"),
    ("?", "this help"),
    ("q", "quit"),
)
RENAME_KEY = ("e", "rename the selected session")
ACCOUNTS_KEY = (
    "shift+tab  /  s",
    "to the account list; there / jumps to an account by name, s sorts by name or by change",
)


def help_table(extra: Sequence[tuple[str, str]] = ()) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, meaning in (*KEYS, *extra):
        table.add_row(Text(key), Text(meaning))
    return table


class HelpScreen(ModalScreen[None]):
    """Closes on escape, `?` or `q`."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, extra: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._extra = tuple(extra)

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static(Text("Keys", style="bold"), id="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_table(self._extra))
            yield Static(Text("escape or ? closes this help", style="dim"), id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
