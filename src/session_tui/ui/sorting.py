"""The orders `s` cycles through, each with the direction a person expects of it."""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from session_tui.enrich import SessionView
from session_tui.ui.cells import device_words, short_place

_NEVER = datetime.min.replace(tzinfo=UTC)
_FOREVER = datetime.max.replace(tzinfo=UTC)


class SortColumn(enum.Enum):
    """(column key, header label). Times sort newest/soonest first; text sorts A to Z."""

    LAST_ACTIVE = ("last_active", "Last active")
    DEVICE = ("device", "Device")
    LOCATION = ("location", "Location")
    IP = ("ip", "IP")
    EXPIRES = ("expires", "Expires")

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


def _ip_key(text: str) -> tuple[int, int, str]:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return (2, 0, text)
    return (addr.version - 4, int(addr), text)  # IPv4 before IPv6, numeric within


def _aware(when: datetime | None, default: datetime) -> datetime:
    if when is None:
        return default
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def sort_key(view: SessionView, column: SortColumn) -> tuple[Any, ...]:
    """A key for `sorted()` (ascending); missing values always go last. Ties break by id."""
    session = view.session
    sid = session.id
    if column is SortColumn.LAST_ACTIVE:
        last = _aware(session.last_active_at, _NEVER)
        return (session.last_active_at is None, -last.timestamp() if last > _NEVER else 0, sid)
    if column is SortColumn.EXPIRES:
        expires = _aware(session.expires_at, _FOREVER)
        return (session.expires_at is None, expires, sid)
    if column is SortColumn.DEVICE:
        return (False, device_words(view).casefold(), sid)
    if column is SortColumn.LOCATION:
        where = short_place(view.place)
        return (not where, (view.place.country_name or "").casefold(), where.casefold(), sid)
    if column is SortColumn.IP:
        return (not view.ip, _ip_key(view.ip), sid)
    raise ValueError(column)


def ordered(views: Iterable[SessionView], column: SortColumn) -> list[SessionView]:
    return sorted(views, key=lambda v: sort_key(v, column))
