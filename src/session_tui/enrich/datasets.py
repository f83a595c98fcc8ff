"""The offline data behind places and risk verdicts, in words, with each one's build date:
for `config show` now, and for the details pane (a verdict names the data it came from).
Data older than `networks.STALE_AFTER_DAYS` says so."""

from __future__ import annotations

import pathlib
from datetime import date

from session_tui.enrich.mmdb import built, open_database
from session_tui.enrich.networks import Dataset, ranges_dataset

COUNTRY_POINTS = "Natural Earth 1:50m outlines (public domain), shipped with session-tui"
NO_RANGES = "off: pip install 'session-tui[risk]' for the Tor, VPN and hosting signals"


def user_database(path: pathlib.Path, what: str) -> Dataset:
    """A database the user pointed at (`--city-db`, `--asn-db`), with its build date."""
    reader = open_database(path, what)
    try:
        return Dataset(str(path), built(reader), f"a MaxMind-format {what}")
    finally:
        reader.close()


def described(
    city_db: pathlib.Path | None, asn_db: pathlib.Path | None, today: date
) -> dict[str, str]:
    """Each kind of data, in words: what it is, where from, when built, or that it is off."""
    ranges = ranges_dataset()
    return {
        "network kinds": ranges.describe(today) if ranges is not None else NO_RANGES,
        "country points": COUNTRY_POINTS,
        "city database": user_database(city_db, "city database").describe(today)
        if city_db is not None
        else "not set: places by country (coarse for travel checks)",
        "asn database": user_database(asn_db, "ASN database").describe(today)
        if asn_db is not None
        else "not set: networks by address block (/24, /48)",
    }
