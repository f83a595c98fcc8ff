"""The world map (`m`): every session with a place as a marker on Natural Earth's coastlines,
this device and the selected session marked apart, risky ones in red, and each impossible
journey drawn as a line between its two places. It takes the whole terminal: coarse at 80x24,
detailed at 200x50; a legend under it names what the marks are. `escape` or `m` goes back."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from session_tui.engine.map_items import MapItems, MarkerKind
from session_tui.ui import glyphs
from session_tui.ui.map_text import MARKS, ROUTE, draw

LEGEND = {
    MarkerKind.CURRENT: "This device",
    MarkerKind.SELECTED: "selected",
    MarkerKind.RISKY: "risky",
    MarkerKind.OTHER: "other sessions",
}


def legend(items: MapItems, *, ascii_only: bool = False) -> Text:
    """What the marks are: this device and the selected session by name, the rest counted."""
    text = Text(no_wrap=False)
    kinds = [m.kind for m in items.markers]
    for kind in (MarkerKind.CURRENT, MarkerKind.SELECTED, MarkerKind.RISKY, MarkerKind.OTHER):
        count = kinds.count(kind)
        if not count:
            continue
        char, plain_char, style = MARKS[kind]
        text.append(plain_char if ascii_only else char, style)
        named = [m.label for m in items.markers if m.kind is kind]
        words = named[0] if kind in (MarkerKind.CURRENT, MarkerKind.SELECTED) else ""
        text.append(f"  {LEGEND[kind]}" + (f": {words}" if words else f" ({count})") + "   ")
    for journey in items.journeys:
        text.append("\n")
        text.append("*" if ascii_only else "━", ROUTE)
        text.append(f"  impossible journey: {journey.label}")
    if items.unplaced:
        text.append(f"\n{items.unplaced} session(s) with no known place are not on the map.")
    return text


class MapScreen(Screen[None]):
    """The map of the shown account's sessions (see the module doc)."""

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("escape", "close", "Back"),
        Binding("m", "close", "Back", show=False),
    ]
    DEFAULT_CSS = """
    MapScreen { layout: vertical; }
    MapScreen #map-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    MapScreen #map { height: 1fr; padding: 0 1; }
    MapScreen #map-legend { height: auto; max-height: 8; padding: 0 1; }
    """

    def __init__(self, items: MapItems, title: str) -> None:
        super().__init__()
        self.items = items
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text + "  ·  escape: back"), id="map-title")
        yield Static(id="map")
        yield Static(legend(self.items, ascii_only=self._ascii), id="map-legend")

    @property
    def _ascii(self) -> bool:
        return glyphs.current().ascii

    def on_resize(self) -> None:
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        area = self.query_one("#map", Static)
        cols, rows = area.content_size.width, area.content_size.height
        if not cols or not rows:
            cols, rows = max(self.size.width - 2, 1), max(self.size.height - 4, 1)
        lines = draw(self.items, cols, rows, ascii_only=self._ascii)
        area.update(Text("\n").join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
