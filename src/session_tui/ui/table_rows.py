"""The sessions table's rows as data: which sessions it shows, in which order, keyed by id.

A poll of a large account changes a few sessions and leaves the rest alone, and the engine
hands back the very same `SessionView` objects for the unchanged ones. So everything costly per
row (the sort key, the filter match, the width the cells need) is kept per session id and
computed again only when that session's view object changes, or when the one clock-dependent
part of the order (whether a session is still "Online") flips. The order itself is one sort of
the previous order, which is nearly sorted already. No Textual in here: the widget paints only
the rows on screen from `order`.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from operator import attrgetter
from typing import Any

from rich.cells import cell_len

from session_tui.engine.ordering import SortColumn, sort_key
from session_tui.enrich import DeviceType, SessionView
from session_tui.enrich.times import as_utc, is_online
from session_tui.ui import cells
from session_tui.ui.table_layout import RISK_WIDTH
from session_tui.ui.table_order import online_until, same_widths, spliced


def matches(view: SessionView, query: str) -> bool:
    """Every word of the filter occurs somewhere in the session's searchable text."""
    return all(word in view.search_text for word in query.casefold().split())


@dataclass(slots=True)
class _Row:
    view: SessionView
    online: bool
    key: tuple[Any, ...]
    missing: bool  # the sort column has no value: stays last, also when reversed
    shown: bool  # the text filter lets it through (quick filters are checked on the fly)
    device: int  # cells each column needs for this row's text
    location: int
    ip: int

    @property
    def risk(self) -> int:
        """The Risk column's need: its full width for a risky row (`table_layout`)."""
        return RISK_WIDTH if self.view.risk.reasons else 0


@dataclass(frozen=True, slots=True)
class Query:
    """What decides the order and the rows shown: changing any of it redoes every row."""

    column: SortColumn = SortColumn.LAST_ACTIVE
    reverse: bool = False
    text: str = ""
    quick: frozenset[str] = frozenset()
    inactive_days: float = 90.0


