"""The sessions table: one row per session id, updated in place so the cursor never jumps.

`DataTable.clear()` would reset the cursor and the scroll position, so a poll only adds, updates
and removes the rows that changed, then puts the cursor back on the session it was on (by id, not
by row index). The table is rebuilt only when the user changes its shape (resize, sort column).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from session_tui.enrich import DeviceType, SessionView
from session_tui.ui import cells, glyphs
from session_tui.ui.sorting import SortColumn, ordered
from session_tui.ui.widgets.keys import MOVE_KEYS

# Widths of the columns whose content has a known shape ("12 minutes ago", "in 21 days").
LAST_ACTIVE_WIDTH = 14
EXPIRES_WIDTH = 13
LOCATION_WIDTH = 20
LOCATION_NARROW_WIDTH = 16
LOCATION_TIGHT_WIDTH = 13  # "🇩🇪 Berlin, DE"
IP_FULL_WIDTH = 39  # the longest IPv6 text
IP_SHORT_WIDTH = 15  # a whole IPv4 address; IPv6 ends in "…" (the details pane has it all)
DEVICE_MIN_WIDTH = 26
DEVICE_ROOMY_WIDTH = 46  # before this, the IP column shortens
CELL_PADDING = 1
SCROLLBAR = 2

Layout = tuple[tuple[str, int], ...]


class RowText(Text):
    """A cell that knows its row's session id, so `DataTable.sort` can order rows by our key."""

    __slots__ = ("row_id",)

    def __init__(self, text: Text, row_id: str) -> None:
        super().__init__(
            text.plain,
            style=text.style,
            no_wrap=text.no_wrap,
            overflow=text.overflow,
            end=text.end,
        )
        self._spans = list(text.spans)
        self.row_id = row_id


MASS_REMOVAL = 64  # more rows than this gone in one poll: rebuild rather than remove each


def _same(a: object, b: Text) -> bool:
    return isinstance(a, Text) and a.plain == b.plain and a.spans == b.spans and a.style == b.style


def compute_layout(width: int, *, has_expiry: bool = True, has_activity: bool = True) -> Layout:
    """Column keys and widths for a table `width` cells wide.

    Where the API records no activity, "Signed in" takes the place of "Last active", which
    would only say "—".

    What gives way on narrow screens, in order: the IP shortens (IPv6 ends in "…"), then the
    IP goes (the details pane still has it), so Device keeps room to be readable at 80x24.
    Where the provider has no expiry there is no Expires column at all: it would only say "—".
    """
    full_ip = ("ip", IP_FULL_WIDTH)
    short_ip = ("ip", IP_SHORT_WIDTH)
    loc = ("location", LOCATION_WIDTH)
    narrow_loc = ("location", LOCATION_NARROW_WIDTH)
    last = ("last_active" if has_activity else "signed_in", LAST_ACTIVE_WIDTH)
    expires = ("expires", EXPIRES_WIDTH)
    tight_loc = ("location", LOCATION_TIGHT_WIDTH)  # next to the account list at 80 columns
    candidates: list[tuple[tuple[str, int], ...]] = [
        (loc, full_ip, last, expires),
        (loc, short_ip, last, expires),
        (narrow_loc, short_ip, last, expires),  # keeps the IP at 100 columns
        (narrow_loc, last, expires),
        (tight_loc, last, expires),
    ]
    if not has_expiry:
        candidates = [tuple(c for c in rest if c is not expires) for rest in candidates]
    for index, rest in enumerate(candidates):
        columns = 1 + len(rest)
        device = width - SCROLLBAR - 2 * CELL_PADDING * columns - sum(w for _, w in rest)
        wanted = DEVICE_ROOMY_WIDTH if index == 0 else DEVICE_MIN_WIDTH
        if device >= wanted or index == len(candidates) - 1:
            return (("device", max(min(device, 90), 12)), *rest)
    raise AssertionError("unreachable")


def matches(view: SessionView, query: str) -> bool:
    """Every word of the filter occurs somewhere in the session's searchable text."""
    return all(word in view.search_text for word in query.casefold().split())


