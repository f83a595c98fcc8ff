"""Enrichment: a `Session` -> what one table row shows (device, place, safe text).

Pure and cached: the same session polled again every few seconds costs a dictionary lookup,
and the expensive parts (user agent parsing, IP lookup) are cached per distinct input below.
Clock-dependent words ("12 minutes ago") are not here: they change while the session does not,
so the UI asks `enrich.times` for them on every redraw.
"""

from __future__ import annotations

import socket
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress
from operator import is_not

from session_tui.enrich import naming
from session_tui.enrich.device import DeviceInfo, DeviceType, device_of, expect, parse_device
from session_tui.enrich.geo import GeoLocator, Place, flag
from session_tui.enrich.risk import NO_RISK, Risk
from session_tui.enrich.text import plain
from session_tui.model import Session
from session_tui.text import natural

__all__ = [
    "DeviceInfo",
    "DeviceType",
    "Enricher",
    "GeoLocator",
    "Place",
    "SessionView",
    "flag",
    "parse_device",
    "plain",
]

_NAME_LEN = 128
_IP_LEN = 64  # the longest IPv6 text with a zone id fits easily


@dataclass(frozen=True, slots=True)
class SessionView:
    """What one table row shows, minus the parts that depend on the clock."""

    session: Session
    device: DeviceInfo
    place: Place
    name: str  # sanitised display name, or ""
    ip: str  # sanitised IP, or ""
    search_text: str  # lower-case haystack for the `/` filter
    # Sort keys of the columns that depend on the session alone, made with the view (on the
    # engine's worker thread), so sorting 10,000 rows by them is only the sort.
    device_order: tuple[str | int, ...] = ()  # the device words, in natural order
    ip_order: tuple[int, int, str] = (2, 0, "")  # IPv4 before IPv6, numeric within
    # What the history judged of the session (`engine.presentation.with_risks` puts it in;
    # the enricher's own views have none).
    risk: Risk = NO_RISK


def _with_session(view: SessionView, session: Session) -> SessionView:
    # The constructor, not dataclasses.replace: three times faster, and a poll of a large
    # account where every activity time moved does this for every session.
    return SessionView(
        session,
        view.device,
        view.place,
        view.name,
        view.ip,
        view.search_text,
        view.device_order,
        view.ip_order,
        view.risk,
    )


class Enricher:
    """Turns sessions into views; remembers the last view of each session id.

    Safe to share between threads: the engine builds the views of new and changed sessions on
    a worker thread (`warm`), so the UI thread only looks them up.
    """

    # Polls walk every session in the same order, so a cache smaller than the account would be
    # emptied by each poll before it helped: size it for large accounts (a view is small).
    def __init__(self, geo: GeoLocator | None = None, max_cached: int = 20_000) -> None:
        self.geo = geo if geo is not None else GeoLocator()
        self._max_cached = max_cached
        self._views: OrderedDict[str, SessionView] = OrderedDict()
        self._lock = threading.Lock()
        # The last `views` call's sessions and answer: the UI asks again after every poll,
        # and the same objects in the same places have the same views.
        self._last: tuple[list[Session], list[SessionView]] = ([], [])

    def view(self, session: Session) -> SessionView:
        """The view of `session`; reused while the session's fields are unchanged."""
        with self._lock:
            cached = self._views.get(session.id)
            if cached is not None and cached.session is session:
                self._views.move_to_end(session.id)
                return cached
        if cached is not None and cached.session == session:
            # Equal fields but a new object: hand back the new one, so `extras` (which
            # takes no part in equality) is the latest.
            view = _with_session(cached, session)
        else:
            view = self._build(session, cached)
        with self._lock:
            self._views[session.id] = view
            self._views.move_to_end(session.id)
            while len(self._views) > self._max_cached:
                self._views.popitem(last=False)
        return view

    def views(self, sessions: Iterable[Session]) -> list[SessionView]:
        """The views of these sessions, in order: one lock for all the ready ones (a poll
        of a large account looks up thousands), built here only where none is ready.

        When most are the very objects of the last call, in the same places (a poll that
        moved 1% of 10,000), the last answer is copied and only those places looked up."""
        listed = sessions if isinstance(sessions, list) else list(sessions)
        last_in, last_out = self._last
        if listed and len(listed) == len(last_in):
            moved = list(compress(range(len(listed)), map(is_not, listed, last_in)))
            if len(moved) <= len(listed) // 4:
                out = last_out.copy()
                for i in moved:
                    out[i] = self.view(listed[i])
                self._last = (listed.copy(), out)
                return out.copy()
        out = self._looked_up(listed)
        self._last = (listed.copy(), out)
        return out.copy()

    def _looked_up(self, sessions: list[Session]) -> list[SessionView]:
        ready: list[SessionView | Session] = []
        missing = False
        with self._lock:
            get = self._views.get
            for session in sessions:
                cached = get(session.id)
                if cached is not None and cached.session is session:
                    ready.append(cached)
                else:
                    ready.append(session)
                    missing = True
        if not missing:
            return ready  # type: ignore[return-value]  # none missing: every item is a SessionView (no copy on the hot path)
        expect(sum(1 for v in ready if not isinstance(v, SessionView)))
        return [v if isinstance(v, SessionView) else self.view(v) for v in ready]

    def warm(self, sessions: Iterable[Session]) -> None:
        """Build these views now (on a worker thread), so the UI thread finds them ready."""
        listed = sessions if isinstance(sessions, list) else list(sessions)
        with self._lock:
            missing = sum(1 for s in listed if s.id not in self._views)
        expect(missing)
        for session in listed:
            self.view(session)

    def _build(self, session: Session, before: SessionView | None) -> SessionView:
        # Mostly only the activity time changes from poll to poll: what the user agent and the
        # address say is taken over from the session's last view, not looked up again (at
        # 10,000 sessions that would overflow any cache sized for distinct strings).
        if before is None:
            return self._fresh(session, None, None)
        old = before.session
        device = before.device if old.user_agent == session.user_agent else None
        same_place = (old.ip, old.location) == (session.ip, session.location)
        if device is not None and same_place and old.display_name == session.display_name:
            return _with_session(before, session)
        return self._fresh(session, device, before.place if same_place else None)

    def _fresh(
        self, session: Session, device: DeviceInfo | None, place: Place | None
    ) -> SessionView:
        if device is None:
            device = device_of(session)
        if place is None:
            place = self.geo.locate(session.ip, session.location)
        name = plain(session.display_name, _NAME_LEN)
        ip = plain(session.ip, _IP_LEN)
        haystack = (
            name,
            device.label,
            place.label,
            place.country_code or "",
            ip,
            plain(session.user_agent, 512),
        )
        search_text = " ".join(part for part in haystack if part).lower()
        agent = naming.agent_label(session.user_agent, device)
        words = naming.device_words(name, agent, session.id)
        return SessionView(
            session, device, place, name, ip, search_text, natural(words), ip_order(ip)
        )


def ip_order(text: str) -> tuple[int, int, str]:
    """An address's sort key: IPv4 before IPv6, numeric within; text that is not one last.
    (`inet_pton`, in C: `ipaddress` would parse 10,000 addresses ten times slower.)"""
    for rank, family in enumerate((socket.AF_INET, socket.AF_INET6)):
        try:
            return (rank, int.from_bytes(socket.inet_pton(family, text), "big"), text)
        except (OSError, ValueError):
            continue
    return (2, 0, text)
