"""The demo service's sessions and ended sessions, and how they are written as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class DemoSession:
    """One session as the service stores it; `to_json` is its wire form."""

    id: str
    user_agent: str | None = None
    device_name: str | None = None
    ip: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    created_at: datetime | None = None
    last_active_at: datetime | None = None
    expires_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, current_id: str | None) -> dict[str, Any]:
        has_place = self.city is not None or self.region is not None or self.country is not None
        return {
            "id": self.id,
            "current": self.id == current_id,
            "user_agent": self.user_agent,
            "device_name": self.device_name,
            "ip": self.ip,
            "location": (
                {"city": self.city, "region": self.region, "country": self.country}
                if has_place
                else None
            ),
            "created_at": rfc3339(self.created_at),
            "last_active_at": rfc3339(self.last_active_at),
            "expires_at": rfc3339(self.expires_at),
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class DemoEnded:
    """A session that is over: what it was, when and why it ended (a contract `end_reason`)."""

    session: DemoSession
    ended_at: datetime
    end_reason: str  # "revoked", "expired" or "signed_out"

    def to_json(self) -> dict[str, Any]:
        body = self.session.to_json(None)
        del body["current"]
        body["ended_at"] = rfc3339(self.ended_at)
        body["end_reason"] = self.end_reason
        return body
