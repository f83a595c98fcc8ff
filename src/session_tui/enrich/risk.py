"""The risk rules: what makes a session worth a second look, how much, and why.

Each rule that fires is a `Reason` with a code (a contract: JSON, hooks and tests use it), a
sentence a person can read, and the evidence behind it. A session's level comes from the sum of
its reasons' weights, so one strong sign is enough and weak ones add up:

- `impossible_travel` (7): the account's previous sign-in, or this session's previous place,
  is further away than 1,000 km/h allows, after 100 km of tolerance, dividing by at least an
  hour;
- `anonymous_network`: a Tor exit (7), a VPN or privacy relay exit (4);
- `hosting_network`: a cloud, hosting, CDN or crawler range (4; 1 for an API client, which
  lives there);
- `new_country` (3), `new_device` (2, a kind of device: type, OS and browser) and `new_network`
  (1, an autonomous system, else the /24 or /48): never used by this account before.

Levels: 7 and up `high`, 3 and up `medium`, 1 and up `low`, else `none`. The three `new_` rules
wait for a learning period: the account's first 14 days or first 10 sign-ins, whichever ends
first (as Microsoft Entra's sign-in risk does); before that everything is new.

The travel rule is authentik's: distance over max(hours, 1) against 1,000 km/h, with 100 km
for where an address's city really is. A place known only by its country counts as the least
distance the two countries allow (`points.gap_km`), so neighbours never fire; the evidence then
says the check was coarse. An address in a Tor, VPN or hosting range says nothing of where the
person is, so it is no end of a journey (it is a reason of its own), and neither is an API
client's or a bot's (scripts run on servers anywhere). Nothing here is acted on by
itself: the app shows, alerts and lets the user decide.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from session_tui.enrich.networks import Network, NetworkKind
from session_tui.enrich.points import GeoPoint, Precision, distance_km, gap_km, valid_point

MAX_SPEED_KMH = 1000.0
TOLERANCE_KM = 100.0
MIN_HOURS = 1.0
LEARNING_DAYS = 14
LEARNING_SIGN_INS = 10


class RiskCode(enum.StrEnum):
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    ANONYMOUS_NETWORK = "anonymous_network"
    HOSTING_NETWORK = "hosting_network"
    NEW_COUNTRY = "new_country"
    NEW_NETWORK = "new_network"
    NEW_DEVICE = "new_device"


class RiskLevel(enum.StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {RiskLevel.NONE: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}
WEIGHTS: dict[RiskCode, int] = {
    RiskCode.IMPOSSIBLE_TRAVEL: 7,
    RiskCode.ANONYMOUS_NETWORK: 7,  # a Tor exit; a VPN is ANONYMOUS_VPN_WEIGHT
    RiskCode.HOSTING_NETWORK: 4,  # a person's browser; an API client is API_HOSTING_WEIGHT
    RiskCode.NEW_COUNTRY: 3,
    RiskCode.NEW_DEVICE: 2,
    RiskCode.NEW_NETWORK: 1,
}
ANONYMOUS_VPN_WEIGHT = 4
API_HOSTING_WEIGHT = 1
LEVELS = ((7, RiskLevel.HIGH), (3, RiskLevel.MEDIUM), (1, RiskLevel.LOW))


@dataclass(frozen=True, slots=True)
class Reason:
    code: RiskCode
    weight: int
    text: str  # one sentence, plain text
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-ready facts behind it

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "text": self.text, "weight": self.weight, **self.evidence}

    @classmethod
    def from_json(cls, data: object) -> Reason | None:
        """A reason as `to_json` wrote it (stored in the history), or None if it is not one."""
        if not isinstance(data, dict):
            return None
        code, text, weight = data.get("code"), data.get("text"), data.get("weight")
        if code not in _CODES or not isinstance(text, str) or not isinstance(weight, int):
            return None
        evidence = {k: v for k, v in data.items() if k not in ("code", "text", "weight")}
        return cls(RiskCode(code), weight, text, evidence)


@dataclass(frozen=True, slots=True)
class Risk:
    level: RiskLevel
    reasons: tuple[Reason, ...] = ()

    @property
    def codes(self) -> tuple[RiskCode, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level.value, "reasons": [r.to_json() for r in self.reasons]}


NO_RISK = Risk(RiskLevel.NONE)
_CODES = frozenset(code.value for code in RiskCode)
_PRECISIONS = frozenset(p.value for p in Precision)


def risk_from_json(data: object) -> Risk:
    """A risk as `Risk.to_json` wrote it; what cannot be read counts as no risk."""
    if not isinstance(data, dict) or not isinstance(data.get("reasons"), list):
        return NO_RISK
    reasons = [r for r in map(Reason.from_json, data["reasons"]) if r is not None]
    return combined(reasons)


def level_of(score: int) -> RiskLevel:
    for least, level in LEVELS:
        if score >= least:
            return level
    return RiskLevel.NONE


def combined(reasons: list[Reason] | tuple[Reason, ...]) -> Risk:
    """The risk of these reasons: strongest first, the level from their weights' sum."""
    if not reasons:
        return NO_RISK
    ordered = tuple(sorted(reasons, key=lambda r: -r.weight))
    return Risk(level_of(sum(r.weight for r in ordered)), ordered)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A session seen somewhere at some time: a sign-in, or where a session was before."""

    point: GeoPoint
    at: datetime

    def to_json(self) -> dict[str, Any]:
        """As a travel reason's evidence names it ("from", "to"), and as the history keeps
        an account's recent sign-ins: one form, read back by `from_json`."""
        point = self.point
        return {
            "place": point.label,
            "latitude": round(point.latitude, 4),
            "longitude": round(point.longitude, 4),
            "precision": point.precision.value,
            "radius_km": round(point.radius_km),
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),  # RFC 3339
        }

    @classmethod
    def from_json(cls, data: object) -> Sighting | None:
        """A sighting as `to_json` wrote it (kept or in evidence), or None if it is not one."""
        if not isinstance(data, dict):
            return None
        text, precision = data.get("at"), data.get("precision")
        if not isinstance(text, str) or precision not in _PRECISIONS:
            return None
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        radius = data.get("radius_km")
        point = valid_point(
            data.get("latitude"),
            data.get("longitude"),
            Precision(precision),
            str(data.get("place") or ""),
            float(radius)
            if isinstance(radius, int | float) and not isinstance(radius, bool)
            else 0.0,
        )
        return cls(point, at) if point is not None else None


