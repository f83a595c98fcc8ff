"""The offline data behind the risk signals (issue 24): the kind of network from the ranges the
`risk` extra ships (a few known ranges of its data), the network from an ASN database or the
address's block, coordinates from the server or a City database, and the app without the extra.
The databases are tiny real ones built for each test (`mmdb_files`)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from mmdb_files import write_mmdb

from session_tui.enrich.geo import GeoLocator, point_of
from session_tui.enrich.networks import NetworkKind, NetworkLookup, ranges_dataset, valid_asn
from session_tui.enrich.points import Precision
from session_tui.errors import ConfigError
from session_tui.model import Location


@pytest.fixture
def lookup() -> NetworkLookup:
    return NetworkLookup()


@pytest.mark.parametrize(
    ("ip", "kind", "operator"),
    [
        ("185.220.101.1", NetworkKind.TOR, "Tor"),
        ("172.225.55.30", NetworkKind.VPN, "Apple Private Relay"),
        ("52.95.110.1", NetworkKind.HOSTING, "Amazon AWS"),
        ("2a01:4f8::1", NetworkKind.HOSTING, "Hetzner"),
        ("172.69.132.137", NetworkKind.HOSTING, "Cloudflare"),  # an edge network as a client
    ],
)
def test_known_ranges_of_the_shipped_data(
    lookup: NetworkLookup, ip: str, kind: NetworkKind, operator: str
) -> None:
    network = lookup.network(ip)
    assert network is not None and (network.kind, network.operator) == (kind, operator)
    assert network.kind.anonymous == (kind in (NetworkKind.TOR, NetworkKind.VPN))


def test_an_ordinary_address_is_its_block(lookup: NetworkLookup) -> None:
    home = lookup.network("91.64.46.189")
    assert home is not None and home.kind is None and home.operator is None
    assert home.key == "91.64.46.0/24" and home.name == "91.64.46.0/24"
    six = lookup.network("[2003:e6:1f00:1234::5]")
    assert six is not None and six.key == "2003:e6:1f00::/48"
    mapped = lookup.network("::ffff:91.64.46.7")
    assert mapped is not None and mapped.key == "91.64.46.0/24"


@pytest.mark.parametrize("ip", ["10.1.2.3", "::1", "192.0.2.1", "", None, "not an ip", "9" * 500])
def test_no_public_address_is_no_network(lookup: NetworkLookup, ip: str | None) -> None:
    assert lookup.network(ip) is None


def test_the_servers_autonomous_system_wins(lookup: NetworkLookup) -> None:
    network = lookup.network("91.64.46.189", "AS3320", "Deutsche\x1b[31m Telekom\nAG")
    assert network is not None and network.key == "AS3320" and network.asn == 3320
    assert network.name == "AS3320 Deutsche Telekom AG"  # server text is plain text
    assert valid_asn(3320) == valid_asn("as3320") == 3320
    for bad in (True, -1, 0, 2**32, "AS", "3320x", 3.5, None):
        assert valid_asn(bad) is None


def test_an_asn_database(tmp_path: pathlib.Path) -> None:
    path = write_mmdb(
        tmp_path / "asn.mmdb",
        {
            "91.64.0.0/16": {
                "autonomous_system_number": 3320,
                "autonomous_system_organization": "Deutsche Telekom AG",
            },
            "2a01:4f8::/32": {"asn": 24940, "as_name": "Hetzner Online GmbH"},  # a flat layout
            "5.5.5.0/24": {"autonomous_system_number": "many"},  # malformed: no network
        },
        kind="GeoLite2-ASN",
    )
    lookup = NetworkLookup(path)
    try:
        home = lookup.network("91.64.46.189")
        assert home is not None and home.key == "AS3320"
        assert home.name == "AS3320 Deutsche Telekom AG"
        hosted = lookup.network("2a01:4f8::1")
        assert hosted is not None and hosted.key == "AS24940"
        assert hosted.kind is NetworkKind.HOSTING  # the kind still comes from the ranges
        bad = lookup.network("5.5.5.5")
        assert bad is not None and bad.key == "5.5.5.0/24"
    finally:
        lookup.close()


def test_a_bad_asn_database_is_a_config_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match=r"ASN database .* does not exist"):
        NetworkLookup(tmp_path / "nope.mmdb")
    (tmp_path / "bad.mmdb").write_bytes(b"nothing like a database" * 50)
    with pytest.raises(ConfigError, match="not a MaxMind-format"):
        NetworkLookup(tmp_path / "bad.mmdb")


def test_the_ranges_say_when_they_were_built() -> None:
    dataset = ranges_dataset()
    assert dataset is not None and dataset.name.startswith("iporigin ")
    assert dataset.built == date(2026, 10, 5)
    assert dataset.age_days(date(2026, 12, 6)) == 62


def test_without_the_risk_extra_the_kind_is_unknown_not_clean() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        sys.modules["iporigin"] = None  # as if `session-tui[risk]` were not installed
        from session_tui.enrich.networks import NetworkLookup, ranges_dataset
        network = NetworkLookup().network("185.220.101.1")
        print(json.dumps([ranges_dataset() is None, network.kind, network.key]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, None, "185.220.101.0/24"]


def test_city_database_coordinates_in_both_layouts(tmp_path: pathlib.Path) -> None:
    path = write_mmdb(
        tmp_path / "city.mmdb",
        {
            "81.2.69.0/24": {
                "city": {"names": {"en": "London"}},
                "country": {"iso_code": "GB"},
                "location": {"latitude": 51.5142, "longitude": -0.0931, "accuracy_radius": 20},
            },
            "89.160.20.0/24": {  # DB-IP's flat layout
                "city": "Linköping",
                "state1": "Östergötland",
                "country_code": "SE",
                "latitude": 58.41,
                "longitude": 15.62,
            },
            "2.125.160.0/24": {  # no city: the database's guess at a country, not a city
                "country": {"iso_code": "DE"},
                "location": {"latitude": 51.0, "longitude": 9.0, "accuracy_radius": 1000},
            },
            "5.5.5.0/24": {
                "city": {"names": {"en": "Nowhere"}},
                "country": {"iso_code": "FR"},
                "location": {"latitude": "north", "longitude": 999.0},
            },
        },
    )
    geo = GeoLocator(path)
    try:
        london = point_of(geo.locate("81.2.69.142"))
        assert london is not None and london.precision is Precision.CITY
        assert (london.latitude, london.longitude, london.radius_km) == (51.5142, -0.0931, 20)
        assert london.label == "London, United Kingdom"
        sweden = geo.locate("89.160.20.1")
        assert (sweden.city, sweden.region, sweden.country_code) == (
            "Linköping", "Östergötland", "SE",
        )  # fmt: skip
        assert sweden.point is not None and sweden.point.latitude == 58.41
        germany = point_of(geo.locate("2.125.160.216"))
        assert germany is not None and germany.precision is Precision.COUNTRY
        nowhere = point_of(geo.locate("5.5.5.5"))  # bad numbers: the country stands in
        assert nowhere is not None and nowhere.coarse and nowhere.label == "Nowhere, France"
    finally:
        geo.close()


def test_the_servers_coordinates_win() -> None:
    geo = GeoLocator()
    given = Location(city="Sydney", country_code="AU", latitude=-33.87, longitude=151.21)
    point = point_of(geo.locate("91.64.46.189", given))
    assert point is not None and point.precision is Precision.SERVER
    assert point.label == "Sydney, Australia"
    bad = Location(city="Sydney", country_code="AU", latitude=float("nan"), longitude=151.21)
    fallback = point_of(geo.locate("91.64.46.189", bad))
    assert fallback is not None and fallback.precision is Precision.COUNTRY
    assert point_of(geo.locate("10.0.0.1")) is None  # a private network is nowhere


def test_datasets_say_their_age_and_warn_when_old() -> None:
    from session_tui.enrich.networks import Dataset

    fresh = Dataset("ranges 1", date(2026, 10, 5), "test data")
    assert fresh.describe(date(2026, 12, 6)) == (
        "ranges 1 (test data), built 2026-10-05 (62 days ago)"
    )
    old = fresh.describe(date(2027, 4, 4))  # 181 days
    assert "older than 180 days" in old and fresh.stale(date(2027, 4, 4))
    assert not fresh.stale(date(2027, 4, 3))
    assert "build date unknown" in Dataset("x", None, "y").describe(date(2026, 12, 6))


def test_config_show_names_the_risk_data(tmp_path: pathlib.Path) -> None:
    from test_commands import cli

    asn = write_mmdb(tmp_path / "asn.mmdb", {"91.64.0.0/16": {"autonomous_system_number": 1}})
    done = cli("config", "show", "--json", "--asn-db", str(asn))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["risk data"]
    assert data["network kinds"].startswith("iporigin 1.1.2 (Tor, VPN and hosting ranges, MIT)")
    assert "built 2026-10-05" in data["network kinds"]
    assert data["asn database"].startswith(f"{asn} (a MaxMind-format ASN database), built ")
    assert data["city database"].startswith("not set")
    assert "public domain" in data["country points"]


def test_without_the_risk_extra_the_details_say_the_checks_are_off() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from datetime import UTC, datetime, timedelta
        sys.modules["iporigin"] = None  # as if `session-tui[risk]` were not installed
        from session_tui.enrich import Enricher
        from session_tui.model import Session
        from session_tui.ui.widgets.details import details
        view = Enricher().view(Session(id="s1", ip="185.220.101.7"))
        shown = details(view, is_current=False, now=datetime.now(UTC),
                        window=timedelta(minutes=5), account=None)
        print(json.dumps({label: value.plain for label, value in shown.rows}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows["Networks"] == "Tor, VPN and hosting not checked: pip install 'session-tui[risk]'"
