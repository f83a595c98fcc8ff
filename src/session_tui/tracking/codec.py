"""Sessions and times to and from the plain JSON the store and the `--on-alert` hook use.

Times are stored as fixed-width UTC ISO strings so SQLite can compare them as text. A session's
`extras` never leave memory: they are provider-specific and could hold anything, so the store,
the event JSON and the audit log only ever see the common fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from session_tui.model import Location, Session


def time_to_text(value: datetime) -> str:
    """A sortable UTC text form; naive datetimes are taken as UTC (fake clocks in tests)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def opt_time_to_text(value: datetime | None) -> str | None:
    return None if value is None else time_to_text(value)


def time_from_text(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rfc3339(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a "Z", the form the JSON outputs promise."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def session_to_dict(session: Session) -> dict[str, Any]:
    loc = session.location
    return {
        "id": session.id,
        "is_current": session.is_current,
        "user_agent": session.user_agent,
        "display_name": session.display_name,
        "ip": session.ip,
        "location": None
        if loc is None
        else {
            "city": loc.city,
            "region": loc.region,
            "country_code": loc.country_code,
            "source": loc.source,
            **(
                {"latitude": loc.latitude, "longitude": loc.longitude}
                if loc.latitude is not None and loc.longitude is not None
                else {}
            ),
        },
        "created_at": opt_time_to_text(session.created_at),
        "last_active_at": opt_time_to_text(session.last_active_at),
        "expires_at": opt_time_to_text(session.expires_at),
    }


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def session_from_dict(data: dict[str, Any]) -> Session:
    loc = data.get("location")
    location = None
    if isinstance(loc, dict):
        location = Location(
            city=_opt_str(loc.get("city")),
            region=_opt_str(loc.get("region")),
            country_code=_opt_str(loc.get("country_code")),
            source=_opt_str(loc.get("source")) or "provider",
            latitude=_opt_float(loc.get("latitude")),
            longitude=_opt_float(loc.get("longitude")),
        )
    return Session(
        id=str(data.get("id", "")),
        is_current=bool(data.get("is_current", False)),
        user_agent=_opt_str(data.get("user_agent")),
        display_name=_opt_str(data.get("display_name")),
        ip=_opt_str(data.get("ip")),
        location=location,
        created_at=time_from_text(data.get("created_at")),
        last_active_at=time_from_text(data.get("last_active_at")),
        expires_at=time_from_text(data.get("expires_at")),
    )
