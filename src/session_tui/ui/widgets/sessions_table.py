"""The sessions table: a virtualised list that paints only the rows on screen.

`DataTable` keeps every row's cells and re-indexes all rows on each removal, so a poll of an
account with thousands of sessions cost seconds on the UI loop. Here the rows are data
(`TableRows`: order, index by id, kept per session and redone only for what changed) and
`render_line` builds the cells of the few rows in view, with times ("12 minutes ago") worked
out as they are painted. The cursor follows its session id across polls, sorts and filters;
the scroll position holds; the header row stays put.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer

from session_tui.engine.ordering import SortColumn
from session_tui.enrich import SessionView
from session_tui.ui.table_layout import CELL_PADDING, Layout, compute_layout
from session_tui.ui.table_rows import Query, TableRows, matches
from session_tui.ui.widgets.table_paint import TablePaint

__all__ = ["SessionsTable", "matches"]


HOLD_AFTER_MOVE = 3.0  # seconds after a move (or while marks exist) the rows keep their places
HELD_HINT = "new activity: the order updates when you pause"


class SessionsTable(TablePaint, can_focus=True):
    """Sessions of one account. Feed it with `show()`; read `selected_id`."""

    COMPONENT_CLASSES = {  # noqa: RUF012 (Textual's own declaration style)
        "sessions-table--header",
        "sessions-table--cursor",
        "sessions-table--even-row",
        "sessions-table--odd-row",
    }

    DEFAULT_CSS = """
    SessionsTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .sessions-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .sessions-table--even-row { background: $surface-darken-1 40%; }
        & > .sessions-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .sessions-table--even-row { background: $surface-lighten-1 50%; }
        & > .sessions-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        # Not in the footer (no room at 80 columns with every key); the help screen has it.
        Binding("enter", "toggle_details", "Details", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("space", "toggle_mark", "Select", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on another session (or on none)."""

        def __init__(self, session_id: str | None) -> None:
            super().__init__()
            self.session_id = session_id

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
        super().__init__(id=id)
        self._rendered_cells: dict[tuple[object, ...], list[Segment]] = {}
        self._painted: dict[int, tuple[tuple[object, ...], tuple[str, ...]]] = {}
        self.sort_column = SortColumn.LAST_ACTIVE
        self.sort_reverse = False  # `S`, or a second click on the header
        self.filter_text = ""
        self.quick: set[str] = set()  # quick filters: "inactive" (i), "unrecognised" (u)
        self.inactive_days = 90.0  # --inactive-days
        self.marked: set[str] = set()  # rows chosen with `space` (never the current session)
        self.rows = TableRows()
        self._views: list[SessionView] = []
        self._current_id: str | None = None
        self._now = datetime.now(UTC)
        self._window = timedelta(minutes=5)
        self._layout: Layout = ()
        self.has_expiry = True  # the provider's sessions expire; else no Expires column
        self.has_activity = True  # the provider reports last activity; else "Signed in"
        self.stale = False  # polls are failing: rows are the last good data, dimmed, not live
        self._cursor = 0
        self._cursor_id: str | None = None  # the session the cursor is on, kept across polls
        self._moved_at = -HOLD_AFTER_MOVE  # when the user last moved or marked (monotonic)
        self._let_go_timer: Timer | None = None

    # -- what the screen calls ---------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def row_count(self) -> int:
        return len(self.rows.order)

    @property
    def selected_id(self) -> str | None:
        """The session id under the cursor (None when the table is empty)."""
        order = self.rows.order
        return order[self._cursor] if 0 <= self._cursor < len(order) else None

    @property
    def visible_ids(self) -> list[str]:
        return list(self.rows.order)

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._layout]

    @property
    def shown_views(self) -> list[SessionView]:
        """The sessions the filter lets through, in the table's order."""
        views = self.rows.views
        return [views[sid] for sid in self.rows.order]

    @property
    def filtering(self) -> bool:
        """Some rows may be hidden: a text filter or a quick filter is on."""
        return bool(self.filter_text or self.quick)

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
        self._views = views if isinstance(views, list) else list(views)
        self._current_id = current_id
        self._now = now
        self._window = window
        if reset:
            self.rows = TableRows()
            self._cursor_id = None
            self._cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        self._apply()

    def set_sort(self, column: SortColumn, *, reverse: bool = False) -> None:
        self.sort_column = column
        self.sort_reverse = reverse
        self._apply()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply()

    def toggle_quick(self, name: str) -> None:
        self.quick.symmetric_difference_update({name})
        self._apply()

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.refresh()
            self.post_message(self.MarksChanged())
            self._let_go()

    def select_id(self, session_id: str) -> bool:
        """Put the cursor on this session; False when it is not shown (ended or filtered)."""
        index = self.rows.position(session_id)
        if index is None:
            return False
        self.move_cursor(row=index)
        return True

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        count = self.row_count
        self._cursor = max(0, min(row, count - 1)) if count else 0
        self._set_cursor_id(self.selected_id)
        if scroll:
            self._scroll_to_cursor()
        self.refresh()

    def view_of(self, session_id: str | None) -> SessionView | None:
        return self.rows.views.get(session_id) if session_id is not None else None

    def get_cell(self, session_id: str, column: str) -> Text:
        """The cell as painted (for tests), built like `render_line` builds it."""
        view = self.rows.views[session_id]
        width = dict(self._layout).get(column, 0)
        return self._cell(column, view, self._is_current(view), width)

    def header_text(self, column: str) -> str:
        """A column's header as painted ("Device ▼" when sorted by it)."""
        return self._label(column, dict(self._layout).get(column, 0)).plain

    def cell_text(self, session_id: str, column: str) -> str:
        """The plain text a cell shows (for tests and screen readers of the SVG)."""
        return self.get_cell(session_id, column).plain

    # -- keys and the mouse ------------------------------------------------------------------

    def action_toggle_details(self) -> None:
        self.post_message(self.DetailsToggled())

    def action_cursor_down(self) -> None:
        self._user_moved(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._user_moved(self._cursor - 1)

    def action_page_down(self) -> None:
        self._user_moved(self._cursor + max(self._rows_in_view() - 1, 1))

    def action_page_up(self) -> None:
        self._user_moved(self._cursor - max(self._rows_in_view() - 1, 1))

    def action_first(self) -> None:
        self._user_moved(0)

    def action_last(self) -> None:
        self._user_moved(self.row_count - 1)

    # -- rows hold their places while the user moves ----------------------------------------

    @property
    def holding(self) -> bool:
        """The user moved in the last few seconds, or has marks: a poll does not re-sort the
        rows under them (`TableRows.update(hold=True)`); the border says when news waits."""
        return bool(self.marked) or time.monotonic() - self._moved_at < HOLD_AFTER_MOVE

    def _user_moved(self, row: int | None = None) -> None:
        self._moved_at = time.monotonic()
        if self._let_go_timer is not None:
            self._let_go_timer.stop()
        self._let_go_timer = self.set_timer(HOLD_AFTER_MOVE, self._let_go, name="hold-rows")
        if row is not None:
            self.move_cursor(row=row)

    def _let_go(self) -> None:
        """Still, and nothing marked: what waited takes its place (the cursor's row kept)."""
        if not self.holding and self.rows.held_back:
            self._apply()

    def action_toggle_mark(self) -> None:
        self._user_moved()
        sid = self.selected_id
        if sid is None:
            return
        if sid == self._current_id or self.rows.views[sid].session.is_current:
            self.app.notify(
                "This device cannot be selected: it is never signed out from here.",
                severity="warning",
            )
            return
        self.marked.symmetric_difference_update({sid})
        self.post_message(self.MarksChanged())
        if self._cursor < self.row_count - 1:
            self.move_cursor(row=self._cursor + 1)
        else:
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            self._header_clicked(offset.x)
        else:
            self._user_moved()
            self.move_cursor(row=int(self.scroll_y) + offset.y - 1, scroll=False)
        self.focus()

    def _header_clicked(self, x: int) -> None:
        left = 0
        for key, width in self._layout:
            left += width + 2 * CELL_PADDING
            if x < left:
                for column in SortColumn:
                    if column.key == key:
                        self.post_message(self.SortAsked(column))
                return

    def on_resize(self, event: events.Resize) -> None:
        self._apply()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- internals ---------------------------------------------------------------------------

    def _is_current(self, view: SessionView) -> bool:
        return view.session.is_current or view.session.id == self._current_id

    def _rows_in_view(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        height = self._rows_in_view()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, immediate=True)

    def _set_cursor_id(self, session_id: str | None) -> None:
        if session_id != self._cursor_id:
            self._cursor_id = session_id
            self.post_message(self.Highlighted(session_id))

    def _width(self) -> int:
        if self.scrollable_content_region.width:
            return self.scrollable_content_region.width + 2  # the layout counts the scrollbar
        return max(self.app.size.width - 2, 20)

    def _apply(self) -> None:
        rows = self.rows
        rows.update(
            self._views,
            current_id=self._current_id,
            now=self._now,
            window=self._window,
            query=Query(
                self.sort_column,
                self.sort_reverse,
                self.filter_text,
                frozenset(self.quick),
                self.inactive_days,
            ),
            hold=self.holding,
        )
        hint = HELD_HINT if rows.held_back else ""
        if self.preview_of:
            hint = f"the {len(rows.views)} most recent of {self.preview_of:,}; reading the rest…"
        if self.border_subtitle != hint:  # setting it repaints the whole widget
            self.border_subtitle = hint
        if self.marked:
            self.marked &= rows.views.keys()  # a marked session that ended is no longer marked
        self._layout = compute_layout(
            self._width(), rows.need, has_expiry=self.has_expiry, has_activity=self.has_activity
        )
        if self.sort_column.key not in self.column_keys:
            # Back to the time column this layout has (Last active, or Signed in).
            fallback = SortColumn.LAST_ACTIVE if self.has_activity else SortColumn.SIGNED_IN
            if fallback is not self.sort_column:
                self.sort_column = fallback
                self._apply()
                return
        width = sum(w + 2 * CELL_PADDING for _, w in self._layout)
        self.virtual_size = Size(width, len(rows.order) + 1)
        index = rows.position(self._cursor_id) if self._cursor_id is not None else None
        if index is None:  # it ended or is filtered out: the row that took its place
            index = min(self._cursor, len(rows.order) - 1) if rows.order else 0
        self._cursor = index
        self._set_cursor_id(self.selected_id)
        self._scroll_to_cursor()
        self._refresh_changed()
