"""The orders `s` cycles through, each with the direction a person expects of it."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from session_tui.engine.presentation import device_words, short_place
from session_tui.enrich import SessionView
from session_tui.enrich.times import DEFAULT_ONLINE_WINDOW, is_online

_NEVER = datetime.min.replace(tzinfo=UTC)
_FOREVER = datetime.max.replace(tzinfo=UTC)


class SortColumn(enum.Enum):
    """(column key, header label). Times sort newest/soonest first; text sorts A to Z."""

    LAST_ACTIVE = ("last_active", "Last active")
    SIGNED_IN = ("signed_in", "Signed in")  # instead of Last active where the API has none
    DEVICE = ("device", "Device")
    LOCATION = ("location", "Location")
    IP = ("ip", "IP")
    EXPIRES = ("expires", "Expires")
    RISK = ("risk", "Risk")  # the riskiest first

    @property
    def key(self) -> str:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]

    def next(self, available: Iterable[str]) -> SortColumn:
        """The next column in cycle order among the columns the table currently shows."""
        shown = set(available)
        members = list(SortColumn)
        start = members.index(self)
        for step in range(1, len(members) + 1):
            candidate = members[(start + step) % len(members)]
            if candidate.key in shown:
                return candidate
        return self


def _aware(when: datetime | None, default: datetime) -> datetime:
    if when is None:
        return default
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _recency(session: Any) -> float:
    """Exact last activity as a sort key: most recent first, never-active last."""
    last = session.last_active_at
    return -_aware(last, _NEVER).timestamp() if last is not None else float("inf")


def _activity_key(view: SessionView, now: datetime | None, window: timedelta) -> tuple[Any, ...]:
    """Most recent first: Online rows on top (this device first), then by the minute; ties
    break by the exact last activity, then by name, so the order is total and stable."""
    session = view.session
    if session.last_active_at is None:
        return (True, 0, 0, 0.0, "", session.id)
    last = _aware(session.last_active_at, _NEVER)
    name = device_words(view).casefold()
    if now is not None and is_online(last, now, window):
        return (False, 0, 0 if session.is_current else 1, _recency(session), name, session.id)
    minute = -int(last.timestamp() // 60) if now is not None else -last.timestamp()
    return (False, 1, minute, _recency(session), name, session.id)


def sort_key(
    view: SessionView,
    column: SortColumn,
    now: datetime | None = None,
    window: timedelta = DEFAULT_ONLINE_WINDOW,
) -> tuple[Any, ...]:
    """A key for `sorted()` (ascending); missing values always go last. Ties break by id.

    Without `now`, last activity sorts exactly (for callers that show exact times).
    """
    session = view.session
    sid = session.id
    if column is SortColumn.LAST_ACTIVE:
        return _activity_key(view, now, window)
    recent = _recency(session)  # ties: the most recently active first
    if column is SortColumn.SIGNED_IN:
        created = _aware(session.created_at, _NEVER)
        return (session.created_at is None, -created.timestamp(), recent, sid)
    if column is SortColumn.EXPIRES:
        expires = _aware(session.expires_at, _FOREVER)
        return (session.expires_at is None, expires, recent, sid)
    if column is SortColumn.DEVICE:
        return (False, view.device_order, recent, sid)  # natural order, built off the UI thread
    if column is SortColumn.LOCATION:
        where = short_place(view.place)
        place = (view.place.country_name or "").casefold()
        return (not where, place, where.casefold(), recent, sid)
    if column is SortColumn.IP:
        return (not view.ip, view.ip_order, recent, sid)
    if column is SortColumn.RISK:
        risk = view.risk
        score = sum(r.weight for r in risk.reasons)
        return (not risk.reasons, -risk.level.rank, -score, recent, sid)
    raise ValueError(column)


def ordered(
    views: Iterable[SessionView],
    column: SortColumn,
    now: datetime | None = None,
    window: timedelta = DEFAULT_ONLINE_WINDOW,
    *,
    reverse: bool = False,
) -> list[SessionView]:
    """Sorted by `column`; `reverse` turns the order round, but what is missing stays last."""
    keyed = sorted(((sort_key(v, column, now, window), v) for v in views), key=lambda kv: kv[0])
    if not reverse:
        return [v for _, v in keyed]
    present = [v for k, v in keyed if not k[0]]
    missing = [v for k, v in keyed if k[0]]
    return present[::-1] + missing
