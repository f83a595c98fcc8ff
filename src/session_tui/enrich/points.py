"""Where on Earth a session is, as a point: for the travel check and the world map.

A point is only as good as where it came from, and it says so (`Precision`):

- `server`: the server gave coordinates with the session;
- `city`: a MaxMind-format City database (`--city-db`) placed the address in a city;
- `country`: neither, so the point stands for the whole country (`data/countries.tsv`, derived
  from Natural Earth's public-domain outlines by `tools/world_data.py`). Its radius reaches
  every sizeable part of the country, and a distance between two country points is taken as
  the least it could be (`gap_km`): two neighbours are never further apart than that allows.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass
from importlib import resources

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): great-circle distances, as travel is


class Precision(enum.StrEnum):
    SERVER = "server"
    CITY = "city"
    COUNTRY = "country"


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float
    precision: Precision
    label: str  # the place it stands for, already sanitised ("Berlin, Germany")
    radius_km: float = 0.0  # how far the true place may be from the point

    @property
    def coarse(self) -> bool:
        return self.precision is Precision.COUNTRY


def valid_point(
    latitude: object, longitude: object, precision: Precision, label: str, radius_km: float = 0.0
) -> GeoPoint | None:
    """A point from untrusted numbers (a server's, a database's), or None when they are not
    a place on Earth: not numbers, not finite, out of range, or the 0,0 of "no value"."""
    if isinstance(latitude, bool) or isinstance(longitude, bool):
        return None
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        return None
    lat, lon = float(latitude), float(longitude)
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    if lat == 0.0 and lon == 0.0:
        return None  # "null island": what a missing value looks like, never a sign-in
    return GeoPoint(lat, lon, precision, label, max(0.0, radius_km))


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """The great-circle distance between the two points (haversine, on the mean radius)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def gap_km(a: GeoPoint, b: GeoPoint) -> float:
    """The least distance the two places can be apart: between their points, less how far
    each true place may be from its point."""
    return max(0.0, distance_km(a, b) - a.radius_km - b.radius_km)


@functools.cache
def _countries() -> dict[str, tuple[float, float, float]]:
    text = resources.files("session_tui.enrich").joinpath("data/countries.tsv").read_text()
    found: dict[str, tuple[float, float, float]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, lat, lon, radius = line.split("\t")
        found[code] = (float(lat), float(lon), float(radius))
    return found


def country_point(code: str | None, label: str) -> GeoPoint | None:
    """The point that stands for a country (ISO 3166-1 alpha-2), or None for one we have no
    outline of (a few small territories)."""
    if not code:
        return None
    known = _countries().get(code.upper())
    if known is None:
        return None
    lat, lon, radius = known
    return GeoPoint(lat, lon, Precision.COUNTRY, label, radius)
