"""What the engine tells its front ends: one typed event per thing that happened.

The dashboard and the command line subscribe (`Engine.subscribe`) and render; neither asks a
provider anything. Events are delivered on the engine's event loop (the dashboard's UI loop),
in the order they happened, synchronously: a subscriber keeps its work short and starts its
own task for anything slow. A subscriber that raises is reported (`SubscriberFailed`) and the
engine goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from session_tui.engine.polling import PollReport
from session_tui.engine.revocation import RevokeAttempt
from session_tui.engine.state import AccountState
from session_tui.model import Session

if TYPE_CHECKING:
    from session_tui.tracking.events import Event  # not at start-up: the history waits


@dataclass(frozen=True, slots=True)
class PollFinished:
    """A poll of `account` ended (`report.kind` says how); its state is up to date."""

    account: AccountState
    report: PollReport


@dataclass(frozen=True, slots=True)
class SessionsListed:
    """A poll succeeded: `sessions` is the account's listing at `at` (engine clock)."""

    account: AccountState
    sessions: list[Session]
    at: datetime


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """The account's state changed outside a poll (signing in again, a revocation), or a
    large first listing's preview is ready (`AccountState.preview`)."""

    account: AccountState


@dataclass(frozen=True, slots=True)
class ProblemFound:
    """A new problem with an account, worth telling once (not on every retry)."""

    account: AccountState
    message: str


@dataclass(frozen=True, slots=True)
class ServerDown:
    """On call: the first watched account on `server` found it not answering (one event per
    outage, however many accounts live there)."""

    server: str
    message: str


@dataclass(frozen=True, slots=True)
class ServerBack:
    """Every watched account on `server` that found it down has had an answer again."""

    server: str


@dataclass(frozen=True, slots=True)
class SignInNeeded:
    """Our own credential for `account` no longer works and the front end can sign in again
    (`Engine.sign_in_again`)."""

    account: AccountState


@dataclass(frozen=True, slots=True)
class SignedInAgain:
    account: AccountState


@dataclass(frozen=True, slots=True)
class RevokeFinished:
    """A revocation was attempted (whatever the outcome); it is in the audit trail."""

    account: AccountState
    attempt: RevokeAttempt


@dataclass(frozen=True, slots=True)
class Renamed:
    """The server renamed the session (and the rename is in the audit trail)."""

    account: AccountState
    session_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PollRecorded:
    """A listing is in the account's history: `events` are what the history saw in it
    (sign-ins, ends, moves; none for an account's first listing); `unseen` counts the unseen
    alerts of every account, `account_unseen` this account's."""

    account: AccountState
    events: list[Event]
    unseen: int
    account_unseen: int


@dataclass(frozen=True, slots=True)
class AlertsRaised:
    """Sign-ins worth an alert; already passed to `--on-alert` when one is set."""

    account: AccountState
    alerts: list[Event]


@dataclass(frozen=True, slots=True)
class AlertsDropped:
    """`--on-alert` was handed more than its queue holds: `count` alerts were not passed on."""

    account: AccountState
    count: int


@dataclass(frozen=True, slots=True)
class HookFailed:
    """An `--on-alert` command failed; `message` says how (plain text)."""

    message: str


@dataclass(frozen=True, slots=True)
class HistoryChanged:
    """The recorded history of ended sessions changed outside a poll (a revocation, the
    server's own history merged): whatever shows it reads it again."""


@dataclass(frozen=True, slots=True)
class TrackingFailed:
    """Writing or reading the history or the audit trail failed; the engine goes on."""

    what: str
    message: str


@dataclass(frozen=True, slots=True)
class SubscriberFailed:
    """A subscriber raised while handling an event (a bug in a front end, reported once)."""

    error: str


EngineEvent = (
    PollFinished
    | SessionsListed
    | AccountChanged
    | ProblemFound
    | ServerDown
    | ServerBack
    | SignInNeeded
    | SignedInAgain
    | RevokeFinished
    | Renamed
    | PollRecorded
    | AlertsRaised
    | AlertsDropped
    | HookFailed
    | HistoryChanged
    | TrackingFailed
    | SubscriberFailed
)

Subscriber = Callable[[EngineEvent], None]
