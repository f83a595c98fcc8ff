"""`--ascii`: every character the dashboard sends is ASCII, whatever a server or a widget made.

Glyphs (`ui.glyphs`) and the `-ascii` borders cover what the app draws itself, but places come
with accents ("São Paulo"), device names in any script, and Textual draws its own scrollbars
and marks. This line filter is the last step before the terminal: each character becomes ASCII
of the same width ("ã" -> "a", "…" -> "~", "▇" -> "#", "東" -> "??"), so the layout is unchanged.
"""

from __future__ import annotations

import functools
import unicodedata

from rich.cells import get_character_cell_size
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

_SAME_WIDTH = {
    "…": "~",  # rich's cut mark: in ASCII mode every cut ends in "~"
    "—": "-",
    "–": "-",
    "·": ".",
    "•": "-",
    "●": "*",
    "○": "o",
    "▼": "v",
    "▲": "^",
    "►": ">",
    "◄": "<",
    "▶": ">",
    "◀": "<",
    "✓": "x",
    "✔": "x",
    "⚑": "!",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "«": "<",
    "»": ">",
    "×": "x",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "⏎": "J",
    "\u00a0": " ",
}


@functools.lru_cache(maxsize=4096)
def ascii_char(char: str) -> str:
    """`char` as ASCII text exactly as wide as the terminal shows it."""
    if char < "\x80":
        return char
    width = get_character_cell_size(char)
    if width == 0:
        return ""  # a combining mark: the letter it sat on is already there
    if char in _SAME_WIDTH and width == 1:
        return _SAME_WIDTH[char]
    base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    if base and len(base) == width and base.isprintable():
        return base
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        shape = "-" if "HORIZONTAL" in name and "VERTICAL" not in name else "+"
        return ("|" if "VERTICAL" in name and "HORIZONTAL" not in name else shape) * width
    if name.startswith(("BLOCK", "UPPER", "LOWER", "LEFT", "RIGHT", "FULL", "QUADRANT")):
        return "#" * width
    if name.startswith("BRAILLE"):
        return ("." if char != "\u2800" else " ") * width
    return "?" * width


@functools.lru_cache(maxsize=4096)
def ascii_text(text: str) -> str:
    return text if text.isascii() else "".join(map(ascii_char, text))


class AsciiOnly(LineFilter):
    """Replaces every non-ASCII character of a line with ASCII of the same width."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if segment.text.isascii() else Segment(ascii_text(segment.text), *segment[1:])
            for segment in segments
        ]
