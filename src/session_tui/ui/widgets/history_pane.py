"""The History pane (`h`): ended sessions, newest first, and how each one ended.

Rows come from the tracker's `HistoryRow`s, read off the UI thread by the tracking bridge. Times
the app did not witness stay honest: a session that already existed when the account was first
watched reads "before <time>", one that vanished between two polls "between <time> and <time>",
and its duration "at least ...". Every cell is a `Text` built from sanitised strings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from session_tui.enrich.geo import UNKNOWN
from session_tui.enrich.text import plain
from session_tui.enrich.times import MISSING
from session_tui.model import EndReason
from session_tui.ui import glyphs
from session_tui.ui.widgets.keys import MOVE_KEYS
from session_tui.ui.widgets.pane_rows import PaneRows

if TYPE_CHECKING:
    from session_tui.tracking.store import HistoryRow

REASON_STYLE: dict[EndReason, Style] = {
    EndReason.REVOKED_HERE: Style(color="magenta", bold=True),
    EndReason.REVOKED: Style(color="magenta"),
    EndReason.EXPIRED: Style(dim=True),
    EndReason.SIGNED_OUT: Style(),
    EndReason.ENDED_ELSEWHERE: Style(color="yellow"),
}
_DIM = Style(dim=True)

# Each row is two lines, so the pane fits an 80-column terminal. "How it ended" and "Signed in ·
# ended" are as wide as their longest text (up to these), the device takes the rest; where that
# leaves the device too little, the other two give way down to their least.
REASON_WIDTH = (14, 28)  # (least, most)
WHEN_WIDTH = (20, 40)
MIN_DEVICE_WIDTH = 20
COLUMNS: tuple[tuple[str, str], ...] = (
    ("device", "Device · location"),
    ("reason", "How it ended"),
    ("when", "Signed in · ended"),
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One history row and the account it belongs to (on-call mode shows several)."""

    account: str
    row: HistoryRow


