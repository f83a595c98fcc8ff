"""How the history reads in words: times as precisely as they are known, and durations.

Shared by the History pane and `session-tui history`, so both say "before Nov 25 13:04" and
"at least 3 hours" alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import humanize

from session_tui.enrich.text import plain
from session_tui.enrich.times import MISSING
from session_tui.tracking.events import TimeRange


def short_time(value: datetime) -> str:
    """Local time to the minute without the year: "Nov 25 13:04" (history keeps 90 days)."""
    return value.astimezone().strftime("%b %d %H:%M")


def when_text(value: TimeRange | None) -> str:
    """ "Nov 25 13:04", "before Nov 25 13:04" or "between Nov 25 13:04 and 13:09"."""
    if value is None:
        return MISSING
    latest = short_time(value.latest)
    if value.earliest is None:
        return f"before {latest}"
    earliest = short_time(value.earliest)
    if earliest == latest:
        return latest
    if earliest[:6] == latest[:6]:  # same day: say the date once
        latest = latest[7:]
    return f"between {earliest} and {latest}"


def _words(length: timedelta) -> str:
    if length < timedelta(seconds=1):
        return "a moment"
    return str(humanize.naturaldelta(length))


def duration_text(signed_in: TimeRange | None, ended: TimeRange) -> str:
    """How long it lasted, from the bounds we really know.

    A start known only as "before X" gives "at least ..." (measured to the earliest possible
    end); an end known only as "before Y" gives "at most ..."; both open, or no start, is "—".
    """
    if signed_in is None:
        return MISSING
    if ended.earliest is None:
        if signed_in.earliest is None:
            return MISSING
        return f"at most {_words(max(ended.latest - signed_in.earliest, timedelta(0)))}"
    shortest = max(ended.earliest - signed_in.latest, timedelta(0))
    if signed_in.earliest is None:
        return f"at least {_words(shortest)}"
    longest = max(ended.latest - signed_in.earliest, timedelta(0))
    low, high = _words(shortest), _words(longest)
    return low if low == high else f"{low} to {high}"


def acked_text(by: str | None, at: datetime | None) -> str:
    """ "acknowledged by alice@ops at Dec 06 19:40" (a name from the store, made plain), or ""
    for an alert nobody acknowledged."""
    if by is None:
        return ""
    when = f" at {short_time(at)}" if at is not None else ""
    return f"acknowledged by {plain(by, 64)}{when}"
