"""The History pane (`h`): ended sessions, newest first, and how each one ended.

Rows come from the tracker's `HistoryRow`s, read off the UI thread by the tracking bridge. Times
the app did not witness stay honest: a session that already existed when the account was first
watched reads "before <time>", one that vanished between two polls "between <time> and <time>",
and its duration "at least ...". Every cell is a `Text` built from sanitised strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import humanize
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from session_tui.enrich.text import plain
from session_tui.enrich.times import MISSING
from session_tui.model import EndReason
from session_tui.tracking.events import TimeRange
from session_tui.tracking.store import HistoryRow

REASON_STYLE: dict[EndReason, Style] = {
    EndReason.REVOKED_HERE: Style(color="magenta", bold=True),
    EndReason.REVOKED: Style(color="magenta"),
    EndReason.EXPIRED: Style(dim=True),
    EndReason.SIGNED_OUT: Style(),
    EndReason.ENDED_ELSEWHERE: Style(color="yellow"),
}
_DIM = Style(dim=True)

# (key, label, width or None for "as wide as the text")
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("device", "Device", 30),
    ("location", "Location", 20),
    ("signed_in", "Signed in", None),
    ("duration", "Duration", None),
    ("ended", "Ended", None),
    ("reason", "How it ended", None),
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One history row and the account it belongs to (on-call mode shows several)."""

    account: str
    row: HistoryRow


def short_time(value: datetime) -> str:
    """Local time to the minute without the year: "Nov 25 13:04" (history keeps 90 days)."""
    return value.astimezone().strftime("%b %d %H:%M")


def when_text(value: TimeRange | None) -> str:
    """ "Nov 25 13:04", "before Nov 25 13:04" or "between Nov 25 13:04 and 13:09"."""
    if value is None:
        return MISSING
    latest = short_time(value.latest)
    if value.earliest is None:
        return f"before {latest}"
    earliest = short_time(value.earliest)
    if earliest == latest:
        return latest
    if earliest[:6] == latest[:6]:  # same day: say the date once
        latest = latest[7:]
    return f"between {earliest} and {latest}"


def duration_text(length: timedelta | None, is_minimum: bool) -> str:
    """ "3 hours", "at least 2 days" when the start is only a bound, "—" when unknown."""
    if length is None:
        return MISSING
    words = humanize.naturaldelta(length) if length >= timedelta(seconds=1) else "a moment"
    return f"at least {words}" if is_minimum else words


def _cell(text: str, style: Style | str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")


def history_cells(row: HistoryRow) -> list[Text]:
    """The row's cells in `COLUMNS` order, each plain text in a `Text`."""
    device = plain(row.device, 120) or MISSING
    location = plain(row.location, 80) or MISSING
    signed_in = when_text(row.signed_in)
    return [
        _cell(device, _DIM if device == MISSING else ""),
        _cell(location, _DIM if location == MISSING else ""),
        _cell(signed_in, _DIM if row.signed_in is None or row.signed_in.is_open else ""),
        _cell(duration_text(row.duration, row.duration_is_minimum)),
        _cell(when_text(row.ended)),
        _cell(str(row.reason), REASON_STYLE.get(row.reason, "")),
    ]


class HistoryTable(DataTable[Text]):
    """The table inside the pane; keys are history row ids, so refreshes keep the cursor."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._multi = False

    def on_mount(self) -> None:
        self._columns_for(multi=False)

    def _columns_for(self, *, multi: bool) -> None:
        self.clear(columns=True)
        self._multi = multi
        if multi:
            self.add_column("Account", key="account", width=22)
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, rows: Sequence[AccountRow], *, multi: bool) -> None:
        """Replace the rows, keeping the cursor on the same history row when it is still there."""
        selected: str | None = None
        if self.row_count and self.cursor_row >= 0:
            try:
                selected = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
            except Exception:
                selected = None
        if multi != self._multi:
            self._columns_for(multi=multi)
        else:
            self.clear()
        for item in rows:
            cells = history_cells(item.row)
            if multi:
                cells.insert(0, _cell(plain(item.account, 80)))
            self.add_row(*cells, key=f"{item.account}\x00{item.row.row_id}")
        if selected is not None:
            try:
                self.move_cursor(row=self.get_row_index(selected))
            except Exception:
                pass

    def reasons(self) -> list[str]:
        """What the "How it ended" column says, top to bottom (for tests)."""
        return [self.get_cell(key, "reason").plain for key in self.rows]

    def row_texts(self) -> list[str]:
        """Each row's cells joined by " | " (for tests)."""
        return [" | ".join(cell.plain for cell in self.get_row(key)) for key in self.rows]


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
