"""A world map in terminal characters: coastlines, where the sessions are, impossible journeys.

Each character cell holds 2x4 braille dots, so an 80x24 terminal draws the coastlines of
Natural Earth's 1:110m outline (public domain, `enrich/data/land.tsv`) recognisably, and a
200x50 one in detail. Under `--ascii` a cell with any dot is a "." instead (coarse, but every
byte ASCII). The projection is equirectangular, cropped to where people live (84N to 58S).

Pure drawing: rows of characters and, per cell, what is there (land, a journey's line); the
map screen styles them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

LAT_TOP, LAT_BOTTOM = 84.0, -58.0
_BRAILLE = 0x2800
# The bit of each dot in a braille cell, by (row, column) of the 4x2 dots.
_DOT = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) pairs


@functools.cache
def coastlines() -> tuple[Ring, ...]:
    """The land outlines, in degrees (`tools/world_data.py` wrote them in tenths)."""
    text = resources.files("session_tui.enrich").joinpath("data/land.tsv").read_text()
    rings = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        points = (pair.split(",") for pair in line.split())
        rings.append(tuple((int(x) / 10, int(y) / 10) for x, y in points))
    return tuple(rings)


@dataclass(frozen=True, slots=True)
class Cell:
    col: int
    row: int


class Canvas:
    """`cols` x `rows` character cells of braille dots."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = max(cols, 1), max(rows, 1)
        self._land = bytearray(self.cols * self.rows)
        self._route = bytearray(self.cols * self.rows)

    # -- where things are ---------------------------------------------------------------------

    def _dot(self, lat: float, lon: float) -> tuple[int, int]:
        x = (lon + 180.0) / 360.0 * (self.cols * 2 - 1)
        y = (LAT_TOP - lat) / (LAT_TOP - LAT_BOTTOM) * (self.rows * 4 - 1)
        return round(x), round(y)

    def cell(self, lat: float, lon: float) -> Cell | None:
        """The cell a place falls in, or None off the map (far north or south)."""
        x, y = self._dot(lat, lon)
        if not (0 <= x < self.cols * 2 and 0 <= y < self.rows * 4):
            return None
        return Cell(x // 2, y // 4)

    # -- drawing ------------------------------------------------------------------------------

    def _set(self, bits: bytearray, x: int, y: int) -> None:
        if 0 <= x < self.cols * 2 and 0 <= y < self.rows * 4:
            bits[(y // 4) * self.cols + x // 2] |= _DOT[y % 4][x % 2]

    def _line(self, bits: bytearray, a: tuple[int, int], b: tuple[int, int]) -> None:
        (x0, y0), (x1, y1) = a, b
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self._set(bits, x0, y0)
            if (x0, y0) == (x1, y1):
                return
            twice = 2 * err
            if twice >= dy:
                err += dy
                x0 += sx
            if twice <= dx:
                err += dx
                y0 += sy

    def draw_coastlines(self) -> None:
        self._land[:] = _land(self.cols, self.rows)

    def _draw_coastlines(self) -> None:
        for ring in coastlines():
            dots = [self._dot(lat, lon) for lon, lat in ring]
            for (lon0, _), (lon1, _), a, b in zip(ring, ring[1:], dots, dots[1:], strict=False):
                if abs(lon1 - lon0) < 180:  # no line across the whole map at the antimeridian
                    self._line(self._land, a, b)

    def draw_journey(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A straight line on the map between two (latitude, longitude) places, the short way
        round where that crosses the antimeridian."""
        (lat0, lon0), (lat1, lon1) = start, end
        if abs(lon1 - lon0) > 180:  # two pieces, each to its edge of the map
            edge = 180.0 if lon0 > 0 else -180.0
            span = (360 - abs(lon1 - lon0)) or 1.0
            mid = lat0 + (lat1 - lat0) * (180 - abs(lon0)) / span
            self._line(self._route, self._dot(lat0, lon0), self._dot(mid, edge))
            self._line(self._route, self._dot(mid, -edge), self._dot(lat1, lon1))
            return
        self._line(self._route, self._dot(lat0, lon0), self._dot(lat1, lon1))

    # -- what it looks like -------------------------------------------------------------------

    def char(self, col: int, row: int, *, ascii_only: bool = False) -> str:
        """The character of one cell: its dots (a journey's over the land's)."""
        index = row * self.cols + col
        bits = self._land[index] | self._route[index]
        if not bits:
            return " "
        if ascii_only:
            return "*" if self._route[index] else "."
        return chr(_BRAILLE + bits)

    def on_route(self, col: int, row: int) -> bool:
        return bool(self._route[row * self.cols + col])


@functools.lru_cache(maxsize=8)
def _land(cols: int, rows: int) -> bytes:
    """The coastlines' dots at this size, drawn once (~5 ms; the details pane draws a small
    map on every update of a session with a journey)."""
    canvas = Canvas(cols, rows)
    canvas._draw_coastlines()
    return bytes(canvas._land)
