"""Build the world data session-tui ships (`src/session_tui/enrich/data/`) from Natural Earth.

Natural Earth's vector data is in the public domain. This reads it as the `world-atlas` npm
package publishes it (TopoJSON; `npm pack world-atlas@2.0.2` and give this script the tarball)
and writes two small files of our own layout, committed with the package, so nothing is
fetched or converted at run time:

- `countries.tsv`: per ISO 3166-1 country, a point to stand for it (the centroid of its largest
  polygon, 1:50m) and a radius that reaches every part of it that is at least a twentieth of
  that polygon's area. Country-level travel checks subtract both radii from the distance
  between two countries' points, so neighbours are never further apart than that allows.
- `land.tsv`: the coastlines at 1:110m, one ring per line as lon,lat pairs in tenths of a
  degree, for the world map pane.

Run: python tools/world_data.py world-atlas-2.0.2.tgz
"""

from __future__ import annotations

import json
import math
import sys
import tarfile
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "src" / "session_tui" / "enrich" / "data"
EARTH_KM = 6371.0088
# Countries without an ISO number in the data: their codes, by the name it gives them.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": None, "Somaliland": None, "Indian Ocean Ter.": None}

Ring = list[tuple[float, float]]


def _arcs(topology: dict) -> list[Ring]:
    """Every arc in degrees (TopoJSON's quantized, delta-encoded positions decoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    points: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _polygons(geometry: dict, arcs: list[Ring]) -> list[Ring]:
    """The outer ring of each polygon of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [_ring(arcs, geometry["arcs"][0])]
    if geometry["type"] == "MultiPolygon":
        return [_ring(arcs, polygon[0]) for polygon in geometry["arcs"]]
    return []


def _unwrapped(ring: Ring) -> Ring:
    """The ring with no jump of 360 degrees where it crosses the antimeridian (Russia's does)."""
    out: Ring = []
    shift = 0.0
    for i, (x, y) in enumerate(ring):
        if i:
            step = x + shift - out[-1][0]
            shift -= 360.0 * round(step / 360.0)
        out.append((x + shift, y))
    return out


def _area_and_centroid(ring: Ring) -> tuple[float, float, float]:
    """Planar area (square degrees) and centroid (lon, lat) of a ring: coarse, as meant."""
    ring = _unwrapped(ring)
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        xs, ys = zip(*ring, strict=True)
        lon, lat = sum(xs) / len(xs), sum(ys) / len(ys)
    else:
        lon, lat = cx / (3 * area), cy / (3 * area)
    return abs(area) / 2, (lon + 180.0) % 360.0 - 180.0, lat


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _code(geometry: dict) -> str | None:
    number = geometry.get("id")
    if number is None:
        return BY_NAME.get(geometry.get("properties", {}).get("name", ""))
    country = pycountry.countries.get(numeric=str(number).zfill(3))
    return country.alpha_2 if country else None


def countries(topology: dict) -> list[str]:
    arcs = _arcs(topology)
    found: dict[str, tuple[float, str]] = {}  # a code twice (a country and its islets): the larger
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = _code(geometry)
        polygons = _polygons(geometry, arcs)
        if code is None or not polygons:
            continue
        measured = [(_area_and_centroid(ring), ring) for ring in polygons]
        (largest, lon, lat), _ = max(measured, key=lambda m: m[0][0])
        parts = [ring for (area, _, _), ring in measured if area >= largest / 20]
        radius = max(_km(lat, lon, y, x) for ring in parts for x, y in ring)
        if code not in found or found[code][0] < largest:
            found[code] = (largest, f"{code}\t{lat:.2f}\t{lon:.2f}\t{math.ceil(radius)}")
    return sorted(line for _, line in found.values())


def land(topology: dict) -> list[str]:
    arcs = _arcs(topology)
    lines = []
    for geometry in topology["objects"]["land"]["geometries"]:
        for ring in _polygons(geometry, arcs):
            tenths = [(round(x * 10), round(y * 10)) for x, y in ring]
            kept = [p for i, p in enumerate(tenths) if i == 0 or p != tenths[i - 1]]
            if len(kept) >= 3:
                lines.append(" ".join(f"{x},{y}" for x, y in kept))
    return lines


def main(tarball: str) -> None:
    with tarfile.open(tarball) as archive:

        def read(name: str) -> dict:
            member = archive.extractfile(f"package/{name}")
            assert member is not None
            return json.load(member)

        fifty, coast = read("countries-50m.json"), read("land-110m.json")
    OUT.mkdir(parents=True, exist_ok=True)
    head = (
        "# Derived from Natural Earth (public domain) by tools/world_data.py; see its docstring.\n"
    )
    (OUT / "countries.tsv").write_text(
        head + "# code\tlatitude\tlongitude\tradius_km\n" + "\n".join(countries(fifty)) + "\n"
    )
    (OUT / "land.tsv").write_text(head + "\n".join(land(coast)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
