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


@dataclass(frozen=True, slots=True)
class DemoSession:
    """One session as the service stores it; `to_json` is its wire form.

    A value: a change stores a new one (`dataclasses.replace`), so a listing can hand out the
    stored sessions themselves and encode them after the lock is let go (copying 10,000 for
    every listing was ~2 MiB of the embedded demo's peak)."""

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

    def to_saved(self) -> dict[str, Any]:
        """The session as the demo keeps it on disk (`demo.saved`)."""
        return {
            "id": self.id,
            "user_agent": self.user_agent,
            "device_name": self.device_name,
            "ip": self.ip,
            "city": self.city,
            "region": self.region,
            "country": self.country,
            "created_at": rfc3339(self.created_at),
            "last_active_at": rfc3339(self.last_active_at),
            "expires_at": rfc3339(self.expires_at),
            "extra": self.extra,
        }

    @classmethod
    def from_saved(cls, data: dict[str, Any]) -> DemoSession:
        """`to_saved` read back; ValueError (or KeyError, TypeError) when it is not that."""
        if not isinstance(data, dict):
            raise TypeError("a saved session is not an object")
        texts = ("user_agent", "device_name", "ip", "city", "region", "country")
        for key in ("id", *texts):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"{key} is not text")
        if not isinstance(data["id"], str) or not isinstance(data.get("extra", {}), dict):
            raise ValueError("not a saved session")
        return cls(
            id=data["id"],
            user_agent=data.get("user_agent"),
            device_name=data.get("device_name"),
            ip=data.get("ip"),
            city=data.get("city"),
            region=data.get("region"),
            country=data.get("country"),
            created_at=parse_time(data.get("created_at")),
            last_active_at=parse_time(data.get("last_active_at")),
            expires_at=parse_time(data.get("expires_at")),
            extra=dict(data.get("extra") or {}),
        )


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time as `rfc3339` writes it, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("a time is not text")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a time without a zone")
    return parsed.astimezone(UTC)


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

    def to_saved(self) -> dict[str, Any]:
        return {
            **self.session.to_saved(),
            "ended_at": rfc3339(self.ended_at),
            "reason": self.end_reason,
        }

    @classmethod
    def from_saved(cls, data: dict[str, Any]) -> DemoEnded:
        if not isinstance(data, dict):
            raise TypeError("a saved ended session is not an object")
        ended = parse_time(data["ended_at"])
        if ended is None or data["reason"] not in ("revoked", "expired", "signed_out"):
            raise ValueError("not a saved ended session")
        return cls(DemoSession.from_saved(data), ended, data["reason"])
