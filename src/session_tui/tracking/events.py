"""What the tracker reports: sign-ins, ended sessions, IP and location changes.

Events are plain frozen dataclasses so the UI can show them and the store can keep them as JSON.
Times the tracker did not witness are never made up: a `TimeRange` says "at X", "before X" or
"between X and Y", and the history pane shows exactly that.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from session_tui.enrich.geo import UNKNOWN
from session_tui.enrich.risk import NO_RISK, Risk, risk_from_json
from session_tui.enrich.text import plain
from session_tui.model import EndReason, Session
from session_tui.text import without_flags
from session_tui.tracking.codec import (
    opt_time_to_text,
    rfc3339,
    session_from_dict,
    session_to_dict,
    time_from_text,
    time_to_text,
)


class EventKind(enum.StrEnum):
    SIGN_IN = "sign-in"
    ENDED = "ended"
    IP_CHANGED = "ip-changed"
    LOCATION_CHANGED = "location-changed"


class Severity(enum.StrEnum):
    INFO = "info"
    ALERT = "alert"


class AlertRule(enum.StrEnum):
    """Which alert rule fired for a sign-in (the JSON and the feed name it)."""

    NEW_DEVICE = "new-device"
    NEW_COUNTRY = "new-country"
    # The other risk signals (issue 24), by their risk code with a hyphen.
    NEW_NETWORK = "new-network"
    IMPOSSIBLE_TRAVEL = "impossible-travel"
    ANONYMOUS_NETWORK = "anonymous-network"
    HOSTING_NETWORK = "hosting-network"


def local_minutes(value: datetime) -> str:
    """The default way a time reads: local time to the minute."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """When something happened, as precisely as we know it.

    `earliest is None` means "some time before `latest`" (e.g. a session that already existed when
    the account was first observed); `earliest == latest` is an exact time; otherwise it happened
    between the two (e.g. a session that vanished between two polls).
    """

    earliest: datetime | None
    latest: datetime

    @classmethod
    def exact(cls, at: datetime) -> TimeRange:
        return cls(at, at)

    @classmethod
    def before(cls, at: datetime) -> TimeRange:
        return cls(None, at)

    @property
    def is_exact(self) -> bool:
        return self.earliest == self.latest

    @property
    def is_open(self) -> bool:
        """True for "before X": no lower bound is known."""
        return self.earliest is None

    def label(self, fmt: Callable[[datetime], str] = local_minutes) -> str:
        """ "2024-05-01 12:00", "before 2024-05-01 12:00" or "between ... and ..."."""
        latest = fmt(self.latest)
        if self.earliest is None:
            return f"before {latest}"
        earliest = fmt(self.earliest)
        if earliest == latest:
            return latest
        return f"between {earliest} and {latest}"

    def to_dict(self) -> dict[str, str | None]:
        return {"earliest": opt_time_to_text(self.earliest), "latest": time_to_text(self.latest)}

    @classmethod
    def from_dict(cls, data: Any) -> TimeRange | None:
        if not isinstance(data, dict):
            return None
        latest = time_from_text(data.get("latest"))
        if latest is None:
            return None
        return cls(time_from_text(data.get("earliest")), latest)


def duration_between(start: TimeRange | None, end: TimeRange) -> tuple[timedelta | None, bool]:
    """How long a session lasted, and whether that is only a minimum (start not known exactly)."""
    if start is None:
        return None, False
    begin = start.earliest if start.earliest is not None else start.latest
    length = end.latest - begin
    if length < timedelta(0):
        length = timedelta(0)
    return length, not (start.is_exact and end.is_exact)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something the tracker noticed about one session, at `at` (the poll that saw it).

    `device` and `location` are sanitised labels taken when the event happened; `event_id`,
    `seen` and the acknowledgement (`acked_by`, `acked_at`: which operator said "handled", and
    when) are filled in when the event comes back from the store.
    """

    kind: ClassVar[EventKind]

    session: Session
    at: datetime
    device: str = ""
    location: str = ""
    severity: Severity = Severity.INFO
    event_id: int | None = None
    seen: bool = False
    acked_by: str | None = None
    acked_at: datetime | None = None

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def is_alert(self) -> bool:
        return self.severity is Severity.ALERT

    @property
    def summary(self) -> str:
        """One plain line for notifications and the feed."""
        return self.device

    def _extra(self) -> dict[str, Any]:
        return {}

    def to_dict(self, *, sanitise: bool = False) -> dict[str, Any]:
        """The event as JSON-ready data; `sanitise` makes every session string safe to print."""
        session = session_to_dict(self.session)
        if sanitise:
            session = _sanitised(session)
        data: dict[str, Any] = {
            "type": str(self.kind),
            "severity": str(self.severity),
            "at": time_to_text(self.at) if not sanitise else rfc3339(self.at),
            "session_id": plain(self.session.id, 256) if sanitise else self.session.id,
            "device": self.device,
            "location": self.location,
            "summary": self.summary,
            "session": session,
        }
        data.update(self._extra())
        if sanitise and self.is_alert and self.event_id is not None:
            data["alert_id"] = self.event_id  # what `session-tui ack` takes
        if sanitise:
            for key in ("location", "old_location", "new_location"):
                if key in data:
                    data[key] = without_flags(data[key])
            for key in ("signed_in", "ended"):
                if key in data:
                    data[key] = _rfc_times(data[key])
        return data

    def to_json(self, account: str | None = None) -> str:
        """The JSON `--on-alert` commands read on stdin: no secrets, no raw control characters."""
        data = self.to_dict(sanitise=True)
        if account is not None:
            data = {"account": plain(account, 256), **data}
        return json.dumps(data, ensure_ascii=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignIn(Event):
    """A session that was not there at the previous poll."""

    kind: ClassVar[EventKind] = EventKind.SIGN_IN

    signed_in: TimeRange
    rules: tuple[AlertRule, ...] = ()
    reasons: tuple[str, ...] = ()  # why each rule fired, e.g. "new country: Brazil"
    risk: Risk = NO_RISK  # the sign-in's risk, every reason with its evidence

    @property
    def summary(self) -> str:
        text = f"New sign-in: {self.device}{_from(self.location)}"
        if self.session.is_current:
            text += " (this device)"
        if self.reasons:
            text += f" — {'; '.join(self.reasons)}"
        return text

    def _extra(self) -> dict[str, Any]:
        return {
            "signed_in": self.signed_in.to_dict(),
            "rules": [str(r) for r in self.rules],
            "reasons": list(self.reasons),
            "risk": self.risk.to_json(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Ended(Event):
    """A session that is gone, with how it ended and when (as precisely as known)."""

    kind: ClassVar[EventKind] = EventKind.ENDED

    reason: EndReason
    ended: TimeRange
    signed_in: TimeRange | None = None

    @property
    def summary(self) -> str:
        return f"Session ended ({self.reason}): {self.device}{_from(self.location)}"

    def _extra(self) -> dict[str, Any]:
        return {
            "reason": str(self.reason),
            "ended": self.ended.to_dict(),
            "signed_in": None if self.signed_in is None else self.signed_in.to_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class IpChanged(Event):
    kind: ClassVar[EventKind] = EventKind.IP_CHANGED

    old_ip: str | None
    new_ip: str | None

    @property
    def summary(self) -> str:
        old, new = plain(self.old_ip, 64) or "—", plain(self.new_ip, 64) or "—"
        return f"IP changed: {old} → {new} ({self.device})"

    def _extra(self) -> dict[str, Any]:
        return {"old_ip": plain(self.old_ip, 64), "new_ip": plain(self.new_ip, 64)}


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationChanged(Event):
    kind: ClassVar[EventKind] = EventKind.LOCATION_CHANGED

    old_location: str
    new_location: str

    @property
    def summary(self) -> str:
        return f"Location changed: {self.old_location} → {self.new_location} ({self.device})"

    def _extra(self) -> dict[str, Any]:
        return {"old_location": self.old_location, "new_location": self.new_location}


def _sanitised(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = plain(value, 1024)
        elif isinstance(value, dict):
            out[key] = _sanitised(value)
        else:
            out[key] = value
    for key in ("created_at", "last_active_at", "expires_at"):
        if key in out:
            out[key] = rfc3339(time_from_text(out[key]))
    return out


def _rfc_times(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: rfc3339(time_from_text(v)) for k, v in value.items()}


def event_from_dict(
    data: dict[str, Any],
    *,
    event_id: int | None = None,
    seen: bool = False,
    acked_by: str | None = None,
    acked_at: datetime | None = None,
) -> Event | None:
    """Rebuild an event the store kept; None for a row this version cannot read."""
    at = time_from_text(data.get("at"))
    session_data = data.get("session")
    if at is None or not isinstance(session_data, dict):
        return None
    try:
        severity = Severity(data.get("severity", "info"))
    except ValueError:
        severity = Severity.INFO
    common: dict[str, Any] = {
        "session": session_from_dict(session_data),
        "at": at,
        "device": str(data.get("device") or ""),
        "location": str(data.get("location") or ""),
        "severity": severity,
        "event_id": event_id,
        "seen": seen,
        "acked_by": acked_by,
        "acked_at": acked_at,
    }
    kind = data.get("type")
    if kind == EventKind.SIGN_IN:
        signed_in = TimeRange.from_dict(data.get("signed_in")) or TimeRange.before(at)
        names = {str(r) for r in AlertRule}
        rules = tuple(AlertRule(r) for r in data.get("rules", ()) if r in names)
        return SignIn(
            **common,
            signed_in=signed_in,
            rules=rules,
            reasons=tuple(str(r) for r in data.get("reasons", ())),
            risk=risk_from_json(data.get("risk")),
        )
    if kind == EventKind.ENDED:
        try:
            reason = EndReason(str(data.get("reason")))
        except ValueError:
            reason = EndReason.ENDED_ELSEWHERE
        return Ended(
            **common,
            reason=reason,
            ended=TimeRange.from_dict(data.get("ended")) or TimeRange.exact(at),
            signed_in=TimeRange.from_dict(data.get("signed_in")),
        )
    if kind == EventKind.IP_CHANGED:
        return IpChanged(**common, old_ip=data.get("old_ip"), new_ip=data.get("new_ip"))
    if kind == EventKind.LOCATION_CHANGED:
        return LocationChanged(
            **common,
            old_location=str(data.get("old_location") or ""),
            new_location=str(data.get("new_location") or ""),
        )
    return None


def _from(location: str) -> str:
    """ " from Berlin, Germany", or nothing where the place is not known."""
    return f" from {location}" if location and location != UNKNOWN else ""
