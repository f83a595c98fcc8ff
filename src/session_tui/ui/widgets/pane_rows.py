"""What the history pane and the alert feed share: a titled pane around one list of rows.

The screen drives both the same way (`focus_rows`, `filter_text`, `set_filter`, `TITLE`); the
list inside (a table, an option list) does the filtering, and the border says a filter is on.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.markup import escape
from textual.widget import Widget

from session_tui.enrich.text import plain


class FilterableRows(Protocol):
    filter_text: str

    def focus(self, scroll_visible: bool = True) -> Widget: ...

    def set_filter(self, text: str) -> None: ...


class PaneRows:
    """Mixed into a pane widget whose `rows` is the list it shows."""

    TITLE = ""

    @property
    def rows(self) -> FilterableRows:
        raise NotImplementedError

    def focus_rows(self) -> None:
        self.rows.focus()

    @property
    def filter_text(self) -> str:
        return self.rows.filter_text

    def set_filter(self, text: str) -> None:
        """`/` in the pane: only the rows with every word; the border says what is on."""
        self.rows.set_filter(text)
        shown = f" · filter: {escape(plain(text, 40))}" if text else ""  # typed: never markup
        widget: Any = self  # a Widget: its border_title is Textual's (a mixin cannot say so)
        widget.border_title = self.TITLE + shown
