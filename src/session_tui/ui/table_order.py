"""The sessions table's order kept by hand: where changed rows go, and what a row's change
means for the columns' widths and the Online clock (`table_rows.TableRows`)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Protocol

from session_tui.enrich import SessionView
from session_tui.enrich.times import as_utc


class Measured(Protocol):
    """A row's widths: the cells each width-setting column needs for it."""

    device: int
    location: int
    ip: int

    @property
    def risk(self) -> int: ...


def online_until(view: SessionView, window: timedelta) -> datetime:
    """When this Online row stops being Online (Online rows have an activity time)."""
    last = view.session.last_active_at
    assert last is not None
    return as_utc(last) + window


def spliced(order: list[str], coming: list[str], key: Callable[[str], Any]) -> list[str]:
    """`coming` (sorted by `key`) put where each goes in `order`: the places found first, then
    the order cut there once (inserting one by one moves the tail of 10,000 ids each time)."""
    places = [bisect.bisect_right(order, key(sid), key=key) for sid in coming]
    pieces: list[list[str]] = []
    start = 0
    for place, sid in zip(places, coming, strict=True):
        pieces.append(order[start:place])
        pieces.append([sid])
        start = place
    pieces.append(order[start:])
    return list(chain.from_iterable(pieces))


def same_widths(touched: Mapping[str, Measured], get: Callable[[str], Measured | None]) -> bool:
    """No touched row changed a cell whose text sets a column's width."""
    widths = ("device", "location", "ip", "risk")
    return all(
        (old := get(sid)) is not None and all(getattr(old, w) == getattr(row, w) for w in widths)
        for sid, row in touched.items()
    )