def _line(text: str, style: Style | str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")


def _two(first: Text, second: Text) -> Text:
    cell = Text(no_wrap=True, overflow="ellipsis", end="")
    cell.append_text(first)
    cell.append("\n")
    cell.append_text(second)
    return cell


def history_cells(row: HistoryRow, account: str | None = None) -> list[Text]:
    """The row's cells in `COLUMNS` order, two lines each, from sanitised strings only."""
    from session_tui.tracking.wording import duration_text, when_text  # loaded after start-up

    device = plain(row.device, 120) or "Unknown client"
    if account:
        device = f"{plain(account, 60)}: {device}"
    location = glyphs.shown(plain(row.location, 80))
    if not location or location == UNKNOWN:  # recorded before unknown places had no word
        location = glyphs.missing()
    signed_in = when_text(row.signed_in)
    honest = row.signed_in is None or row.signed_in.is_open
    return [
        _two(_line(device), _line(location, _DIM)),
        _two(
            _line(row.reason_text, REASON_STYLE.get(row.reason, "")),
            _line(_lasted(duration_text(row.signed_in, row.ended)), _DIM),
        ),
        _two(
            _line(signed_in, _DIM if honest else ""),
            _line(when_text(row.ended)),
        ),
    ]


def _lasted(duration: str) -> str:
    """ "lasted 2 days", "lasted at least 4 h": the duration says what it is."""
    return f"lasted {duration}" if duration and duration != MISSING else ""


class HistoryTable(DataTable[Text]):
    """The table inside the pane; keys are history row ids, so refreshes keep the cursor."""

    BINDINGS = [*MOVE_KEYS]  # noqa: RUF012 (Textual's own declaration style)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[AccountRow] = []
        self._by_key: dict[str, AccountRow] = {}
        self._multi = False
        self._widths: tuple[int, ...] = ()
        self._room = 0
        self.filter_text = ""  # `/` in the pane: only rows with every word in them

    def on_mount(self) -> None:
        self._columns(self._fit([]))

    def on_resize(self) -> None:
        if self._room != self._content_room():
            self.show(self._rows, multi=self._multi)

    def _content_room(self) -> int:
        return (self.scrollable_content_region.width or 100) - 2 * len(COLUMNS) - 1

    def _fit(self, built: Sequence[list[Text]]) -> tuple[int, ...]:
        """Widths that follow the text: reason and times at their longest, device the rest."""
        self._room = room = self._content_room()

        def longest(column: int, label: str) -> int:
            lines = [ln for cells in built for ln in cells[column].plain.split("\n")]
            return max([cell_len(label), *(cell_len(ln) for ln in lines)])

        reason = min(longest(1, COLUMNS[1][1]), REASON_WIDTH[1])
        when = min(longest(2, COLUMNS[2][1]), WHEN_WIDTH[1])
        short = MIN_DEVICE_WIDTH - (room - reason - when)
        if short > 0:  # the times give way first, then how it ended
            give = min(short, when - WHEN_WIDTH[0])
            when, short = when - give, short - give
            reason -= min(max(short, 0), reason - REASON_WIDTH[0])
        return (max(room - reason - when, MIN_DEVICE_WIDTH), reason, when)

    def _columns(self, widths: tuple[int, ...]) -> None:
        self.clear(columns=True)
        self._widths = widths
        for (key, label), width in zip(COLUMNS, widths, strict=True):
            # A Text label, not markup: a str would be parsed as markup with emoji codes,
            # which imports rich's table of every emoji name (15 ms of start-up) for nothing.
            self.add_column(Text(label), key=key, width=width)

    class Chosen(Message):
        """`enter` (or a click) on a row: show all that was kept about it."""

        def __init__(self, item: AccountRow, multi: bool) -> None:
            super().__init__()
            self.item = item
            self.multi = multi

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self._by_key.get(str(event.row_key.value))
        if item is not None:
            self.post_message(self.Chosen(item, self._multi))

    def show(self, rows: Sequence[AccountRow], *, multi: bool) -> None:
        """Replace the rows, keeping the cursor on the same history row when it is still there."""
        selected: str | None = None
        if self.row_count and self.cursor_row >= 0:
            with contextlib.suppress(CellDoesNotExist):
                selected = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self._rows, self._multi = list(rows), multi
        words = self.filter_text.casefold().split()
        built: list[tuple[AccountRow, list[Text]]] = []
        for item in self._rows:
            cells = history_cells(item.row, item.account if multi else None)
            haystack = " ".join(cell.plain for cell in cells).casefold()
            if all(word in haystack for word in words):
                built.append((item, cells))
        widths = self._fit([cells for _, cells in built])
        if widths != self._widths:
            self._columns(widths)
        else:
            self.clear()
        self._by_key = {}
        for item, cells in built:
            key = f"{item.account}\x00{item.row.row_id}"
            self._by_key[key] = item
            self.add_row(*cells, key=key, height=2)
        if selected is not None:
            with contextlib.suppress(RowDoesNotExist):
                self.move_cursor(row=self.get_row_index(selected))

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.show(self._rows, multi=self._multi)

    def reasons(self) -> list[str]:
        """What each row says about how it ended, top to bottom (for tests)."""
        return [self.get_cell(key, "reason").plain.split("\n")[0] for key in self.rows]

    def row_texts(self) -> list[str]:
        """Each row's cells joined by " | ", lines by " / " (for tests)."""
        return [
            " | ".join(cell.plain.replace("\n", " / ") for cell in self.get_row(key))
            for key in self.rows
        ]


class HistoryPane(PaneRows, Vertical):
    """The pane: a one-line hint when there is nothing to show, else the table."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading history…", style="dim"), id="history-hint")
        yield HistoryTable(id="history-table")

    TITLE = "History"

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self.border_subtitle = "ended sessions, newest first · enter for details"

    @property
    def table(self) -> HistoryTable:
        return self.query_one(HistoryTable)

    def show(self, rows: Sequence[AccountRow], *, multi: bool) -> None:
        self.table.show(rows, multi=multi)
        hint = self.query_one("#history-hint", Static)
        if rows:
            hint.display = False
        else:
            hint.update(
                Text(
                    "No ended sessions yet. Sessions that end while session-tui watches the "
                    "account (or that the API's own history reports) are listed here.",
                    style="dim",
                )
            )
            hint.display = True

    @property
    def rows(self) -> HistoryTable:
        return self.table
