"""The sign-in alert rules: a device or a country this account has never used is an alert.

This is what the "new sign-in" emails of the big web services do, and it needs only what we
observe. A device is its fingerprint (type + OS family + browser family), so version updates do
not alert. A sign-in from an unknown place (private network, no country) never fires the country
rule: no country is not a new country. A new session that is the one this app is signed in with
is the user's own doing and stays info.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from session_tui.enrich.geo import country_name
from session_tui.tracking.describe import Describer, fingerprint_of
from session_tui.tracking.events import AlertRule, Event, Severity, SignIn


@dataclass(slots=True)
class KnownPlaces:
    """Fingerprint keys and country codes already seen on this account."""

    devices: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)


def classify(event: SignIn, known: KnownPlaces, describer: Describer | None = None) -> SignIn:
    """Grade one sign-in against what the account has used before; says which rules fired."""
    describe = describer or Describer()
    session = event.session
    rules: list[AlertRule] = []
    reasons: list[str] = []
    fingerprint = fingerprint_of(session)
    if fingerprint.key not in known.devices:
        rules.append(AlertRule.NEW_DEVICE)
        reasons.append(f"new device: {fingerprint.label}")
    country = describe.country(session)
    if country and country not in known.countries:
        rules.append(AlertRule.NEW_COUNTRY)
        reasons.append(f"new country: {country_name(country) or country}")
    if session.is_current:
        return replace(event, severity=Severity.INFO, rules=(), reasons=())
    severity = Severity.ALERT if rules else Severity.INFO
    return replace(event, severity=severity, rules=tuple(rules), reasons=tuple(reasons))


def classify_all(
    events: Iterable[Event], known: KnownPlaces, describer: Describer | None = None
) -> list[Event]:
    """Grade every sign-in in a poll against what was known before that poll.

    Two sign-ins from the same new device in one poll are both alerts: neither was known.
    """
    describe = describer or Describer()
    return [classify(e, known, describe) if isinstance(e, SignIn) else e for e in events]
