"""GeoLocator: offline country lookup, fixed answers for special ranges, provider wins, City DB.

The City database is a tiny real one (`mmdb_files.write_mmdb`): the reader path is tested
against a real file without shipping one.
"""

from __future__ import annotations

import pathlib

import pytest
from mmdb_files import write_mmdb

from session_tui.enrich.geo import GeoLocator, Place, country_name, flag
from session_tui.errors import ConfigError
from session_tui.model import Location


@pytest.fixture(scope="module")
def geo() -> GeoLocator:
    return GeoLocator()


@pytest.mark.parametrize(
    "ip",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fd12:3456:789a::1",
        "::ffff:192.168.1.1",
    ],
)
def test_private_networks(geo: GeoLocator, ip: str) -> None:
    place = geo.locate(ip)
    assert place.label == "Private network"
    assert (place.country_code, place.flag, place.source) == (None, "", "none")


@pytest.mark.parametrize(
    ("ip", "label"),
    [
        ("10.0.0.0", "Private network"),  # a range's first and last address are in it
        ("10.255.255.255", "Private network"),
        ("172.31.255.255", "Private network"),
        ("172.32.0.0", "a country"),  # one past the end is not
        ("172.15.255.255", "a country"),  # nor one before the start
        ("100.127.255.255", "Private network"),
        ("100.128.0.0", "a country"),
        ("198.51.100.0", "Unknown"),
        ("198.51.100.255", "Unknown"),
        ("198.51.101.0", "a country"),
        ("2001:db8::", "Unknown"),
        ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "Unknown"),
        ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "Private network"),
        ("fc00::", "Private network"),
    ],
)
def test_special_ranges_end_where_they_end(geo: GeoLocator, ip: str, label: str) -> None:
    place = geo.locate(ip)
    if label == "a country":
        assert place.country_code is not None
    else:
        assert place.label == label


@pytest.mark.parametrize(
    "ip",
    [
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.200",
        "2001:db8::1",
        "2001:db8:ffff::42",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "::",
        "198.18.0.1",
    ],
)
def test_documentation_reserved_and_multicast_are_unknown(geo: GeoLocator, ip: str) -> None:
    place = geo.locate(ip)
    assert place.label == "Unknown"
    assert place.country_code is None


@pytest.mark.parametrize(
    "ip", [None, "", "garbage", "999.1.1.1", "1.2.3", "1.2.3.4:443", "[bold]1.2.3.4", "::g"]
)
def test_invalid_ips_are_unknown(geo: GeoLocator, ip: str | None) -> None:
    assert geo.locate(ip).label == "Unknown"


@pytest.mark.parametrize(
    ("ip", "code", "name"),
    [
        ("8.8.8.8", "US", "United States"),
        ("1.0.16.1", "JP", "Japan"),
        ("::ffff:8.8.8.8", "US", "United States"),
        ("2a00:1450:4001:82b::200e", "IE", "Ireland"),
        ("[2a00:1450:4001:82b::200e]", "IE", "Ireland"),
    ],
)
def test_public_addresses_get_a_country(geo: GeoLocator, ip: str, code: str, name: str) -> None:
    place = geo.locate(ip)
    assert place == Place(code, name, flag(code), None, None, name, "lookup")


def test_flags_and_names() -> None:
    assert flag("DE") == "\U0001f1e9\U0001f1ea"
    assert flag("de") == flag("DE")
    assert flag("ZZ") == flag(None) == flag("") == flag("DEU") == flag("1A") == ""
    assert country_name("KR") == "South Korea"  # common name, not "Korea, Republic of"
    assert country_name("GB") == "United Kingdom"


def test_provider_location_wins_and_is_sanitised(geo: GeoLocator) -> None:
    given = Location(city="Berlin\x1b[31m\n[bold]", region="Berlin", country_code="de")
    place = geo.locate("8.8.8.8", given)
    assert place.country_code == "DE"
    assert place.city == "Berlin [bold]"
    assert place.label == "Berlin [bold], Germany"
    assert place.flag == flag("DE")
    assert place.source == "provider"


def test_provider_location_wins_even_for_a_private_ip(geo: GeoLocator) -> None:
    assert geo.locate("10.0.0.1", Location(country_code="FR")).label == "France"


def test_provider_region_without_city(geo: GeoLocator) -> None:
    assert (
        geo.locate(None, Location(region="Bavaria", country_code="DE")).label == "Bavaria, Germany"
    )


def test_provider_bogus_country_code_is_dropped(geo: GeoLocator) -> None:
    place = geo.locate("8.8.8.8", Location(city="Atlantis", country_code="ZZ"))
    assert (place.country_code, place.flag, place.label) == (None, "", "Atlantis")


def test_empty_provider_location_falls_back_to_lookup(geo: GeoLocator) -> None:
    assert geo.locate("8.8.8.8", Location()).source == "lookup"


def test_lookups_are_cached(geo: GeoLocator) -> None:
    assert geo.locate("8.8.4.4") is geo.locate("8.8.4.4")


# ---- City database ---------------------------------------------------------------------------


def test_missing_city_db_is_a_config_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        GeoLocator(tmp_path / "nope.mmdb")


def test_bad_city_db_is_a_config_error(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"this is not a database\x00" * 100)
    with pytest.raises(ConfigError, match="not a MaxMind-format"):
        GeoLocator(bad)
    with pytest.raises(ConfigError):
        GeoLocator(tmp_path)  # a directory


@pytest.fixture
def city_db(tmp_path: pathlib.Path) -> pathlib.Path:
    return write_mmdb(
        tmp_path / "city.mmdb",
        {
            "81.2.69.0/24": {
                "city": {"names": {"en": "London"}},
                "subdivisions": [{"names": {"en": "England"}}],
                "country": {"iso_code": "GB"},
            },
            "89.160.20.0/24": {
                "city": {"names": {"en": "Link\x1b[31m[b]"}},
                "country": {"iso_code": "SE"},
            },
            "2.125.160.0/24": {"country": {"iso_code": "DE"}},  # no city
            "5.5.5.0/24": {"city": "not a dict"},  # malformed record
        },
    )


def test_city_db_gives_city_and_region(city_db: pathlib.Path) -> None:
    geo = GeoLocator(city_db)
    try:
        place = geo.locate("81.2.69.142")
        assert place == Place(
            "GB",
            "United Kingdom",
            flag("GB"),
            "London",
            "England",
            "London, United Kingdom",
            "lookup",
        )
        # text from the file is untrusted too
        assert geo.locate("89.160.20.1").label == "Link[b], Sweden"
        # the file's country wins over the RIR data; no city is fine
        assert geo.locate("2.125.160.216").label == "Germany"
        # a malformed record, an address not in the file, and IPv6 against an IPv4-only file
        # all fall back to the embedded country data
        assert geo.locate("5.5.5.5").city is None
        assert geo.locate("8.8.8.8").label == "United States"
        assert geo.locate("2a00:1450:4001:82b::200e").label == "Ireland"
        # private ranges never reach the file
        assert geo.locate("10.0.0.1").label == "Private network"
    finally:
        geo.close()
