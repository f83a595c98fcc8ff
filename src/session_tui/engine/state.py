"""What the app knows about each account it shows: its provider, last listing and health.

Plain data, no Textual: the engine writes it, the dashboard and the command line read it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from session_tui.enrich.risk import Risk
from session_tui.enrich.text import plain
from session_tui.ids import refused_reason
from session_tui.model import Capability, Session
from session_tui.providers.base import SessionProvider


class Connection(enum.StrEnum):
    """The connection state the header shows, in its own words."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"
    RATE_LIMITED = "rate limited"
    SIGNED_OUT = "signed out"
    RECONNECTING = "reconnecting"


@dataclass
class AccountState:
    """One provider (one account) and what the last poll of it said.

    `sessions` keeps the server's order; the table sorts for itself. After an error the last good
    listing stays, so the screen shows stale rows with the error rather than an empty table.
    """

    provider: SessionProvider
    sessions: dict[str, Session] = field(default_factory=dict)
    connection: Connection = Connection.CONNECTING
    error: str | None = None
    updated_at: datetime | None = None  # when the last successful poll finished (app clock)
    polls: int = 0  # successful polls so far
    in_flight: bool = False  # a poll is running: ticks are skipped, never cancelled
    resume_at: float = 0.0  # event-loop time before which polls wait (rate limiting)
    stopped: bool = False  # our credential died (or is not allowed): no polls until signed in
    signed_out_elsewhere: bool = True  # False: alive but refused (not fresh); error says why
    poll_seq: int = 0  # polls started so far
    failures: int = 0  # polls failed in a row (the back-off grows with it)
    poll_started_at: datetime | None = None  # when the poll in flight started (app clock)
    unseen_alerts: int = 0  # sign-in alerts of this account not looked at yet
    retry_at: datetime | None = None  # when the next poll is due after a failure (app clock)
    revoked_here: set[str] = field(default_factory=set)  # ended by us; stale polls may list them
    fresh_from_seq: int = 0  # polls numbered from here started after the last revocation
    next_poll_at: float = 0.0  # on call: event-loop time this account is next due (schedule.py)
    last_poll_at: float = float("-inf")  # event-loop time the last poll started
    changed_at: datetime | None = None  # when a poll last saw a session begin or end
    # A large first listing's most recently active sessions, shown while the rest are being
    # described (`polling.PREVIEW_AFTER`); never acted on, and empty once `sessions` is set.
    preview: list[Session] = field(default_factory=list)
    preview_of: int = 0  # how many sessions that first listing has
    # The risky listed sessions' risks (`enrich.risk`), by id, as the history last judged
    # them; a session not in it has none known (none found, or not recorded yet).
    risks: dict[str, Risk] = field(default_factory=dict)
    # On call with a shared store (`engine.team`): who polls this account ("bob@ops-2"; ""
    # this instance; None outside a team), and, when it is a colleague, how its listing is
    # read from the store instead of the server, and when the colleague last listed it.
    polled_by: str | None = None
    follow: Callable[[], Awaitable[list[Session]]] | None = None
    followed_at: datetime | None = None
    # (the listing, its size, the current id, others, unsendable): asked several times per
    # key press (R at 10,000 sessions), worked out once per listing. The listing itself is
    # held, not its id(): a new dict may be born where a freed one was.
    _split: tuple[dict[str, Session], int, str | None, list[Session], list[Session]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def name(self) -> str:
        """The account as the user knows it (never a credential), safe to show anywhere.

        It comes from the server (a REST listing's email, say), so it is untrusted text: made
        plain here once, for the header, dialogs, notifications and the audit trail alike.
        """
        return plain(self.provider.account, 120) or self.provider.kind

    @property
    def current_id(self) -> str | None:
        for session in self.sessions.values():
            if session.is_current:
                return session.id
        return None

    @property
    def stale(self) -> bool:
        """The last listing is all there is: polls are failing. Nothing may look live."""
        return self.updated_at is not None and self.connection in (
            Connection.ERROR,
            Connection.RATE_LIMITED,
            Connection.RECONNECTING,
            Connection.SIGNED_OUT,
        )

    def waiting(self, now: datetime, interval: float) -> float | None:
        """Seconds a poll has been waiting for an answer, once that is past two intervals
        (a server that stopped answering); None while answers come in time."""
        if not self.in_flight or self.poll_started_at is None:
            return None
        waited = (now - self.poll_started_at).total_seconds()
        return waited if waited > 2 * interval else None

    def looks_stale(self, now: datetime, interval: float) -> bool:
        """Stale, or about to be: what the screen must not show as live."""
        return self.stale or (
            self.updated_at is not None and self.waiting(now, interval) is not None
        )

    def note_risks(self, risks: Mapping[str, Risk]) -> bool:
        """Keep the risky ones of these; True when that changed what is known."""
        risky = {sid: risk for sid, risk in risks.items() if risk.reasons}
        changed = risky != self.risks
        self.risks = risky
        return changed

    def risky(self, session_id: str) -> bool:
        """The session has a known risk (low, medium or high): `list --risky`, the filter."""
        risk = self.risks.get(session_id)
        return risk is not None and bool(risk.reasons)

    def can(self, capability: Capability) -> bool:
        return capability in self.provider.capabilities

    def others(self) -> list[Session]:
        """Every listed session except the one we are signed in with, and those that cannot
        be named to the server safely (`unsendable`): what "sign out all others" ends."""
        return list(self._others_and_unsendable()[0])

    def _others_and_unsendable(self) -> tuple[list[Session], list[Session]]:
        current, listing = self.current_id, self.sessions
        cached = self._split
        if cached is None or not (
            cached[0] is listing and cached[1] == len(listing) and cached[2] == current
        ):
            others: list[Session] = []
            unsendable: list[Session] = []
            for s in listing.values():
                if not s.is_current and s.id != current:
                    (others if self.send_refusal(s.id) is None else unsendable).append(s)
            cached = self._split = (listing, len(listing), current, others, unsendable)
        return cached[3], cached[4]

    def send_refusal(self, session_id: str) -> str | None:
        """Why a revoke of this session is refused before anything is sent, or None."""
        check = getattr(self.provider, "refusal", None)  # a ProviderBase knows its API
        return check(session_id) if check is not None else refused_reason(session_id)

    def unsendable(self) -> list[Session]:
        """Other sessions that stay, whatever is asked: their ids cannot be sent safely."""
        return list(self._others_and_unsendable()[1])
