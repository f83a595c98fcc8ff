"""Times -> words, the way the table and the details pane say them.

`now` is always passed in rather than read from the clock, so the UI can freeze time in tests
and every row of one refresh is worded against the same instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import humanize

DEFAULT_ONLINE_WINDOW = timedelta(minutes=5)
MISSING = "—"


def _utc(when: datetime) -> datetime:
    """Aware UTC; a naive time (a provider bug) is taken to be UTC rather than local."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def as_utc(when: datetime) -> datetime:
    """`when` as aware UTC, naive taken as UTC: for comparing with the moments here."""
    return _utc(when)


def is_online(
    last_active: datetime | None, now: datetime, window: timedelta = DEFAULT_ONLINE_WINDOW
) -> bool:
    """Active within `window`; a last-active time slightly in the future (clock skew) counts."""
    if last_active is None:
        return False
    return _utc(now) - _utc(last_active) <= window


def last_active_text(
    last_active: datetime | None, now: datetime, window: timedelta = DEFAULT_ONLINE_WINDOW
) -> str:
    """ "Online" within the window, else "12 minutes ago"; "—" when the API did not say."""
    if last_active is None:
        return MISSING
    if is_online(last_active, now, window):
        return "Online"
    return ago_text(last_active, now)


def expires_text(expires: datetime | None, now: datetime) -> str:
    """ "in 14 minutes", "expired", or "—" for a session without an expiry."""
    if expires is None:
        return MISSING
    left = _utc(expires) - _utc(now)
    if left <= timedelta(0):
        return "expired"
    return f"in {humanize.naturaldelta(left)}"


def ago_text(when: datetime | None, now: datetime) -> str:
    """ "3 hours ago" (or "in 5 minutes" for a future time); "—" for None."""
    if when is None:
        return MISSING
    delta = _utc(now) - _utc(when)
    if delta < timedelta(0):
        return f"in {humanize.naturaldelta(-delta)}"
    return humanize.naturaltime(delta)


def absolute_text(when: datetime | None) -> str:
    """ "2026-11-25 12:00:05 UTC": exact and unambiguous, for the details pane."""
    if when is None:
        return MISSING
    return _utc(when).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration_text(delta: timedelta | None) -> str:
    """ "3 hours", "2 days": how long a session lasted, for the history."""
    if delta is None:
        return MISSING
    return humanize.naturaldelta(abs(delta))
