"""What the world map shows of an account: where its sessions are, and its impossible journeys.

Words and places only (the map screen draws them): every session with a place becomes a marker
(this device and the selected session marked apart, a risky one as risky), sessions with no
known place are counted, and every `impossible_travel` reason becomes a journey between the
two places its evidence names.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from session_tui.engine.presentation import device_words
from session_tui.enrich import SessionView
from session_tui.enrich.geo import point_of
from session_tui.enrich.risk import Reason, RiskCode, Sighting
from session_tui.enrich.text import plain


class MarkerKind(enum.StrEnum):
    CURRENT = "current"  # this device
    SELECTED = "selected"  # the table's selected session
    RISKY = "risky"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Marker:
    latitude: float
    longitude: float
    kind: MarkerKind
    label: str  # "Firefox 128 on Linux · Berlin, Germany"


@dataclass(frozen=True, slots=True)
class Journey:
    start: tuple[float, float]  # (latitude, longitude)
    end: tuple[float, float]
    label: str  # "Canada to São Paulo, Brazil: 8,300 km in 10 min"


@dataclass(frozen=True, slots=True)
class MapItems:
    markers: tuple[Marker, ...]
    journeys: tuple[Journey, ...]
    unplaced: int  # sessions with no place to show


def map_items(
    views: Iterable[SessionView], current_id: str | None, selected_id: str | None
) -> MapItems:
    """The markers (the selected and this device last, so they are drawn on top) and journeys
    of these sessions."""
    markers: list[Marker] = []
    journeys: list[Journey] = []
    unplaced = 0
    for view in views:
        session = view.session
        point = point_of(view.place)
        journeys.extend(j for j in map(journey_of, view.risk.reasons) if j is not None)
        if point is None:
            unplaced += 1
            continue
        if session.id == selected_id:
            kind = MarkerKind.SELECTED
        elif session.is_current or session.id == current_id:
            kind = MarkerKind.CURRENT
        else:
            kind = MarkerKind.RISKY if view.risk.reasons else MarkerKind.OTHER
        label = f"{device_words(view)} · {point.label}"
        markers.append(Marker(point.latitude, point.longitude, kind, plain(label, 160)))
    markers.sort(key=lambda m: _DRAWN.index(m.kind))
    return MapItems(tuple(markers), tuple(journeys), unplaced)


def journey_of(reason: Reason) -> Journey | None:
    """The journey an `impossible_travel` reason's evidence names, or None (any other
    reason, or evidence that is not two places on Earth)."""
    if reason.code is not RiskCode.IMPOSSIBLE_TRAVEL:
        return None
    start, end = (Sighting.from_json(reason.evidence.get(key)) for key in ("from", "to"))
    if start is None or end is None:
        return None
    ends = [(s.point.latitude, s.point.longitude) for s in (start, end)]
    return Journey(ends[0], ends[1], plain(reason.text, 200))


# The order markers are drawn in, the later on top: the selection over this device over the rest.
_DRAWN = (MarkerKind.OTHER, MarkerKind.RISKY, MarkerKind.CURRENT, MarkerKind.SELECTED)