class SessionsTable(DataTable[Text]):
    """Sessions of one account. Feed it with `show()`; read `selected_id`."""

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        # Not in the footer (no room at 80 columns with every key); the help screen has it.
        Binding("enter", "toggle_details", "Details", show=False),
        *MOVE_KEYS,
        Binding("space", "toggle_mark", "Select", show=False),
    ]

    class DetailsToggled(Message):
        """The user asked to show or hide the details pane (enter)."""

    class MarksChanged(Message):
        """The set of marked rows (`space`) changed."""

    class SortAsked(Message):
        """A column header was clicked: sort by it (again: the other way round)."""

        def __init__(self, column: SortColumn) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING, id=id)
        self.sort_column = SortColumn.LAST_ACTIVE
        self.sort_reverse = False  # `S`, or a second click on the header
        self.filter_text = ""
        self.quick: set[str] = set()  # quick filters: "inactive" (i), "unrecognised" (u)
        self.inactive_days = 90.0  # --inactive-days
        self.marked: set[str] = set()  # rows chosen with `space` (never the current session)
        self._views: list[SessionView] = []
        self._current_id: str | None = None
        self._now = datetime.now(UTC)
        self._window = timedelta(minutes=5)
        self._layout: Layout = ()
        self.has_expiry = True  # the provider's sessions expire; else Expires may give way
        self.has_activity = True  # the provider reports last activity; else "Signed in"
        self.stale = False  # polls are failing: rows are the last good data, dimmed, not live
        self._pending_id: str | None = None  # selected before a rebuild emptied the table

    # -- what the screen calls ---------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        """The session id under the cursor (None when the table is empty)."""
        if self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0))
        except CellDoesNotExist:
            return None
        return row_key.value

    @property
    def visible_ids(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._layout]

    def show(
        self,
        views: Iterable[SessionView],
        *,
        current_id: str | None,
        now: datetime,
        window: timedelta,
        reset: bool = False,
    ) -> None:
        """Show these sessions; rows are matched by id. `reset` starts afresh (other account)."""
        self._views = list(views)
        self._current_id = current_id
        self._now = now
        self._window = window
        if reset:
            self._layout = ()
            self._pending_id = None
        self._apply(keep_cursor=not reset)

    def set_sort(self, column: SortColumn, *, reverse: bool = False) -> None:
        self.sort_column = column
        self.sort_reverse = reverse
        self._layout = ()  # the header labels change: rebuild, keeping the cursor's session
        self._apply()

    @property
    def shown_views(self) -> list[SessionView]:
        """The sessions the filter lets through, in the table's order."""
        by_id = {v.session.id: v for v in self._views}
        return [by_id[sid] for sid in self.visible_ids if sid in by_id]

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self._apply()
            self.post_message(self.MarksChanged())

    def action_toggle_mark(self) -> None:
        sid = self.selected_id
        if sid is None:
            return
        if sid == self._current_id:
            self.app.notify(
                "This device cannot be selected: it is never signed out from here.",
                severity="warning",
            )
            return
        self.marked.symmetric_difference_update({sid})
        self._apply()
        self.post_message(self.MarksChanged())
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = event.column_key.value
        for column in SortColumn:
            if column.key == key:
                self.post_message(self.SortAsked(column))

    @property
    def filtering(self) -> bool:
        """Some rows may be hidden: a text filter or a quick filter is on."""
        return bool(self.filter_text or self.quick)

    def toggle_quick(self, name: str) -> None:
        self.quick.symmetric_difference_update({name})
        self._apply()

    def _quick_ok(self, view: SessionView) -> bool:
        session = view.session
        if "inactive" in self.quick:
            seen = session.last_active_at or session.created_at
            if seen is None or (self._now - seen) < timedelta(days=self.inactive_days):
                return False
        unknown = view.device.device_type is DeviceType.UNKNOWN
        return unknown or "unrecognised" not in self.quick

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply()

    def select_id(self, session_id: str) -> bool:
        """Put the cursor on this session; False when it is not shown (ended or filtered)."""
        try:
            index = self.get_row_index(session_id)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index)
        return True

    def view_of(self, session_id: str | None) -> SessionView | None:
        for view in self._views:
            if view.session.id == session_id:
                return view
        return None

    def cell_text(self, session_id: str, column: str) -> str:
        """The plain text a cell shows (for tests and screen readers of the SVG)."""
        return self.get_cell(session_id, column).plain

    # -- internals ---------------------------------------------------------------------------

    def action_toggle_details(self) -> None:
        self.post_message(self.DetailsToggled())

    def on_resize(self, event: events.Resize) -> None:
        if self._views or self._layout:
            self._apply()

    def _width(self) -> int:
        if self.size.width:
            return self.size.width
        return self.app.size.width

    def _label(self, key: str, title: str) -> Text:
        if key == self.sort_column.key:
            mark = glyphs.current()
            return Text.assemble(
                title, " ", (mark.sort_up if self.sort_reverse else mark.sort_down, "bold")
            )
        return Text(title)

    def _rebuild(self, layout: Layout) -> None:
        self._pending_id = self.selected_id or self._pending_id
        self.clear(columns=True)
        titles = {column.key: column.label for column in SortColumn}
        for key, width in layout:
            self.add_column(self._label(key, titles[key]), width=width, key=key)
        self._layout = layout
        if self.sort_column.key not in self.column_keys:
            # Back to the time column this layout has (Last active, or Signed in).
            fallback = SortColumn.LAST_ACTIVE if self.has_activity else SortColumn.SIGNED_IN
            if fallback is not self.sort_column:
                self.sort_column = fallback
                self._rebuild(layout)

    def _cell(self, key: str, view: SessionView, is_current: bool) -> Text:
        """One cell; only the layout's columns are ever built (this runs for every row on
        every poll)."""
        if key == "device":
            return cells.device_cell(view, is_current, marked=view.session.id in self.marked)
        if key == "location":
            return cells.location_cell(view)
        if key == "ip":
            return cells.ip_cell(view)
        if key == "last_active":
            return cells.last_active_cell(view, self._now, self._window, live=not self.stale)
        if key == "signed_in":
            return cells.signed_in_cell(view, self._now)
        return cells.expires_cell(view, self._now)

    def _cells(self, view: SessionView) -> dict[str, Text]:
        sid = view.session.id
        is_current = sid == self._current_id or view.session.is_current
        row: dict[str, Text] = {}
        for key in self.column_keys:
            text = self._cell(key, view, is_current)
            if is_current and key != "device":
                text.stylize(cells.CURRENT_STYLE)
            if self.stale:
                text.stylize(cells.STALE_STYLE)
            row[key] = RowText(text, sid)
        return row

    def _apply(self, keep_cursor: bool = True) -> None:
        layout = compute_layout(
            self._width(), has_expiry=self.has_expiry, has_activity=self.has_activity
        )
        if layout != self._layout:
            self._rebuild(layout)
        selected = (self.selected_id or self._pending_id) if keep_cursor else None
        cursor_index = self.cursor_row
        ordered_views = ordered(
            self._views, self.sort_column, self._now, self._window, reverse=self.sort_reverse
        )
        listed = {v.session.id for v in self._views}
        self.marked &= listed  # a marked session that ended is no longer marked
        wanted = [v for v in ordered_views if matches(v, self.filter_text) and self._quick_ok(v)]
        wanted_ids = [v.session.id for v in wanted]
        keep = set(wanted_ids)
        gone = [row_id for row_id in self.visible_ids if row_id not in keep]
        if len(gone) > MASS_REMOVAL:
            # DataTable.remove_row re-indexes every remaining row, so ending many sessions at
            # once (revoke-all on a big account) one row at a time is quadratic: start afresh.
            scroll_y = self.scroll_y
            self.clear()
            self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)
        else:
            for row_id in gone:
                self.remove_row(row_id)
        shown = set(self.visible_ids)
        for view in wanted:
            sid = view.session.id
            row = self._cells(view)
            if sid in shown:
                for key, text in row.items():
                    if not _same(self.get_cell(sid, key), text):
                        self.update_cell(sid, key, text)
            else:
                self.add_row(*row.values(), key=sid)
        if self.visible_ids != wanted_ids:
            position = {sid: index for index, sid in enumerate(wanted_ids)}
            self.sort("device", key=lambda cell: position[cell.row_id])
        self._restore_cursor(selected, cursor_index)

    def _restore_cursor(self, selected: str | None, old_index: int) -> None:
        if not self.row_count:
            return
        if selected is not None:
            try:
                index = self.get_row_index(selected)
            except RowDoesNotExist:
                index = min(old_index, self.row_count - 1)  # it ended: the next one down
            else:
                self._pending_id = None
        else:
            index = min(old_index, self.row_count - 1)
        if index != self.cursor_row:
            self.move_cursor(row=index, scroll=False)
        else:
            # Same index, maybe another session: make sure listeners hear about it.
            self.refresh_row(index)
