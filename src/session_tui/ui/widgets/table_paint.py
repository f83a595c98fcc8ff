"""How the sessions table paints its lines, and which lines a change repaints.

The base of `SessionsTable` (it reads the table's rows, layout, cursor and marks): each cell
is built as `Text` when its line is painted, and its segments kept by what they show (rows
share "Online", device words and places); each painted line leaves a key of what it showed,
so a poll repaints only the lines that would show something else.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from session_tui.engine.ordering import SortColumn
from session_tui.enrich import SessionView
from session_tui.ui import cells, glyphs
from session_tui.ui.table_layout import CELL_PADDING, RISK_WIDTH, Layout
from session_tui.ui.table_rows import TableRows

_PAD = " " * CELL_PADDING
TIME_COLUMNS = frozenset({"last_active", "signed_in", "expires"})  # their text moves with the clock
RENDERED_CELLS = 4096  # cells' segments kept for the next paint; all dropped past this


@functools.cache
def _column_meta(column: int) -> Style:
    """A cell's column in its style's meta (see `_line`), made once: `from_meta` pickles."""
    return Style.from_meta({"column": column})


class TablePaint(ScrollView):
    """The painting half of `SessionsTable`; the attributes below are the table's."""

    rows: TableRows
    marked: set[str]
    stale: bool
    awaiting_listing: bool = True  # no listing yet: the heading line says so, no columns
    preview_of: int = 0  # showing the first rows of a large first listing of this many
    sort_column: SortColumn
    sort_reverse: bool
    _layout: Layout
    _cursor: int
    _current_id: str | None
    _now: datetime
    _window: timedelta
    _rendered_cells: dict[tuple[object, ...], list[Segment]]
    # What each line on screen was painted with (see `_refresh_changed`).
    _painted: dict[int, tuple[tuple[object, ...], tuple[str, ...]]]
    _frame_style: Style | None = None

    def _is_current(self, view: SessionView) -> bool:
        raise NotImplementedError

    def _refresh_changed(self) -> None:
        """Repaint the lines that would show something else, or all when most would.

        Each painted line leaves a key of what it showed (`_painted`): the session and its
        view, its stripe, cursor, mark and the time texts. A poll that moved nothing on
        screen then repaints only the current session's line (its activity moved), where
        the whole table was painted again: at 10,000 sessions, most of such a poll's cost.
        """
        painted = self._painted
        height = self.scrollable_content_region.height
        if not painted or not height:
            self.refresh()
            return
        changed = []
        for y in range(height):
            was = painted.get(y)
            shows = self._line_key(y)
            if was is None or was[0] != shows or was[1] != self._time_texts(y):
                changed.append(y)
        if len(changed) > height // 2:
            self.refresh()
            return
        width = max(self.virtual_size.width, self.size.width)
        for y in changed:
            self.refresh(Region(0, y, width, 1))

    def _line_key(self, y: int) -> tuple[object, ...]:
        """What decides line `y` but for the clock (see `_time_texts`)."""
        width = self.scrollable_content_region.width
        layout = tuple(self._layout)
        if y == 0:
            return (
                "header",
                width,
                layout,
                self.sort_column,
                self.sort_reverse,
                self.awaiting_listing,
            )
        index = int(self.scroll_y) + y - 1
        order = self.rows.order
        if index >= len(order):
            return ("blank", width)
        sid = order[index]
        view = self.rows.views[sid]
        shown = (index % 2, index == self._cursor, sid in self.marked, self.stale)
        return (sid, view, *shown, self._current_id, width, layout)

    def _time_texts(self, y: int, texts: list[Text] | None = None) -> tuple[str, ...]:
        """The texts of line `y`'s time columns ("Online", "3 min ago"), which move with
        the clock; from `texts` when the line's cells are at hand."""
        index = int(self.scroll_y) + y - 1
        order = self.rows.order
        if y == 0 or index >= len(order):
            return ()
        keys = [key for key, _ in self._layout]
        if texts is None:
            view = self.rows.views[order[index]]
            is_current = self._is_current(view)
            return tuple(
                self._cell(key, view, is_current).plain for key in keys if key in TIME_COLUMNS
            )
        return tuple(t.plain for t, key in zip(texts, keys, strict=True) if key in TIME_COLUMNS)

    def _cell(self, key: str, view: SessionView, is_current: bool, width: int = 0) -> Text:
        """Column `key`'s cell; `width` is the column's (the IP is shortened to fit it)."""
        if key == "device":
            text = cells.device_cell(view, is_current, marked=view.session.id in self.marked)
        elif key == "location":
            text = cells.location_cell(view)
        elif key == "ip":
            text = cells.ip_cell(view, width or cells.IP_ROOM)
        elif key == "last_active":
            text = cells.last_active_cell(view, self._now, self._window, live=not self.stale)
        elif key == "signed_in":
            text = cells.signed_in_cell(view, self._now)
        elif key == "risk":
            text = cells.risk_cell(view, width or RISK_WIDTH)
        else:
            text = cells.expires_cell(view, self._now)
        if is_current and key != "device":
            text.stylize(cells.CURRENT_STYLE)
        if self.stale:
            text.stylize(cells.STALE_STYLE)
        return text

    def _label(self, key: str, width: int) -> Text:
        title = next(c.label for c in SortColumn if c.key == key)
        if key == "risk" and width < RISK_WIDTH:
            title = "!"  # the narrow Risk column: its marks alone
        if key != self.sort_column.key:
            return Text(title)
        mark = glyphs.current()
        arrow = mark.sort_up if self.sort_reverse else mark.sort_down
        return Text.assemble(title, " ", (arrow, "bold"))

    def _line(self, texts: list[Text], style: Style, post: Style | None) -> Strip:
        console = self.app.console
        segments: list[Segment] = []
        rendered = self._rendered_cells
        if len(rendered) > RENDERED_CELLS:
            rendered.clear()
        for column, (text, (_, width)) in enumerate(zip(texts, self._layout, strict=True)):
            # Many rows share a cell's text ("Online", "Firefox on Linux", a city): its
            # segments are kept by everything they depend on.
            key: tuple[object, ...] = (
                text.plain,
                tuple(text.spans),
                text.style,
                text.overflow,
                width,
                column,
                style,
                post,
            )
            cell_segments = rendered.get(key)
            if cell_segments is None:
                text.truncate(width, overflow=text.overflow or "ellipsis", pad=True)
                # Each cell its own run (the column in its meta): an SVG screenshot then
                # places every cell at its column, even where a font draws a flag wider
                # than two cells.
                cell = style + _column_meta(column)
                parts = [Segment(_PAD), *text.render(console), Segment(_PAD)]
                cell_segments = rendered[key] = list(Segment.apply_style(parts, cell, post))
            segments.extend(cell_segments)
        return Strip(segments)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's style is worked out once per paint, not once per line: Textual walks
        every ancestor's background for it (a third of the table's paint, profiled)."""
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self._frame_style or self.rich_style
        if y == 0:
            self._painted[y] = (self._line_key(y), ())
            header = base + self.get_component_rich_style("sessions-table--header")
            if self.awaiting_listing:
                return Strip([Segment(" Loading sessions…", header)]).crop_extend(0, width, header)
            labels = [self._label(key, width) for key, width in self._layout]
            return self._line(labels, header, None).crop_extend(0, width, header)
        index = int(self.scroll_y) + y - 1
        order = self.rows.order
        if index >= len(order):
            self._painted[y] = (self._line_key(y), ())
            return Strip.blank(width, base)
        view = self.rows.views[order[index]]
        parity = "sessions-table--odd-row" if index % 2 else "sessions-table--even-row"
        style = base + self.get_component_rich_style(parity)
        post = None
        if index == self._cursor:
            cursor = self.get_component_rich_style("sessions-table--cursor")
            style += cursor
            post = Style(color=cursor.color, bold=cursor.bold)
        is_current = self._is_current(view)
        texts = [self._cell(key, view, is_current, width) for key, width in self._layout]
        self._painted[y] = (self._line_key(y), self._time_texts(y, texts))
        return self._line(texts, style, post).crop_extend(0, width, style)