def travel(before: Sighting, now: Sighting) -> Reason | None:
    """`impossible_travel` when getting from `before` to `now` needs more than 1,000 km/h."""
    coarse = before.point.coarse or now.point.coarse
    distance = gap_km(before.point, now.point) if coarse else distance_km(before.point, now.point)
    hours = abs((now.at - before.at).total_seconds()) / 3600
    divisor = max(hours, MIN_HOURS)
    allowed = MAX_SPEED_KMH * divisor + TOLERANCE_KM
    if distance <= allowed:
        return None
    speed = distance / divisor
    least = "at least " if coarse else ""
    text = (
        f"{before.point.label} to {now.point.label}: {least}{distance:,.0f} km in "
        f"{_duration(hours)}, {speed:,.0f} km/h (over {MAX_SPEED_KMH:,.0f} km/h)"
    )
    if coarse:
        text += "; by country only (coarse)"
    evidence = {
        "from": before.to_json(),
        "to": now.to_json(),
        "distance_km": round(distance),
        "hours": round(hours, 2),
        "speed_kmh": round(speed),
        "allowed_km": round(allowed),
        "coarse": coarse,
    }
    return Reason(RiskCode.IMPOSSIBLE_TRAVEL, WEIGHTS[RiskCode.IMPOSSIBLE_TRAVEL], text, evidence)


def _duration(hours: float) -> str:
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes} min"
    whole, rest = divmod(minutes, 60)
    return f"{whole} h {rest} min" if rest else f"{whole} h"


def network_reasons(network: Network | None, *, api_client: bool) -> list[Reason]:
    """`anonymous_network` or `hosting_network`, from the kind of range the address is in."""
    if network is None or network.kind is None:
        return []
    operator = network.operator or "unnamed"
    evidence = {"network": network.name, "kind": network.kind.value, "operator": operator}
    if network.kind is NetworkKind.TOR:
        text = "a Tor exit node: whoever it is hides where they are"
        return [
            Reason(RiskCode.ANONYMOUS_NETWORK, WEIGHTS[RiskCode.ANONYMOUS_NETWORK], text, evidence)
        ]
    if network.kind is NetworkKind.VPN:
        text = f"an anonymising VPN or relay ({operator})"
        return [Reason(RiskCode.ANONYMOUS_NETWORK, ANONYMOUS_VPN_WEIGHT, text, evidence)]
    weight = API_HOSTING_WEIGHT if api_client else WEIGHTS[RiskCode.HOSTING_NETWORK]
    who = "an API client, as expected there" if api_client else "not a home or office line"
    text = f"a hosting or cloud range ({operator}): {who}"
    return [Reason(RiskCode.HOSTING_NETWORK, weight, text, evidence)]


@dataclass(frozen=True, slots=True)
class Familiar:
    """What the account has used before, and whether it is still learning what is usual."""

    countries: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()  # device fingerprints (type, OS, browser families)
    first_seen: datetime | None = None
    sign_ins: int = 0

    def learning(self, now: datetime) -> bool:
        """The learning period: the first 14 days or first 10 sign-ins, whichever ends first."""
        if self.sign_ins >= LEARNING_SIGN_INS:
            return False
        return self.first_seen is None or now - self.first_seen < timedelta(days=LEARNING_DAYS)


def novelty_reasons(
    familiar: Familiar,
    now: datetime,
    *,
    country: tuple[str, str] | None,
    network: Network | None,
    device: tuple[str, str] | None,
) -> list[Reason]:
    """`new_country`, `new_network` and `new_device`: none while the account is learning.

    `country` and `device` are (key, name to show); the network's key is `Network.key`."""
    if familiar.learning(now):
        return []
    found: list[Reason] = []
    if country is not None and country[0] not in familiar.countries:
        text = f"new country: {country[1]}"
        evidence = {"country": country[0]}
        found.append(Reason(RiskCode.NEW_COUNTRY, WEIGHTS[RiskCode.NEW_COUNTRY], text, evidence))
    if network is not None and network.key not in familiar.networks:
        text = f"new network: {network.name}"
        evidence = {"network": network.name}
        found.append(Reason(RiskCode.NEW_NETWORK, WEIGHTS[RiskCode.NEW_NETWORK], text, evidence))
    if device is not None and device[0] not in familiar.devices:
        text = f"new device: {device[1]}"
        evidence = {"device": device[1]}
        found.append(Reason(RiskCode.NEW_DEVICE, WEIGHTS[RiskCode.NEW_DEVICE], text, evidence))
    return found
