"""The world map as rich `Text`: the canvas's cells (`map_canvas`) styled, the markers drawn
over them. The map screen (`m`) draws it whole; the details pane draws a small one for a
session's impossible journey."""

from __future__ import annotations

import functools

from rich.style import Style
from rich.text import Text

from session_tui.engine.map_items import Journey, MapItems, Marker, MarkerKind
from session_tui.ui.map_canvas import Canvas

LAND = Style(color="green", dim=True)
ROUTE = Style(color="red", bold=True)
MARKS: dict[MarkerKind, tuple[str, str, Style]] = {  # (character, ASCII character, style)
    MarkerKind.OTHER: ("●", "o", Style(color="cyan", bold=True)),
    MarkerKind.RISKY: ("●", "x", Style(color="red", bold=True)),
    MarkerKind.CURRENT: ("◉", "@", Style(color="black", bgcolor="green", bold=True)),
    MarkerKind.SELECTED: ("◆", "#", Style(color="black", bgcolor="yellow", bold=True)),
}


def draw(items: MapItems, cols: int, rows: int, *, ascii_only: bool = False) -> list[Text]:
    """The map as lines of text, `cols` x `rows` cells."""
    canvas = Canvas(cols, rows)
    canvas.draw_coastlines()
    for journey in items.journeys:
        canvas.draw_journey(journey.start, journey.end)
    placed: dict[tuple[int, int], Marker] = {}
    for marker in items.markers:  # drawn in order: the later on top
        cell = canvas.cell(marker.latitude, marker.longitude)
        if cell is not None:
            placed[(cell.col, cell.row)] = marker
    lines = []
    for row in range(canvas.rows):
        line = Text(no_wrap=True, end="")
        for col in range(canvas.cols):
            here = placed.get((col, row))
            if here is not None:
                char, plain_char, style = MARKS[here.kind]
                line.append(plain_char if ascii_only else char, style)
                continue
            char = canvas.char(col, row, ascii_only=ascii_only)
            line.append(char, ROUTE if canvas.on_route(col, row) else LAND)
        lines.append(line)
    return lines


def journey_map(journey: Journey, cols: int, rows: int, *, ascii_only: bool = False) -> Text:
    """A small map of one journey: its line, and its two places marked (where from, where
    to), for the details pane."""
    return _journey_map(journey, cols, rows, ascii_only).copy()


@functools.lru_cache(maxsize=64)  # the pane shows it again on every poll and key
def _journey_map(journey: Journey, cols: int, rows: int, ascii_only: bool) -> Text:
    ends = (
        Marker(*journey.start, MarkerKind.OTHER, "from"),
        Marker(*journey.end, MarkerKind.RISKY, "to"),
    )
    return Text("\n").join(draw(MapItems(ends, (journey,), 0), cols, rows, ascii_only=ascii_only))
