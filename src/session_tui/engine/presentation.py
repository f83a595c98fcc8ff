"""A session in words: what the table, the details pane, the dialogs and `list`, `watch` and
`revoke` all call it, written once.

Every string here is made plain (`enrich.text.plain`) from untrusted provider data and carries
no styling: the dashboard wraps these words in rich `Text` (`ui.cells`), the command line prints
them. The Online window lives in one place too (`enrich.times.DEFAULT_ONLINE_WINDOW`, set by
`--online-window`), and whether a session is Online is decided by `online` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from session_tui.enrich import Place, SessionView, naming
from session_tui.enrich.geo import UNKNOWN
from session_tui.enrich.networks import ranges_dataset
from session_tui.enrich.risk import NO_RISK, Reason, Risk, RiskCode, RiskLevel
from session_tui.enrich.text import plain
from session_tui.enrich.times import DEFAULT_ONLINE_WINDOW, is_online
from session_tui.model import Session

THIS_DEVICE = "This device"
NOT_REPORTED = "not reported by the server"  # no user agent and no device at all
NOT_TRACKED = "not recorded by this server"  # an API that keeps no "last active"

# Provider-specific facts worth a row of their own, by their key in `Session.extras`.
EXTRA_ROWS = {
    "kind": "Kind",  # an offline session (Keycloak), a long-lived access token (Home Assistant)
    "clients": "Signed in to",  # Keycloak: the apps sharing it; Home Assistant: its client
    "impersonated_by": "Impersonated by",  # Better Auth's admin impersonation
    "asn": "Network",  # Auth0: the last address's autonomous system
    "initial": "First from",  # Auth0: where the session began
}

# The fields of a session in `list --json` / `--csv`, in order: a contract (docs/schemas).
FIELDS = (
    "account",
    "id",
    "current",
    "name",
    "device",
    "browser",
    "os",
    "device_type",
    "ip",
    "location",
    "country_code",
    "country",
    "region",
    "city",
    "created_at",
    "last_active_at",
    "expires_at",
    "online",
    "risk",  # {"level": none|low|medium|high, "reasons": [{code, text, weight, ...evidence}]}
)

# A risk's strongest reason in a word or two, for the Risk column and `list`; a contract, with
# plain-ASCII forms for `--ascii` (ui.glyphs) being these same words.
RISK_BADGES = {
    RiskCode.IMPOSSIBLE_TRAVEL: "travel",
    RiskCode.HOSTING_NETWORK: "hosting",
    RiskCode.NEW_COUNTRY: "new place",
    RiskCode.NEW_DEVICE: "new device",
    RiskCode.NEW_NETWORK: "new network",
}


class RiskedViews:
    """Views with their sessions' risks (`SessionView.risk`), the very same objects while
    neither the view nor its risk changed: the table tells a changed row by identity."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[SessionView, Risk, SessionView]] = {}

    def apply(self, views: list[SessionView], risks: Mapping[str, Risk]) -> list[SessionView]:
        """`views` with `risks` (only risky sessions need be in it) put in."""
        if not risks:
            self._made = {}
            return views
        made, fresh = self._made, {}
        out = views.copy()
        for index, view in enumerate(views):
            sid = view.session.id
            risk = risks.get(sid)
            if risk is None or not risk.reasons:
                continue
            kept = made.get(sid)
            if kept is not None and kept[0] is view and kept[1] is risk:
                risked = kept[2]
            else:
                risked = replace(view, risk=risk)
            fresh[sid] = (view, risk, risked)
            out[index] = risked
        self._made = fresh
        return out


def risk_word(risk: Risk | None) -> str:
    """The strongest reason in a word or two ("travel", "Tor", "new device"); "" for none."""
    if risk is None or not risk.reasons:
        return ""
    top = risk.reasons[0]
    if top.code is RiskCode.ANONYMOUS_NETWORK:
        return "Tor" if top.evidence.get("kind") == "tor" else "VPN"
    return RISK_BADGES[top.code]


RISK_MARKS = {RiskLevel.HIGH: "!!!", RiskLevel.MEDIUM: "!!", RiskLevel.LOW: "!"}


def risk_marks(risk: Risk | None) -> str:
    """The level as marks, "!!!" high to "!" low ("" for none): plain ASCII, so the same
    under `--ascii`, and legible without colour."""
    return RISK_MARKS.get(risk.level, "") if risk is not None else ""


def risk_badge(risk: Risk | None) -> str:
    """ "high: travel", "medium: VPN", "low: new device"; "" for no risk (`list`)."""
    word = risk_word(risk)
    return f"{risk.level.value}: {word}" if risk is not None and word else ""


