"""Make untrusted text (device names, user agents, locations from an API) safe to show.

Anything a server returns may have been typed by an attacker who signed in somewhere. A terminal
would act on escape sequences (colour, cursor moves, OSC 8 links, title changes), control
characters break the table's one-line rows, and bidi overrides or zero-width characters can make
text read differently from what it is. `plain` removes all of those and returns one line.
It never interprets markup: the UI puts the result in a `rich.text.Text`, so "[bold]" stays literal.

It lives at the top of the package, outside every layer, because every layer needs it: providers
clean the error sentences servers send before they reach an exception's message, enrichment and
tracking clean what they store and show. `session_tui.enrich.text` re-exports it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ELLIPSIS = "…"

# Escape sequences, 7-bit and 8-bit forms. String-type sequences (OSC, DCS, SOS, PM, APC) run to
# their terminator (BEL or ST) or, when a 7-bit one is unterminated, to the end: a terminal would
# swallow that too. A stray 8-bit introducer without a terminator is dropped like any C1 control.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?               # CSI ... final byte
    | \x1b[\]P^_X] .*? (?:\x07|\x1b\\|\x9c|$)          # OSC, DCS, SOS, PM, APC ... BEL/ST/end
    | [\x90\x98\x9d\x9e\x9f] [^\x07\x9c\x1b]* (?:\x07|\x9c|\x1b\\)  # 8-bit forms, terminated
    | \x1b[ -/]*[0-~]?                              # any other ESC sequence (or a lone ESC)
    """,
    re.VERBOSE | re.DOTALL,
)

# Characters that become a space: line breaks and tabs separate words, so keep the gap.
_SPACE_LIKE = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")

# Categories dropped outright: controls (Cc), format characters (Cf: bidi overrides and isolates,
# zero-width space/joiners, BOM, soft hyphen...), lone surrogates (Cs), which cannot be encoded
# for the terminal at all.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# More than this many combining marks on one character ("Zalgo" text) smear over nearby rows.
_MAX_COMBINING = 2


def _clean_chars(text: str) -> str:
    out: list[str] = []
    combining = 0
    for ch in text:
        if ch in _SPACE_LIKE:
            out.append(" ")
            combining = 0
            continue
        category = unicodedata.category(ch)
        if category in _DROPPED_CATEGORIES:
            continue
        if category in ("Mn", "Me"):
            combining += 1
            if combining > _MAX_COMBINING:
                continue
        else:
            combining = 0
        out.append(ch)
    return "".join(out)


def plain(value: str | None, max_len: int = 256) -> str:
    """Return `value` as one safe line of at most `max_len` characters ("" for None).

    Escape sequences and control/format characters go, whitespace runs collapse to one space,
    and overlong text ends in "…" so the reader can tell it was cut. Cached, because the same
    names come back on every poll; the cache is bounded in entries and, because what is cached
    is cut first to a few times `max_len`, in bytes too: a server sending a new huge name every
    poll cannot grow it.
    """
    if value and isinstance(value, str) and len(value) > _keep(max_len):
        value = value[: _keep(max_len)]  # cut before cleaning: the rest could never be shown
    return _plain_cached(value, max_len)


def _keep(max_len: int) -> int:
    """How much of a value can matter for `max_len` shown characters: escapes and dropped
    characters make the raw text longer than what is shown, so keep a margin."""
    return 4 * max(max_len, 1) + 64


@functools.lru_cache(maxsize=4096)
def _plain_cached(value: str | None, max_len: int) -> str:
    return plain_uncached(value, max_len)


def plain_uncached(value: str | None, max_len: int = 256) -> str:
    """`plain` without the cache, for one-off text such as a server's error sentence: a hostile
    server could otherwise fill the cache with large distinct strings."""
    if not value:
        return ""
    if not isinstance(value, str):  # a provider bug should not become a crash in the table
        value = str(value)
    if value.isascii() and value.isprintable():
        # The common case, at C speed: no escape (ESC is not printable), no control, and no
        # whitespace but spaces. Text with nothing to collapse is kept, not copied (10,000
        # sessions' fields: ~1.3 MiB).
        text = value
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            text = " ".join(text.split())
    else:
        text = " ".join(_clean_chars(_ESCAPES.sub("", value)).split())
    if max_len < 1:
        return ""
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + ELLIPSIS
    return text


_DIGITS = re.compile(r"(\d+)")


def natural(text: str) -> tuple[str | int, ...]:
    """ "worker 977" < "worker 9750" < "worker 9775": numbers in text compare as numbers.

    `re.split` with a group alternates text and digits, so two keys compare text with text and
    number with number at every position."""
    parts: list[str | int] = _DIGITS.split(text.casefold())
    for index in range(1, len(parts), 2):
        parts[index] = int(parts[index])
    return tuple(parts)


def cut_middle(value: str, width: int, marker: str = ELLIPSIS) -> str:
    """ "2003:e6:1f00:0:1901:1e2f:602c:1f5f" in 20 -> "2003:e6:1f00…602c:1f5f": the start and
    the end kept, for text whose both ends matter (an IPv6 address: its network and its host).
    For ASCII text such as addresses; at least the marker is returned."""
    if len(value) <= width:
        return value
    room = max(width - len(marker), 0)
    head = (room + 1) // 2
    tail = room - head
    return value[:head] + marker + (value[-tail:] if tail else "")


# Regional indicator symbols: two of them draw a flag. JSON carries places as words only, so the
# same place reads the same in `list`, `watch`, `history` and `audit`, whatever was stored.
_FLAGS = re.compile("[\U0001f1e6-\U0001f1ff]+\\s*")


def without_flags(value: str) -> str:
    """ "🇬🇧 United Kingdom" -> "United Kingdom": a place label with its flag emoji taken out."""
    return _FLAGS.sub("", value).strip()


def terminal_text(value: str) -> str:
    """`plain` for a whole message or table the command line prints: escape sequences and
    control, bidi and zero-width characters removed as `plain` removes them, but line breaks
    and tabs kept (a table's columns, a message's lines) and nothing collapsed or cut."""
    text = _ESCAPES.sub("", value)
    return "\n".join(
        "\t".join(_clean_chars(cell) for cell in line.split("\t")) for line in text.split("\n")
    )
