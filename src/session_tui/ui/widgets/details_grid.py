"""The details pane's grid (labels, and values wrapped beside them), rendered line by line.

It renders what a two-column `rich.table.Table.grid` renders (the tests compare the two
segment by segment) without its measuring passes, and it keeps each row's lines: from poll
to poll only the selected session's times change, so the other rows are not wrapped again.
A rich grid cost as much to paint as the whole sessions table (profiled at 10,000 sessions).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

LABEL_WIDTH = 11  # at least; a longer label widens the column
LABEL_STYLE = Style.parse("dim")
ROW_CACHE = 64  # rows kept: a few sessions' worth, at a few widths

Lines = list[list[Segment]]


class RowLines:
    """Each row's lines at a width, the least recently used dropped past `ROW_CACHE`."""

    def __init__(self) -> None:
        self._lines: OrderedDict[tuple[object, ...], Lines] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Lines | None:
        lines = self._lines.get(key)
        if lines is not None:
            self._lines.move_to_end(key)
        return lines

    def put(self, key: tuple[object, ...], lines: Lines) -> None:
        self._lines[key] = lines
        while len(self._lines) > ROW_CACHE:
            self._lines.popitem(last=False)


class DetailsGrid:
    """Optional warning and title across the width, then one row per (label, value)."""

    def __init__(
        self,
        heading: list[Text],
        rows: tuple[tuple[str, Text], ...],
        cache: RowLines | None = None,
    ) -> None:
        self.heading = heading
        self.rows = rows
        self.cache = cache or RowLines()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = options.max_width
        new_line = Segment.line()
        for text in self.heading:
            for line in _cell(console, options, text, width, None, no_wrap=False):
                yield from line
                yield new_line
        label_width = max([LABEL_WIDTH, *(len(label) for label, _ in self.rows)])
        value_width = max(width - label_width - 1, 1)
        for label, value in self.rows:
            key = (label, value.plain, tuple(value.spans), value.style, label_width, value_width)
            lines = self.cache.get(key)
            if lines is None:
                lines = _row(console, options, label, value, label_width, value_width)
                self.cache.put(key, lines)
            for line in lines:
                yield from line
                yield new_line


def _row(
    console: Console,
    options: ConsoleOptions,
    label: str,
    value: Text,
    label_width: int,
    value_width: int,
) -> Lines:
    values = _cell(console, options, value, value_width, None, no_wrap=False)
    labels = _cell(console, options, Text(label), label_width, LABEL_STYLE, no_wrap=True)
    gap = Segment(" ", LABEL_STYLE)
    blank = Segment(" " * (label_width + 1), LABEL_STYLE)
    out: Lines = []
    for index, line in enumerate(values):
        first = labels[index] + [gap] if index < len(labels) else [blank]
        out.append(first + line)
    return out


def _cell(
    console: Console,
    options: ConsoleOptions,
    text: Text,
    width: int,
    style: Style | None,
    *,
    no_wrap: bool,
) -> Lines:
    """One grid cell's lines, as the grid renders a cell of a column this wide."""
    cell_options = options.update(
        width=width,
        justify="left",
        no_wrap=no_wrap,
        overflow="ellipsis" if no_wrap else "fold",
        height=None,
    )
    return console.render_lines(text, cell_options, style=style, pad=True)
