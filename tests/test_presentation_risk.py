"""The words and marks of risk (issue 24), as every front end shows them: badges, marks, views
that keep their identity while nothing changed, the on-call sparkline of sign-ins, and what
the map shows of an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from session_tui.engine.map_items import MarkerKind, map_items
from session_tui.engine.presentation import (
    RiskedViews,
    risk_badge,
    risk_marks,
    sign_ins_by_hour,
)
from session_tui.engine.state import AccountState
from session_tui.enrich import Enricher
from session_tui.enrich.networks import Network, NetworkKind
from session_tui.enrich.points import GeoPoint, Precision
from session_tui.enrich.risk import NO_RISK, Sighting, combined, network_reasons, travel
from session_tui.model import Location, Session
from session_tui.ui import glyphs
from session_tui.ui.widgets.accounts import SPARK_FROM, account_prompt

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TOR = Network("AS1", 1, None, NetworkKind.TOR, "Tor")


def session(sid: str, hours_ago: float | None = None, **more: object) -> Session:
    created = NOW - timedelta(hours=hours_ago) if hours_ago is not None else None
    return Session(id=sid, created_at=created, **more)  # type: ignore[arg-type]


def test_badges_and_marks() -> None:
    tor = combined(network_reasons(TOR, api_client=False))
    assert (risk_badge(tor), risk_marks(tor)) == ("high: Tor", "!!!")
    assert risk_badge(NO_RISK) == "" and risk_marks(NO_RISK) == "" and risk_badge(None) == ""


def test_risked_views_are_the_same_objects_while_nothing_changed() -> None:
    enricher = Enricher()
    views = enricher.views([session("a"), session("b")])
    tor = combined(network_reasons(TOR, api_client=False))
    risked = RiskedViews()
    first = risked.apply(views, {"b": tor})
    assert first[0] is views[0] and first[1].risk is tor and first[1] is not views[1]
    again = risked.apply(views, {"b": tor})
    assert again[1] is first[1]  # the table tells a changed row by identity
    assert risked.apply(views, {}) == views


def test_the_sparkline_counts_sign_ins_of_the_last_day_oldest_first() -> None:
    glyphs.use(glyphs.UNICODE)  # as an app without --ascii sets it (another test's may linger)
    listed = [
        session("a", 0.5),
        session("b", 1),
        session("c", 23.9),
        session("d", 30),
        session("e"),
    ]
    assert sign_ins_by_hour(listed, NOW, 24, 8) == [1, 0, 0, 0, 0, 0, 0, 2]
    assert sign_ins_by_hour(listed, None) == [0] * 12
    provider = SimpleNamespace(account="ops@example.org")  # only its name is read
    account = AccountState(provider=provider)  # type: ignore[arg-type]
    account.sessions = {s.id: s for s in listed}
    account.updated_at, account.polls = NOW, 1
    wide = account_prompt(account, SPARK_FROM + 10).plain
    assert "▂▁▁▁▁▁▁█ 5" in wide  # one sign-in 21-24 hours ago, two in the last three
    assert "▁" not in account_prompt(account, SPARK_FROM - 1).plain  # no room: no sparkline


def test_the_map_has_a_marker_per_placed_session_and_the_journeys() -> None:
    enricher = Enricher()
    berlin = Location(city="Berlin", country_code="DE", latitude=52.52, longitude=13.4)
    sydney = Location(city="Sydney", country_code="AU", latitude=-33.87, longitude=151.2)
    views = enricher.views(
        [
            session("me", is_current=True, location=berlin),
            session("far", location=sydney),
            session("lan", ip="10.0.0.8"),
        ]
    )
    here = GeoPoint(52.52, 13.4, Precision.SERVER, "Berlin, Germany")
    there = GeoPoint(-33.87, 151.2, Precision.SERVER, "Sydney, Australia")
    journey = travel(Sighting(here, NOW), Sighting(there, NOW + timedelta(hours=1)))
    assert journey is not None
    views = RiskedViews().apply(views, {"far": combined([journey])})
    items = map_items(views, current_id="me", selected_id=None)
    assert [m.kind for m in items.markers] == [MarkerKind.RISKY, MarkerKind.CURRENT]
    assert items.unplaced == 1
    [line] = items.journeys
    assert line.start == (52.52, 13.4) and line.end == (-33.87, 151.2)
    selected = map_items(views, current_id="me", selected_id="far")
    assert selected.markers[-1].kind is MarkerKind.SELECTED
