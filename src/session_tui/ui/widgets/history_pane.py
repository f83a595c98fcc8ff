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

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from session_tui.enrich.text import plain
from session_tui.model import EndReason
from session_tui.tracking.store import HistoryRow
from session_tui.tracking.wording import duration_text, when_text
from session_tui.ui import glyphs
from session_tui.ui.widgets.keys import MOVE_KEYS

REASON_STYLE: dict[EndReason, Style] = {
    EndReason.REVOKED_HERE: Style(color="magenta", bold=True),
    EndReason.REVOKED: Style(color="magenta"),
    EndReason.EXPIRED: Style(dim=True),
    EndReason.SIGNED_OUT: Style(),
    EndReason.ENDED_ELSEWHERE: Style(color="yellow"),
}
_DIM = Style(dim=True)

# Each row is two lines, so the pane fits an 80-column terminal: (key, label, width); the first
# column takes whatever width the other two leave.
REASON_WIDTH = 18
WHEN_WIDTH = 30
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
    device = plain(row.device, 120) or "Unknown client"
    if account:
        device = f"{plain(account, 60)}: {device}"
    location = glyphs.shown(plain(row.location, 80)) or glyphs.missing()
    signed_in = when_text(row.signed_in)
    honest = row.signed_in is None or row.signed_in.is_open
    return [
        _two(_line(device), _line(location, _DIM)),
        _two(
            _line(str(row.reason), REASON_STYLE.get(row.reason, "")),
            _line(duration_text(row.signed_in, row.ended), _DIM),
        ),
        _two(
            _line(signed_in, _DIM if honest else ""),
            _line(when_text(row.ended)),
        ),
    ]


class HistoryTable(DataTable[Text]):
    """The table inside the pane; keys are history row ids, so refreshes keep the cursor."""

    BINDINGS = [*MOVE_KEYS]  # noqa: RUF012 (Textual's own declaration style)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[AccountRow] = []
        self._multi = False
        self._device_width = 0
        self.filter_text = ""  # `/` in the pane: only rows with every word in them

    def on_mount(self) -> None:
        self._columns()

    def on_resize(self) -> None:
        if self._fit_width() != self._device_width:
            self.show(self._rows, multi=self._multi)

    def _fit_width(self) -> int:
        """The device column gets what is left of the pane (cell padding is 1 each side)."""
        room = self.scrollable_content_region.width or 100
        return max(MIN_DEVICE_WIDTH, room - REASON_WIDTH - WHEN_WIDTH - 6 - 1)

    def _columns(self) -> None:
        self.clear(columns=True)
        self._device_width = self._fit_width()
        widths = {"device": self._device_width, "reason": REASON_WIDTH, "when": WHEN_WIDTH}
        for key, label in COLUMNS:
            self.add_column(label, key=key, width=widths[key])

    def show(self, rows: Sequence[AccountRow], *, multi: bool) -> None:
        """Replace the rows, keeping the cursor on the same history row when it is still there."""
        selected: str | None = None
        if self.row_count and self.cursor_row >= 0:
            with contextlib.suppress(CellDoesNotExist):
                selected = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self._rows, self._multi = list(rows), multi
        if self._fit_width() != self._device_width:
            self._columns()
        else:
            self.clear()
        words = self.filter_text.casefold().split()
        for item in self._rows:
            cells = history_cells(item.row, item.account if multi else None)
            if words:
                haystack = " ".join(cell.plain for cell in cells).casefold()
                if not all(word in haystack for word in words):
                    continue
            self.add_row(*cells, key=f"{item.account}\x00{item.row.row_id}", height=2)
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


class HistoryPane(Vertical):
    """The pane: a one-line hint when there is nothing to show, else the table."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading history…", style="dim"), id="history-hint")
        yield HistoryTable(id="history-table")

    def on_mount(self) -> None:
        self.border_title = "History"
        self.border_subtitle = "ended sessions, newest first"

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

    def focus_table(self) -> None:
        self.table.focus()
