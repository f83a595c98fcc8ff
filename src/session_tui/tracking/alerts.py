"""The sign-in alert rule: which new sign-ins are alerts, graded by their risk (`enrich.risk`).

A sign-in is an alert when it comes from a device or a country the account has never used (the
"new sign-in" emails of the big web services; both wait out the account's learning period now),
or when its risk is medium or high for any reason (impossible travel, an anonymous or hosting
network, several new things at once). A new network alone, or an API client in a cloud, is
recorded with its risk but rings no bell. A new session that is the one this app is signed in
with is the user's own doing and stays info.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from session_tui.enrich.risk import NO_RISK, Risk, RiskCode, RiskLevel
from session_tui.tracking.events import AlertRule, Event, Severity, SignIn

# The risk codes that alert whatever the level: today's rules of every session page.
_ALWAYS = frozenset({RiskCode.NEW_DEVICE, RiskCode.NEW_COUNTRY})


def rule_of(code: RiskCode) -> AlertRule:
    return AlertRule(code.value.replace("_", "-"))


def classify(event: SignIn, risk: Risk) -> SignIn:
    """Grade one sign-in by its risk; says which rules fired and why."""
    if event.session.is_current:
        return replace(event, severity=Severity.INFO, rules=(), reasons=(), risk=NO_RISK)
    rules = tuple(rule_of(code) for code in risk.codes)
    alert = bool(_ALWAYS.intersection(risk.codes)) or risk.level.rank >= RiskLevel.MEDIUM.rank
    return replace(
        event,
        severity=Severity.ALERT if alert else Severity.INFO,
        rules=rules,
        reasons=tuple(r.text for r in risk.reasons),
        risk=risk,
    )


def classify_all(events: Iterable[Event], risks: Mapping[str, Risk]) -> list[Event]:
    """Grade every sign-in of a poll by its session's risk (judged before this poll's
    sign-ins were learnt: two sign-ins from one new device in one poll are both alerts)."""
    return [
        classify(e, risks.get(e.session_id, NO_RISK)) if isinstance(e, SignIn) else e
        for e in events
    ]