def risk_evidence(reason: Reason) -> str:
    """What a reason rests on, beyond its sentence: the times of a journey, the network and
    the dataset its kind came from (with its build date)."""
    facts = reason.evidence
    if reason.code is RiskCode.IMPOSSIBLE_TRAVEL:
        ends = [facts.get(end) for end in ("from", "to")]
        times = [e.get("at", "") for e in ends if isinstance(e, dict)]
        text = " to ".join(plain(str(t), 40) for t in times)
        return f"{text}; 1,000 km/h allowed, with 100 km of tolerance" if text else ""
    if reason.code in (RiskCode.ANONYMOUS_NETWORK, RiskCode.HOSTING_NETWORK):
        dataset = ranges_dataset()
        data = f"{dataset.name}, built {dataset.built}" if dataset and dataset.built else ""
        network = plain(str(facts.get("network", "")), 80)
        return "; ".join(p for p in (f"network {network}" if network else "", data) if p)
    return ""


def risk_record(risk: Risk | None) -> dict[str, Any]:
    """The `risk` field of `list --json` and `watch --json`: none when nothing is known."""
    return (risk or NO_RISK).to_json()


def short_place(place: Place) -> str:
    """ "Berlin, DE", "Germany", "Private network"; "" when nothing at all is known."""
    if place.city and place.country_code:
        return plain(f"{place.city}, {place.country_code}", 80)
    if place.city:
        return plain(place.city, 80)
    if place.country_name:
        return plain(place.country_name, 80)
    if place.label and place.label != UNKNOWN:
        return plain(place.label, 80)
    return ""


def full_place(place: Place) -> str:
    """ "Berlin, Land Berlin, Germany" (as much as is known), or the place's label."""
    parts = [p for p in (place.city, place.region, place.country_name) if p]
    if parts:
        return plain(", ".join(parts), 200)
    return "" if place.label == UNKNOWN else plain(place.label, 80)


def place_source(place: Place) -> str:
    """Where a known place came from ("from the server", "looked up offline"), else ""."""
    if place.source in ("provider", "lookup") and (
        place.city or place.region or place.country_name
    ):
        return "from the server" if place.source == "provider" else "looked up offline"
    return ""


def device_label(view: SessionView) -> str:
    """What the user agent says, or "" when the API gave none (see `enrich.naming`)."""
    return naming.agent_label(view.session.user_agent, view.device)


def primary_name(view: SessionView) -> str:
    return naming.primary_name(view.name, device_label(view), view.session.id)


def device_words(view: SessionView) -> str:
    """ "Work laptop (Firefox 128 on Linux)" or just "Firefox 128 on Linux"."""
    return naming.device_words(view.name, device_label(view), view.session.id)


def describe(view: SessionView) -> str:
    """How a confirm dialog or a prompt names a session: "Firefox 128 on Linux, Berlin, DE"."""
    where = short_place(view.place)
    return f"{device_words(view)}, {where}" if where else device_words(view)


def online(view: SessionView, now: datetime, window: timedelta = DEFAULT_ONLINE_WINDOW) -> bool:
    """Active within the Online window (never for a session with no recorded activity)."""
    last = view.session.last_active_at
    return last is not None and is_online(last, now, window)


def session_record(
    view: SessionView,
    account: str,
    at: datetime,
    window: timedelta = DEFAULT_ONLINE_WINDOW,
    risk: Risk | None = None,
) -> dict[str, Any]:
    """One session as the stable, plain record `list` and `watch` print (every string safe)."""
    from session_tui.tracking.codec import rfc3339  # not at the dashboard's start-up

    session = view.session
    place = view.place
    return {
        "account": account,
        "id": session.id,  # shown as it is: `ids` made sure it can be, and revoke takes it
        "current": session.is_current,
        "name": view.name or None,
        "device": device_label(view) or None,
        "browser": plain(view.device.browser, 120) or None,
        "os": plain(view.device.os, 120) or None,
        "device_type": str(view.device.device_type),
        "ip": view.ip or None,
        "location": short_place(place) or None,
        "country_code": place.country_code,
        "country": plain(place.country_name, 120) or None,
        "region": plain(place.region, 120) or None,
        "city": plain(place.city, 120) or None,
        "created_at": rfc3339(session.created_at),
        "last_active_at": rfc3339(session.last_active_at),
        "expires_at": rfc3339(session.expires_at),
        "online": online(view, at, window),
        "risk": risk_record(risk),
    }


def sign_ins_by_hour(
    sessions: Iterable[Session], now: datetime | None, hours: int = 24, buckets: int = 12
) -> list[int]:
    """How many of these sessions signed in in each of `buckets` equal slices of the last
    `hours` before `now`, oldest first (the on-call sidebar's sparkline); all zero without a
    `now` (no poll yet). Counts what is still signed in: what ended in between is not listed."""
    counts = [0] * buckets
    if now is None:
        return counts
    span = hours * 3600
    for session in sessions:
        began = session.created_at
        if began is None:
            continue
        ago = (now - began).total_seconds()
        if 0 <= ago < span:
            counts[buckets - 1 - int(ago * buckets // span)] += 1
    return counts
