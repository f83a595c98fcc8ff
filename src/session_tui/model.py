"""The one shape every provider maps its sessions into.

Everything below the UI speaks in these types, so a new provider only has to fill them in.
Every field except the id may be missing: real APIs omit things, and the UI shows "—" for them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    """Where a session's IP is, as given by the API or looked up by us (provider-given wins)."""

    city: str | None = None
    region: str | None = None
    country_code: str | None = None  # ISO 3166-1 alpha-2, upper case
    source: str = "provider"  # "provider" or "lookup"
    # Where the server says the session is (authentik, Okta): checked by enrich.points.
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.city or self.region or self.country_code)


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in session (a device, a browser, a token) of one account.

    All times are timezone-aware (UTC from providers). `extras` keeps provider-specific fields
    that have no common meaning; it does not take part in equality, so a poll that only changes
    extras is not a change.
    """

    id: str
    is_current: bool = False
    user_agent: str | None = None
    display_name: str | None = None
    ip: str | None = None
    location: Location | None = None
    created_at: datetime | None = None
    last_active_at: datetime | None = None
    expires_at: datetime | None = None
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class EndReason(enum.StrEnum):
    """How a session ended, in the words the history shows."""

    REVOKED_HERE = "revoked here"
    REVOKED = "revoked"  # revoked by the API owner or another client, when the API says so
    EXPIRED = "expired"
    SIGNED_OUT = "signed out"
    ENDED_ELSEWHERE = "ended elsewhere"


@dataclass(frozen=True, slots=True)
class EndedSession:
    """A session that is over, as the API's own history reports it."""

    session: Session
    ended_at: datetime | None
    reason: EndReason


class Capability(enum.StrEnum):
    """What a provider can do beyond listing and revoking; the UI hides what is not offered."""

    RENAME = "rename"
    REAUTH_TO_REVOKE = "reauth-to-revoke"  # revoke needs the account password (Matrix UIA)
    EXPIRY = "expiry"  # sessions have an expiry time
    HISTORY = "history"  # the API keeps its own list of ended sessions
    BULK_REVOKE = "bulk-revoke"  # revoke-all-others is one request
    FORCE_SIGN_OUT = "force-sign-out"  # an admin ends another user's sessions (on-call mode)
    ACTIVITY = "activity"  # sessions say when they were last active (else "Last active" is empty)
