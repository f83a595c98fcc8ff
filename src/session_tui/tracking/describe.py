"""What the tracker remembers about a session: its device fingerprint, its country, its labels.

The alert rules compare families, not versions: a browser updating from Firefox 127 to 128 is the
same device, while a first "API client · curl" on an account that only ever used browsers is not.
Everything here goes through enrichment, so labels are already safe plain text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from session_tui.enrich.device import device_of
from session_tui.enrich.geo import UNKNOWN, GeoLocator, Place, point_of
from session_tui.enrich.naming import agent_label, device_words
from session_tui.enrich.networks import Network, NetworkLookup
from session_tui.enrich.points import GeoPoint
from session_tui.enrich.text import plain
from session_tui.model import Session


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Device type + OS family + browser family: the unit the "new device" rule counts."""

    device_type: str
    os_family: str
    browser_family: str

    @property
    def key(self) -> str:
        """A stable text form, used as the primary key of known devices."""
        return "|".join((self.device_type, self.os_family, self.browser_family)).lower()

    @property
    def label(self) -> str:
        parts = [self.device_type]
        parts += [p for p in (self.os_family, self.browser_family) if p]
        return " · ".join(parts)


def family(text: str | None) -> str:
    """A name without its version: "Chrome Mobile 131" -> "Chrome Mobile", "iOS 17.5" -> "iOS"."""
    if not text:
        return ""
    words = [w for w in text.split() if not w[:1].isdigit()]
    return " ".join(words)


def fingerprint_of(session: Session) -> Fingerprint:
    info = device_of(session)
    return Fingerprint(str(info.device_type), family(info.os), family(info.browser))


@functools.cache
def default_locator() -> GeoLocator:
    """A country-only locator for when the app did not hand us its own (tests, the CLI)."""
    return GeoLocator()


@functools.cache
def default_networks() -> NetworkLookup:
    """Networks without an ASN database, for when the app did not hand us its own."""
    return NetworkLookup()


class Describer:
    """Turns sessions into the words and keys the tracker stores, with one geo locator."""

    def __init__(
        self, locator: GeoLocator | None = None, networks: NetworkLookup | None = None
    ) -> None:
        self._locator = locator
        self._networks = networks

    @property
    def locator(self) -> GeoLocator:
        return self._locator or default_locator()

    def network(self, session: Session) -> Network | None:
        """The session's network: the server's autonomous system ("AS3320 Deutsche Telekom",
        kept in `extras` by the providers that give one), else what the data says."""
        given = session.extras.get("asn")
        asn = org = None
        if isinstance(given, str) and given:
            asn, _, org = given.partition(" ")
        return (self._networks or default_networks()).network(session.ip, asn, org)

    def point(self, session: Session) -> GeoPoint | None:
        """Where on Earth the session is (its country's point when nothing finer is known)."""
        return point_of(self.place(session))

    def place(self, session: Session) -> Place:
        return self.locator.locate(session.ip, session.location)

    def country(self, session: Session) -> str | None:
        """The ISO country code, or None when the place is private or unknown."""
        return self.place(session).country_code

    def place_key(self, session: Session) -> tuple[str, str] | None:
        """What "the location changed" compares: country and city, when the country is known."""
        place = self.place(session)
        if not place.country_code:
            return None
        return (place.country_code, place.city or "")

    def device_label(self, session: Session) -> str:
        """The session in words, by the table's rule (`enrich.naming`): "iPhone" for a Matrix
        device without a user agent, "Work laptop (Firefox 128 on Linux)", or the id."""
        agent = agent_label(session.user_agent, device_of(session))
        return device_words(plain(session.display_name, 64), agent, session.id)

    def location_label(self, session: Session) -> str:
        """ "🇩🇪 Berlin, Germany", "Private network"; "" when nothing is known (shown as the
        table shows an empty cell, not as a word of its own)."""
        place = self.place(session)
        if place.label == UNKNOWN:
            return ""
        return f"{place.flag} {place.label}".strip() if place.flag else place.label
