"""Our REST contract's JSON, read strictly (docs/session-api.yaml): a session, a place, an
ended session, the listing's cursor and ended ids. A field of the wrong type is a
`BadResponse` naming that field, not a guess; unknown fields are kept in `extras`. Shared by
the own-account provider (`rest.py`) and the on-call one (`rest_admin.py`)."""

from __future__ import annotations

from typing import Any

from session_tui.errors import BadResponse
from session_tui.model import EndedSession, EndReason, Location, Session
from session_tui.providers.fields import canonical_ip, parse_time

SESSIONS = "/v1/sessions"
MAX_REVOKE_IDS = 1000  # `session_ids` in one revoke-others request, at most (`maxItems`)
MAX_CURSOR = 256  # an opaque position in the server's changes; longer ones are not kept
SESSION_FIELDS = frozenset(
    {
        "id",
        "current",
        "user_agent",
        "device_name",
        "ip",
        "location",
        "created_at",
        "last_active_at",
        "expires_at",
    }
)
ENDED_FIELDS = (SESSION_FIELDS - {"current"}) | {"ended_at", "end_reason"}
END_REASONS = {
    "revoked": EndReason.REVOKED,
    "expired": EndReason.EXPIRED,
    "signed_out": EndReason.SIGNED_OUT,
}


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def list_field(body: dict[str, Any], key: str, prefix: str) -> list[Any]:
    value = body.get(key)
    if not isinstance(value, list):
        raise BadResponse(f"Field '{prefix}{key}' should be a list, got {kind_of(value)}.")
    return value


def opt_str(obj: dict[str, Any], key: str, prefix: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Field '{prefix}{key}' should be a string, got {kind_of(value)}.")
    return value


def session_of(item: Any, where: str, *, current: bool) -> Session:
    if not isinstance(item, dict):
        raise BadResponse(f"{where} should be an object, got {kind_of(item)}.")
    session_id = item.get("id")
    if not isinstance(session_id, str) or not session_id:
        raise BadResponse(f"Field '{where}.id' should be a non-empty string.")
    is_current = False
    if current:
        flag = item.get("current")
        if not isinstance(flag, bool):
            raise BadResponse(
                f"Field '{where}.current' should be true or false, got {kind_of(flag)}."
            )
        is_current = flag
    prefix = f"{where}."
    ip = opt_str(item, "ip", prefix)
    if ip is not None:
        try:
            ip = canonical_ip(ip)
        except ValueError:
            raise BadResponse(f"Field '{where}.ip' is not an IP address.") from None
    known = SESSION_FIELDS if current else ENDED_FIELDS
    return Session(
        id=session_id,
        is_current=is_current,
        user_agent=opt_str(item, "user_agent", prefix),
        display_name=opt_str(item, "device_name", prefix),
        ip=ip,
        location=location_of(item.get("location"), f"{where}.location"),
        created_at=parse_time(item.get("created_at"), f"{where}.created_at"),
        last_active_at=parse_time(item.get("last_active_at"), f"{where}.last_active_at"),
        expires_at=parse_time(item.get("expires_at"), f"{where}.expires_at"),
        extras={k: v for k, v in item.items() if k not in known},
    )


def location_of(value: Any, where: str) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadResponse(f"Field '{where}' should be an object, got {kind_of(value)}.")
    prefix = f"{where}."
    country = opt_str(value, "country", prefix)
    if country is not None:
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise BadResponse(f"Field '{where}.country' should be an ISO 3166-1 alpha-2 code.")
        country = country.upper()
    location = Location(
        city=opt_str(value, "city", prefix) or None,
        region=opt_str(value, "region", prefix) or None,
        country_code=country,
        source="provider",
    )
    return None if location.is_empty else location


def ended_of(item: Any, where: str) -> EndedSession:
    session = session_of(item, where, current=False)
    ended_at = parse_time(item.get("ended_at"), f"{where}.ended_at")
    reason = item.get("end_reason")
    if not isinstance(reason, str):
        raise BadResponse(f"Field '{where}.end_reason' should be a string, got {kind_of(reason)}.")
    # The contract lets the list of reasons grow; one we do not know yet still ended it.
    return EndedSession(
        session=session,
        ended_at=ended_at,
        reason=END_REASONS.get(reason, EndReason.ENDED_ELSEWHERE),
    )


def sessions_of(items: list[Any]) -> list[Session]:
    return [session_of(item, f"sessions[{i}]", current=True) for i, item in enumerate(items)]


def cursor_of(body: dict[str, Any]) -> str | None:
    """The listing's cursor, to send back as `since`; one we could not send is not kept
    (the next poll then asks for everything, as a server without cursors has it)."""
    value = body.get("cursor")
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Field 'cursor' should be a string, got {kind_of(value)}.")
    if not value or len(value) > MAX_CURSOR or not value.isascii() or not value.isprintable():
        return None
    return value


def ended_ids(body: dict[str, Any]) -> list[str]:
    value = body.get("ended", [])
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise BadResponse("Field 'ended' should be a list of session ids.")
    return value


def check_unique(sessions: list[Session]) -> None:
    seen: set[str] = set()
    for s in sessions:
        if s.id in seen:
            raise BadResponse(f"The server lists session {s.id[:40]!r} twice.")
        seen.add(s.id)
