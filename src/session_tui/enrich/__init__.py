"""Enrichment: a `Session` -> what one table row shows (device, place, safe text).

Pure and cached: the same session polled again every few seconds costs a dictionary lookup,
and the expensive parts (user agent parsing, IP lookup) are cached per distinct input below.
Clock-dependent words ("12 minutes ago") are not here: they change while the session does not,
so the UI asks `enrich.times` for them on every redraw.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

from session_tui.enrich.device import DeviceInfo, DeviceType, parse_device
from session_tui.enrich.geo import GeoLocator, Place, flag
from session_tui.enrich.text import plain
from session_tui.model import Session

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


class Enricher:
    """Turns sessions into views; remembers the last view of each session id."""

    # Polls walk every session in the same order, so a cache smaller than the account would be
    # emptied by each poll before it helped: size it for large accounts (a view is small).
    def __init__(self, geo: GeoLocator | None = None, max_cached: int = 20_000) -> None:
        self.geo = geo if geo is not None else GeoLocator()
        self._max_cached = max_cached
        self._views: OrderedDict[str, SessionView] = OrderedDict()

    def view(self, session: Session) -> SessionView:
        """The view of `session`; reused while the session's fields are unchanged."""
        cached = self._views.get(session.id)
        if cached is not None and cached.session == session:
            self._views.move_to_end(session.id)
            if cached.session is not session:
                # Equal fields but a new object: hand back the new one, so `extras` (which
                # takes no part in equality) is the latest.
                cached = dataclasses.replace(cached, session=session)
                self._views[session.id] = cached
            return cached
        view = self._build(session)
        self._views[session.id] = view
        self._views.move_to_end(session.id)
        while len(self._views) > self._max_cached:
            self._views.popitem(last=False)
        return view

    def _build(self, session: Session) -> SessionView:
        device = parse_device(session.user_agent)
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
        return SessionView(session, device, place, name, ip, search_text)