@dataclass
class TableRows:
    """The shown sessions in order (`order`), their index by id, and what columns need."""

    order: list[str] = field(default_factory=list)
    views: dict[str, SessionView] = field(default_factory=dict)
    current_id: str | None = None
    rebuilt_rows: int = 0  # rows whose key was computed again in the last update (benchmark)
    _rows: dict[str, _Row] = field(default_factory=dict)
    _query: Query = field(default_factory=Query)
    _all: list[str] = field(default_factory=list)  # every session, sorted, filter or not
    _needs: dict[str, int] = field(default_factory=dict)  # worked out when first asked
    # When each row sorted as "Online" stops being so, soonest first (a heap; an entry of a
    # row touched since is stale and skipped): the one clock-bound part of the order.
    _deadlines: list[tuple[datetime, str]] = field(default_factory=list)
    _window: timedelta | None = None
    _input: list[SessionView] = field(default_factory=list)  # the last update's views
    _index: dict[str, int] | None = None  # worked out when first asked
    # While the user moves or has marks, rows keep the places they had (`update(hold=True)`):
    # the order they were shown in, new sessions after them. `held_back`: the sorted order
    # differs, so there is news the table does not show in place yet.
    _held: list[str] | None = None
    held_back: bool = False

    @property
    def index(self) -> dict[str, int]:
        """Each shown session's row number."""
        if self._index is None:
            self._index = dict(zip(self.order, range(len(self.order)), strict=True))
        return self._index

    def position(self, session_id: str) -> int | None:
        """The row of one session: without building `index` (a C-speed scan) when it is not
        built, as after most polls, where only the cursor's row is asked for."""
        if self._index is not None:
            return self._index.get(session_id)
        try:
            return self.order.index(session_id)
        except ValueError:
            return None

    def update(
        self,
        views: Iterable[SessionView],
        *,
        current_id: str | None,
        now: datetime,
        window: timedelta,
        query: Query,
        hold: bool = False,
    ) -> None:
        if query != self._query or not hold:
            self._held = None  # a new sort or filter is the user's own move: it applies
        elif self._held is None:
            self._held = self._all  # the order on screen now (never changed in place)
        if current_id != self.current_id or window != self._window:
            self._rows.clear()  # another badge or Online window: every row anew
        before = self._query
        requery = query != before and bool(self._rows)
        self._window = window
        self._query = query
        self.current_id = current_id
        views = views if isinstance(views, list) else list(views)
        patched = (
            self._rows and not requery and not query.reverse and self._patched(views, now, window)
        )
        self._input = views.copy()  # the caller may change its list before the next update
        if patched:
            return
        if requery:
            # Another sort or filter (s, S, i, u, /, escape): what a row's cells need stays,
            # only its key (a new column) or its match (new text) is worked out again.
            self._requery(before, now, window)
        self._rebuild(views, now, window)

    def _rebuild(self, views: list[SessionView], now: datetime, window: timedelta) -> None:
        """The full pass: every row checked, changed ones made again, the order sorted."""
        query = self._query
        old = self._rows
        rows: dict[str, _Row] = {}
        keys: dict[str, tuple[Any, ...]] = {}
        shown_views: dict[str, SessionView] = {}
        rebuilt = 0
        for view in views:
            sid = view.session.id
            row = old.get(sid)
            # The same view, and not an "Online" row whose five minutes just ran out.
            if row is None:
                row = self._row(view, now, window)
                rebuilt += 1
            elif row.view is not view or (
                row.online and not is_online(view.session.last_active_at, now, window)
            ):
                row = self._moved(row, view, now, window)  # changed, or no longer Online
                rebuilt += 1
            rows[sid] = row
            keys[sid] = row.key
            shown_views[sid] = view
        self.rebuilt_rows = rebuilt
        self._rows = rows
        self._deadlines = [
            (online_until(row.view, window), sid) for sid, row in rows.items() if row.online
        ]
        heapq.heapify(self._deadlines)
        self.views = shown_views
        previous = [sid for sid in self._all if sid in rows]
        if len(previous) != len(rows):
            known = set(previous)
            previous.extend(sid for sid in rows if sid not in known)
        previous.sort(key=keys.__getitem__)  # nearly sorted: close to one pass
        if query.reverse:
            present = [sid for sid in previous if not rows[sid].missing]
            previous = present[::-1] + [sid for sid in previous if rows[sid].missing]
        self._all = previous
        self._show(now)

    def _patched(self, views: list[SessionView], now: datetime, window: timedelta) -> bool:
        """Update in place when few rows changed: O(changes) but for one walk of the views
        to find them (C-speed checks) and one filter of the order. False, having changed
        nothing, when too many did, and the full pass is as quick.

        The order is sorted by key alone here (not reversed, where rows without a value
        stay last), so a changed row is taken out and put back where its new key goes.
        """
        rows = self._rows
        get = rows.get
        limit = max(len(views) // 10, 8)
        changed = self._changed(views, limit)
        ran_out = self._ran_out(now, window)
        added = sum(1 for v in changed if v.session.id not in rows)
        removed: list[str] = []
        if len(rows) + added != len(views):  # some ended (or an id came twice)
            listed = {v.session.id for v in views}
            if len(listed) != len(views):
                return False
            removed = [sid for sid in rows if sid not in listed]
        if len(changed) + len(ran_out) + len(removed) > limit:
            return False
        touched: dict[str, _Row] = {}
        for view in changed:
            sid = view.session.id
            row = get(sid)
            touched[sid] = (
                self._row(view, now, window) if row is None else self._moved(row, view, now, window)
            )
        for sid in ran_out:
            if sid not in touched:
                row = rows[sid]
                touched[sid] = self._moved(row, row.view, now, window)
        self.rebuilt_rows = len(touched)
        if not touched and not removed:
            self._show(now, keep_needs=True)
            return True
        widths_kept = not removed and same_widths(touched, get)
        order = self._without([*touched, *removed])
        views_by_id = dict(self.views)
        for sid in removed:
            del rows[sid]
            del views_by_id[sid]
        for sid, row in touched.items():
            rows[sid] = row
            views_by_id[sid] = row.view
            if row.online:
                heapq.heappush(self._deadlines, (online_until(row.view, window), sid))

        def key(sid: str) -> tuple[Any, ...]:
            return rows[sid].key

        self.views = views_by_id
        self._all = spliced(order, sorted(touched, key=key), key)
        self._show(now, keep_needs=widths_kept)
        return True

    def _changed(self, views: list[SessionView], limit: int) -> list[SessionView]:
        """The views that are new or differ from the rows' (by identity: C-speed checks)."""
        if len(views) == len(self._input):  # most often the same sessions in the same order
            changed = [v for v, was in zip(views, self._input, strict=True) if v is not was]
            if len(changed) <= limit:
                return changed
        get = self._rows.get
        return [v for v in views if (r := get(v.session.id)) is None or r.view is not v]

    def _without(self, leaving: list[str]) -> list[str]:
        """The order without these rows, found by their keys (it is sorted by them) and cut
        out with slices; those not yet in it (new ones) are skipped."""
        order = self._all
        rows = self._rows

        def key(sid: str) -> tuple[Any, ...]:
            return rows[sid].key

        places = []
        for sid in leaving:
            if sid in rows:
                place = bisect.bisect_left(order, key(sid), key=key)
                if place >= len(order) or order[place] != sid:  # cannot be: then the long way
                    gone = set(leaving)
                    return [s for s in order if s not in gone]
                places.append(place)
        places.sort()
        pieces = []
        start = 0
        for place in places:
            pieces.append(order[start:place])
            start = place + 1
        pieces.append(order[start:])
        return list(chain.from_iterable(pieces))

    def _ran_out(self, now: datetime, window: timedelta) -> list[str]:
        """The rows sorted as Online that no longer are, from the deadlines that fell due
        (at 10,000 sessions hundreds may be Online; a poll sees a few of them run out).
        Taken off the heap even if the caller then does the full pass, which re-checks all."""
        moment = as_utc(now)
        deadlines = self._deadlines
        rows = self._rows
        out: dict[str, None] = {}
        while deadlines and deadlines[0][0] < moment:
            _, sid = heapq.heappop(deadlines)
            row = rows.get(sid)
            last = row.view.session.last_active_at if row is not None and row.online else None
            if last is not None and not is_online(last, now, window):
                out[sid] = None
        if len(deadlines) > 2 * len(rows) + 64:  # stale entries pile up while time stands
            self._deadlines = [(t, sid) for t, sid in deadlines if sid in rows]
            heapq.heapify(self._deadlines)
        return list(out)

    def refilter(self, now: datetime) -> None:
        """The quick filters depend on the clock ("idle for 90 days"): check again."""
        self._show(now)

    def _held_order(self) -> list[str]:
        """The held order: the rows still there where they were, new ones after them."""
        rows = self._rows
        held = [sid for sid in self._held or () if sid in rows]
        if len(held) != len(rows):
            placed = set(held)
            held += [sid for sid in self._all if sid not in placed]
        self._held = held
        self.held_back = held != self._all
        return held

    def _show(self, now: datetime, *, keep_needs: bool = False) -> None:
        query = self._query
        rows = self._rows
        base = self._all if self._held is None else self._held_order()
        if self._held is None:
            self.held_back = False
        if query.quick:
            self.order = [sid for sid in base if rows[sid].shown and self._quick(rows[sid], now)]
        elif query.text:
            self.order = [sid for sid in base if rows[sid].shown]
        else:
            self.order = base  # every row: the same list (never changed in place)
        self._index = None
        if not (keep_needs and self.order is base):
            self._needs = {}

    def need(self, column: str) -> int:
        """The widest text of `column` among the rows shown (0 when none are)."""
        if not self._needs:
            rows = self._rows
            shown = rows.values() if self.order is self._all else [rows[s] for s in self.order]
            self._needs = {
                name: max(map(attrgetter(name), shown), default=0)
                for name in ("device", "location", "ip", "risk")
            }
        return self._needs.get(column, 0)

    def _quick(self, row: _Row, now: datetime) -> bool:
        session = row.view.session
        if "inactive" in self._query.quick:
            seen = session.last_active_at or session.created_at
            if seen is None or (now - seen) < timedelta(days=self._query.inactive_days):
                return False
        if "risky" in self._query.quick and not row.view.risk.reasons:
            return False
        unknown = row.view.device.device_type is DeviceType.UNKNOWN
        return unknown or "unrecognised" not in self._query.quick

    def _moved(self, row: _Row, view: SessionView, now: datetime, window: timedelta) -> _Row:
        """A row whose session changed: most often only its activity time moved, and the
        engine handed over the same device, place and text (`enrich._with_session`), so only
        the sort key is new; the widths and the filter match are the old row's."""
        old = row.view
        if not (
            old.device is view.device
            and old.place is view.place
            and old.search_text is view.search_text
            and old.name == view.name
            and old.ip == view.ip
            and old.session.is_current == view.session.is_current
        ):
            return self._row(view, now, window)
        session = view.session
        key = sort_key(view, self._query.column, now, window)
        online = is_online(session.last_active_at, now, window)
        return _Row(view, online, key, bool(key[0]), row.shown, row.device, row.location, row.ip)

    def _requery(self, before: Query, now: datetime, window: timedelta) -> None:
        """The rows changed in place (10,000 new rows per key press kept the garbage
        collector busy): a new column's key, or a new text's match."""
        query = self._query
        column = query.column != before.column
        text = query.text if query.text != before.text else None
        if not column and text is None:
            return
        for row in self._rows.values():
            if column:
                row.key = sort_key(row.view, query.column, now, window)
                row.missing = bool(row.key[0])
            if text is not None:
                row.shown = not text or matches(row.view, text)

    def _row(self, view: SessionView, now: datetime, window: timedelta) -> _Row:
        query = self._query
        session = view.session
        online = is_online(session.last_active_at, now, window)
        key = sort_key(view, query.column, now, window)
        is_current = session.is_current or session.id == self.current_id
        # What the cells need: the device text with its badge and a mark's room, the place.
        device = cells.device_width(view, is_current)
        location = cells.location_width(view)
        shown = matches(view, query.text)
        return _Row(
            view, online, key, bool(key[0]), shown, device, location, cell_len(view.ip or "-")
        )
