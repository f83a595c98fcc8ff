"""The few non-ASCII characters the dashboard draws, and their ASCII stand-ins.

`--ascii` (automatic where the locale is not UTF-8, or on the Linux console, `TERM=linux`,
which has no emoji and few symbols) swaps them: country flags go (the country is in the text
beside them anyway), markers become plain characters, borders ASCII (a CSS class, `-ascii`).
Same information, only other characters.
"""

from __future__ import annotations

import locale
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import OverflowMethod


@dataclass(frozen=True, slots=True)
class Glyphs:
    ascii: bool
    online: str
    mark: str
    sort_down: str
    sort_up: str
    alert: str
    bullet: str
    missing: str  # what an empty cell says
    overflow: OverflowMethod  # how rich cuts a cell: with "…" (`AsciiOnly` makes it "~")
    cut: str  # what marks text this app cut itself


UNICODE = Glyphs(False, "●", "✓", "▼", "▲", "⚑", "•", "—", "ellipsis", "…")
ASCII = Glyphs(True, "*", "x", "v", "^", "!", "-", "-", "ellipsis", "~")
_current = UNICODE
_FLAGS = re.compile("[\U0001f1e6-\U0001f1ff]{2} ?")


def current() -> Glyphs:
    return _current


def use(glyphs: Glyphs) -> None:
    global _current
    _current = glyphs


def wants_ascii(env: Mapping[str, str] | None = None) -> bool:
    """Where Unicode symbols would not show: a non-UTF-8 locale, or the Linux console."""
    env = os.environ if env is None else env
    if env.get("TERM") == "linux":
        return True
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return not re.search(r"utf-?8", value, re.IGNORECASE)
    return "utf" not in locale.getpreferredencoding(False).lower()


def missing() -> str:
    return _current.missing


def flag(text: str) -> str:
    """A flag to put before a place, or nothing in ASCII mode."""
    return "" if _current.ascii else text


def shown(text: str) -> str:
    """Text recorded with flags in it (the history), as this mode shows it."""
    return _FLAGS.sub("", text) if _current.ascii else text
