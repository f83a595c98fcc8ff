"""A session in words: what the table, the details pane, the dialogs and `list`, `watch` and
`revoke` all call it, written once.

Every string here is made plain (`enrich.text.plain`) from untrusted provider data and carries
no styling: the dashboard wraps these words in rich `Text` (`ui.cells`), the command line prints
them. The Online window lives in one place too (`enrich.times.DEFAULT_ONLINE_WINDOW`, set by
`--online-window`), and whether a session is Online is decided by `online` alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from session_tui.enrich import Place, SessionView, naming
from session_tui.enrich.geo import UNKNOWN
from session_tui.enrich.risk import NO_RISK, Risk, RiskCode
from session_tui.enrich.text import plain
from session_tui.enrich.times import DEFAULT_ONLINE_WINDOW, is_online

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


def risk_badge(risk: Risk | None) -> str:
    """ "high: travel", "medium: VPN", "low: new device"; "" for no risk."""
    if risk is None or not risk.reasons:
        return ""
    top = risk.reasons[0]
    if top.code is RiskCode.ANONYMOUS_NETWORK:
        word = "Tor" if top.evidence.get("kind") == "tor" else "VPN"
    else:
        word = RISK_BADGES[top.code]
    return f"{risk.level.value}: {word}"


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
