"""IP -> place, offline: a country out of the box, a city when the user has a City database.

The country comes from `iptocc` (RIR delegation data embedded in the wheel, MIT OR Apache-2.0):
no network call, no file to download. RIR data says which country a block was *assigned* to,
which is right for the large majority of addresses and is all we claim. A MaxMind-format City
`.mmdb` (GeoLite2-City, DB-IP City Lite, ...) adds city and region when the user points at one.

Addresses that belong to no country (private, loopback, documentation, reserved) never get one:
a wrong country on a session is worse than none, because it looks like an intruder.
"""

from __future__ import annotations

import functools
import ipaddress
import pathlib
from dataclasses import dataclass
from typing import Any

import pycountry

from session_tui.enrich.mmdb import lookup, open_database, parse_address
from session_tui.enrich.points import GeoPoint, Precision, country_point, valid_point
from session_tui.enrich.text import plain
from session_tui.model import Location

PRIVATE_NETWORK = "Private network"
UNKNOWN = "Unknown"
_FIELD_LEN = 64

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _nets(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# Networks that are somebody's own: the session came from inside a LAN, a VPN or the same host.
_PRIVATE = _nets(
    "10.0.0.0/8",  # RFC 1918
    "172.16.0.0/12",  # RFC 1918
    "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
    "127.0.0.0/8",  # loopback
    "::1/128",  # loopback
    "169.254.0.0/16",  # link-local
    "fe80::/10",  # link-local
    "fc00::/7",  # unique local (RFC 4193)
)
# Addresses that should never appear on the internet: examples in documentation.
_DOCUMENTATION = _nets(
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"
)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a session is, ready to show; every text field is already sanitised."""

    country_code: str | None
    country_name: str | None
    flag: str  # "" when there is no country
    city: str | None
    region: str | None
    label: str  # "Berlin, Germany", "Germany", "Private network", "Unknown"
    source: str  # "provider" | "lookup" | "none"
    # Coordinates the server gave, or the City database's for a city; else `point_of` stands
    # the country's point in for it (coarse).
    point: GeoPoint | None = None


UNKNOWN_PLACE = Place(None, None, "", None, None, UNKNOWN, "none")
PRIVATE_PLACE = Place(None, None, "", None, None, PRIVATE_NETWORK, "none")


@functools.lru_cache(maxsize=512)
def _country(code: str | None) -> Any:
    if not code or len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    return pycountry.countries.get(alpha_2=code.upper())


def flag(country_code: str | None) -> str:
    """The flag emoji of an ISO 3166-1 alpha-2 code, or "" when pycountry does not know it."""
    if _country(country_code) is None:
        return ""
    assert country_code is not None
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country_code.upper())


def country_name(country_code: str | None) -> str | None:
    """The name people use ("South Korea", not "Korea, Republic of"), or None."""
    country = _country(country_code)
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


def point_of(place: Place) -> GeoPoint | None:
    """Where the place is on Earth: its own point, else its country's (coarse), else None."""
    return place.point or country_point(place.country_code, place.label)


@functools.lru_cache(maxsize=4096)  # many sessions share a few places; a Place is immutable
def _place(
    country_code: str | None,
    city: str | None,
    region: str | None,
    source: str,
    at: tuple[object, object, Precision, float] | None = None,
) -> Place:
    code = country_code.upper() if country_code and _country(country_code) is not None else None
    name = country_name(code)
    city = plain(city, _FIELD_LEN) or None
    region = plain(region, _FIELD_LEN) or None
    # The region is dropped from the label when there is a city: "Berlin, Berlin, Germany" says
    # nothing more; it stays in `region` for the details pane.
    parts = [p for p in (city or region, name) if p]
    label = ", ".join(parts) if parts else UNKNOWN
    if not (code or city or region):
        return Place(None, None, "", None, None, UNKNOWN, source)
    point = valid_point(at[0], at[1], at[2], label, at[3]) if at is not None else None
    return Place(code, name, flag(code), city, region, label, source, point)


def _spans(
    nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
) -> dict[int, tuple[tuple[int, int], ...]]:
    """The networks as (first, last) address numbers by IP version: comparing two ints is
    several times cheaper than `addr in net`, and every new address of a large account is
    checked against each network (a third of describing 10,000 sessions' places)."""
    return {
        version: tuple(
            (int(n.network_address), int(n.broadcast_address)) for n in nets if n.version == version
        )
        for version in (4, 6)
    }


_DOCUMENTATION_SPANS = _spans(_DOCUMENTATION)
_PRIVATE_SPANS = _spans(_PRIVATE)


def _within(addr: _IPAddress, spans: dict[int, tuple[tuple[int, int], ...]]) -> bool:
    number = int(addr)
    return any(first <= number <= last for first, last in spans[addr.version])


def classify(addr: _IPAddress) -> Place | None:
    """The fixed answer for addresses that have no country, or None for a public address."""
    if _within(addr, _DOCUMENTATION_SPANS):
        return UNKNOWN_PLACE
    if _within(addr, _PRIVATE_SPANS):
        return PRIVATE_PLACE
    # Multicast, reserved, unspecified, benchmarking, IETF protocol ranges, ...
    if addr.is_multicast or addr.is_reserved or addr.is_unspecified or not addr.is_global:
        return UNKNOWN_PLACE
    return None


class GeoLocator:
    """Looks up places offline; one per app, with its own cache per (ip, given location)."""

    def __init__(self, city_db: pathlib.Path | None = None) -> None:
        self._reader: Any = None
        self.city_db = city_db
        if city_db is not None:
            self._reader = open_database(city_db, "city database")
        self._cached = functools.lru_cache(maxsize=4096)(self._locate)

    def locate(self, ip: str | None, given: Location | None = None) -> Place:
        """Where `ip` is; a non-empty provider-given `given` location wins over our lookup."""
        return self._cached(ip, given)

    def close(self) -> None:
        """Release the City database file (no-op without one)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._cached.cache_clear()

    def _locate(self, ip: str | None, given: Location | None) -> Place:
        if given is not None and not given.is_empty:
            source = given.source if given.source in ("provider", "lookup") else "provider"
            at = None
            if given.latitude is not None and given.longitude is not None:
                at = (given.latitude, given.longitude, Precision.SERVER, 0.0)
            return _place(given.country_code, given.city, given.region, source, at)
        if not ip or not isinstance(ip, str):
            return UNKNOWN_PLACE
        addr = parse_address(ip)
        if addr is None:
            return UNKNOWN_PLACE
        if (fixed := classify(addr)) is not None:
            return fixed
        found = _CityRecord()
        if self._reader is not None:
            found = self._city_lookup(addr)
        code = found.code
        if code is None:
            import iptocc  # not at start-up: most servers say where their sessions are

            code = iptocc.country_code(str(addr))
        return _place(code, found.city, found.region, "lookup", found.at)

    def _city_lookup(self, addr: _IPAddress) -> _CityRecord:
        """What the City database says; a bad record counts as no record. Both layouts: the
        nested one of GeoLite2 ("city": {"names": {"en": ...}}, "location": {...}) and the
        flat one of DB-IP's builds ("city", "country_code", "state1", "latitude", ...)."""
        record = lookup(self._reader, addr)
        if record is None:
            return _CityRecord()
        where: object
        if "country_code" in record or "state1" in record:
            city = _dig(record, "city")
            region, code, where = _dig(record, "state1"), _dig(record, "country_code"), record
        else:
            code = _dig(record, "country", "iso_code")
            city = _dig(record, "city", "names", "en")
            subdivisions = record.get("subdivisions")
            region = None
            if isinstance(subdivisions, list) and subdivisions:
                region = _dig(subdivisions[0], "names", "en")
            where = record.get("location")
        at = None
        # A record with no city is the database's guess at a country: not a city's point.
        if city and isinstance(where, dict):
            radius = where.get("accuracy_radius")
            radius_km = float(radius) if isinstance(radius, int) and 0 < radius <= 1000 else 0.0
            at = (where.get("latitude"), where.get("longitude"), Precision.CITY, radius_km)
        return _CityRecord(code, city, region, at)


@dataclass(frozen=True, slots=True)
class _CityRecord:
    code: str | None = None
    city: str | None = None
    region: str | None = None
    at: tuple[object, object, Precision, float] | None = None


def _dig(record: Any, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record if isinstance(record, str) else None
