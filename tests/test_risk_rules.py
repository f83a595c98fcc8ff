"""The risk rules at their edges (issue 24): 999 and 1,001 km/h, the one-hour floor, country-level
travel that never flags neighbours, the learning period's end, and how weights make levels."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from session_tui.enrich.networks import Network, NetworkKind
from session_tui.enrich.points import (
    EARTH_RADIUS_KM,
    GeoPoint,
    Precision,
    country_point,
    distance_km,
    gap_km,
    valid_point,
)
from session_tui.enrich.risk import (
    LEARNING_DAYS,
    LEARNING_SIGN_INS,
    Familiar,
    RiskCode,
    RiskLevel,
    Sighting,
    combined,
    network_reasons,
    novelty_reasons,
    travel,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def on_equator(km_east: float, label: str = "there") -> GeoPoint:
    """A city-precision point `km_east` along the equator from 0°N 10°E."""
    return GeoPoint(0.0, 10.0 + math.degrees(km_east / EARTH_RADIUS_KM), Precision.CITY, label)


HOME = on_equator(0, "home")


def journey(km: float, hours: float) -> bool:
    """Whether going `km` in `hours` is impossible travel."""
    reason = travel(Sighting(HOME, T0), Sighting(on_equator(km), T0 + timedelta(hours=hours)))
    return reason is not None


def test_the_points_are_where_the_test_says() -> None:
    assert distance_km(HOME, on_equator(1234.5)) == pytest.approx(1234.5, abs=0.01)


@pytest.mark.parametrize(
    "hours", [1, 2, 5, 12]
)  # 12 h at 1,001 km/h: 12,112 km, under half the Earth
def test_999_km_per_hour_passes_and_1001_flags(hours: int) -> None:
    # Beyond the 100 km of tolerance, at 999 and 1,001 km/h.
    assert not journey(999 * hours + 100, hours)
    assert journey(1001 * hours + 100, hours)


def test_under_an_hour_counts_as_an_hour() -> None:
    # 10 minutes apart: 1,050 km is within an hour's 1,000 km and the tolerance; 1,150 is not.
    assert not journey(1050, 1 / 6)
    assert journey(1150, 1 / 6)
    assert not journey(1099, 0)  # the same instant: still the one-hour floor
    assert journey(1101, 0)


def test_the_travel_reason_shows_its_evidence() -> None:
    before = Sighting(GeoPoint(52.52, 13.405, Precision.CITY, "Berlin, Germany"), T0)
    now = Sighting(
        GeoPoint(-33.87, 151.21, Precision.SERVER, "Sydney, Australia"), T0 + timedelta(hours=2)
    )
    reason = travel(before, now)
    assert reason is not None and reason.code is RiskCode.IMPOSSIBLE_TRAVEL
    facts = reason.to_json()
    assert facts["code"] == "impossible_travel"
    assert 16000 < facts["distance_km"] < 16200 and facts["hours"] == 2.0
    assert abs(facts["speed_kmh"] - facts["distance_km"] / 2) <= 1
    assert facts["coarse"] is False
    assert facts["from"]["place"] == "Berlin, Germany" and facts["to"]["precision"] == "server"
    assert "Berlin, Germany to Sydney, Australia" in reason.text and "2 h" in reason.text
    # Either way round, the time between is what counts.
    assert travel(now, before) is not None


NEIGHBOURS = [
    ("DE", "FR"), ("DE", "PL"), ("DE", "AT"), ("FR", "ES"), ("US", "CA"), ("US", "MX"),
    ("RU", "CN"), ("RU", "FI"), ("BR", "AR"), ("IN", "CN"), ("NO", "SE"), ("ZA", "NA"),
    ("PT", "ES"), ("BE", "LU"), ("CL", "AR"), ("KZ", "RU"), ("IE", "GB"), ("XK", "RS"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), NEIGHBOURS)
def test_country_level_travel_never_flags_neighbours(a: str, b: str) -> None:
    first, second = country_point(a, a), country_point(b, b)
    assert first is not None and second is not None
    assert gap_km(first, second) == 0.0
    assert travel(Sighting(first, T0), Sighting(second, T0)) is None


def test_country_level_travel_flags_what_no_border_explains_and_says_coarse() -> None:
    germany, australia = country_point("DE", "Germany"), country_point("AU", "Australia")
    assert germany is not None and australia is not None and germany.coarse
    reason = travel(Sighting(germany, T0), Sighting(australia, T0 + timedelta(hours=1)))
    assert reason is not None and reason.evidence["coarse"] is True
    assert "at least" in reason.text and "coarse" in reason.text
    # The least the two countries allow, not their points' distance.
    assert reason.evidence["distance_km"] < distance_km(germany, australia)
    # A long flight's worth of hours: possible.
    assert travel(Sighting(germany, T0), Sighting(australia, T0 + timedelta(hours=14))) is None


def test_points_from_untrusted_numbers() -> None:
    assert valid_point(52.5, 13.4, Precision.SERVER, "x") is not None
    for lat, lon in [
        (math.nan, 1.0), (1.0, math.inf), (91.0, 0.0), (0.0, -180.5), (0, 0), (True, 1.0),
        ("52.5", 13.4), (None, 1.0),
    ]:  # fmt: skip
        assert valid_point(lat, lon, Precision.SERVER, "x") is None
    assert country_point("ZZ", "nowhere") is None and country_point(None, "") is None


def test_learning_period_ends_at_14_days_or_10_sign_ins() -> None:
    now = T0
    young = Familiar(first_seen=now - timedelta(days=LEARNING_DAYS) + timedelta(minutes=1))
    assert young.learning(now)
    assert not Familiar(first_seen=now - timedelta(days=LEARNING_DAYS)).learning(now)
    assert Familiar(first_seen=now, sign_ins=LEARNING_SIGN_INS - 1).learning(now)
    assert not Familiar(first_seen=now, sign_ins=LEARNING_SIGN_INS).learning(now)
    assert Familiar().learning(now)  # nothing seen yet


def test_new_things_only_after_learning() -> None:
    network = Network("AS3320", 3320, "Deutsche Telekom AG", None, None)
    asked = {"country": ("BR", "Brazil"), "network": network, "device": ("d1", "Firefox on Linux")}
    learning = Familiar(first_seen=T0, sign_ins=3)
    assert novelty_reasons(learning, T0, **asked) == []
    learned = Familiar(first_seen=T0 - timedelta(days=30), sign_ins=3)
    reasons = novelty_reasons(learned, T0, **asked)
    assert [r.code for r in reasons] == [
        RiskCode.NEW_COUNTRY, RiskCode.NEW_NETWORK, RiskCode.NEW_DEVICE,
    ]  # fmt: skip
    assert "Brazil" in reasons[0].text and "AS3320 Deutsche Telekom AG" in reasons[1].text
    known = Familiar(
        countries=frozenset({"BR"}), networks=frozenset({"AS3320"}), devices=frozenset({"d1"}),
        first_seen=T0 - timedelta(days=30), sign_ins=40,
    )  # fmt: skip
    assert novelty_reasons(known, T0, **asked) == []


def kind(k: NetworkKind, operator: str = "Somebody") -> Network:
    return Network("AS1", 1, None, k, operator)


def test_network_kinds_and_their_weights() -> None:
    (tor,) = network_reasons(kind(NetworkKind.TOR, "Tor"), api_client=False)
    (vpn,) = network_reasons(kind(NetworkKind.VPN, "Mullvad"), api_client=False)
    (host,) = network_reasons(kind(NetworkKind.HOSTING, "Hetzner"), api_client=False)
    (api,) = network_reasons(kind(NetworkKind.HOSTING, "Hetzner"), api_client=True)
    assert (tor.code, vpn.code) == (RiskCode.ANONYMOUS_NETWORK, RiskCode.ANONYMOUS_NETWORK)
    assert host.code is RiskCode.HOSTING_NETWORK and "Hetzner" in host.text
    assert tor.weight > vpn.weight and host.weight > api.weight
    assert combined([tor]).level is RiskLevel.HIGH
    assert combined([vpn]).level is RiskLevel.MEDIUM
    assert combined([api]).level is RiskLevel.LOW
    assert network_reasons(None, api_client=False) == []
    assert network_reasons(Network("AS1", 1, None, None, None), api_client=False) == []


def test_weights_add_up_to_a_level_strongest_first() -> None:
    assert combined([]).level is RiskLevel.NONE and combined([]).to_json()["reasons"] == []
    new = novelty_reasons(
        Familiar(first_seen=T0 - timedelta(days=30), sign_ins=20),
        T0,
        country=None,
        network=Network("1.2.3.0/24", None, None, None, None),
        device=("d", "Firefox"),
    )
    assert combined(new[1:]).level is RiskLevel.LOW  # a new device alone
    risk = combined(new)  # and a new network with it
    assert risk.level is RiskLevel.MEDIUM
    assert risk.codes == (RiskCode.NEW_DEVICE, RiskCode.NEW_NETWORK)
    out = risk.to_json()
    assert out["level"] == "medium" and out["reasons"][0]["code"] == "new_device"


def test_a_sighting_reads_back_as_written_and_nothing_else_does() -> None:
    sighting = Sighting(GeoPoint(52.52, 13.405, Precision.COUNTRY, "Germany", 445.0), T0)
    data = sighting.to_json()
    assert data["at"] == "2026-12-01T12:00:00Z" and data["radius_km"] == 445
    assert Sighting.from_json(data) == sighting
    for bad in (
        None, [], {**data, "at": "yesterday"}, {**data, "at": "2026-12-01T12:00:00"},
        {**data, "precision": "street"}, {**data, "latitude": 91}, {**data, "longitude": "13"},
    ):  # fmt: skip
        assert Sighting.from_json(bad) is None
