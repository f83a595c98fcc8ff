"""One poll of one account, for both front ends: ask the provider, keep the account's state
true, and say what happened in a `PollReport` the caller shows in its own way.

Nothing here is on screen: the dashboard turns a report into the header, a notification or the
sign-in dialog; `session-tui watch` into a line; `session-tui list` into an exit code.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from session_tui.engine import device_memory
from session_tui.engine.state import AccountState, Connection
from session_tui.enrich import device
from session_tui.errors import AuthExpired, NotAdmin, ProviderError, RateLimited, ServerBusy
from session_tui.model import Session

DEFAULT_RATE_LIMIT_WAIT = 30.0  # seconds, when a 429 does not say how long
BACKOFF_CAP = 60.0  # seconds: a server that comes back is noticed within a minute
JITTER = 0.2  # +-20 %, so many clients (or watched accounts) do not retry in step
OFFLOAD_SESSIONS = 200  # listings longer than this are reconciled on a worker thread
# A first listing longer than this shows its most recently active PREVIEW_ROWS first, while
# the rest are described (10,000 new user agents and places take ~0.5 s): `AccountState.preview`.
PREVIEW_AFTER = 2_000
PREVIEW_ROWS = 200

# Called on the worker thread with the sessions that are new or changed since the last poll
# (the dashboard builds their views there, so the UI thread only looks them up).
Prepare = Callable[[Iterable["Session"]], object]
# Called on the event loop when `account.preview` changed (the front end shows it).
Previewed = Callable[[AccountState], None]


def reconcile(
    old: dict[str, Session], listed: list[Session]
) -> tuple[dict[str, Session], list[Session]]:
    """The new listing keyed by id, keeping the previous object of every session whose
    fields (extras included) are unchanged; and the sessions that are new or changed.

    Keeping the objects is what makes a poll cost O(changes) above: the views, the table
    rows and the tracker recognise an unchanged session by identity, not by comparing it.
    """
    merged: dict[str, Session] = {}
    fresh: list[Session] = []
    for session in listed:
        before = old.get(session.id)
        if before is session or (
            before is not None and before == session and before.extras == session.extras
        ):
            merged[session.id] = before
        else:
            merged[session.id] = session
            fresh.append(session)
    return merged, fresh


def _reconciled(
    old: dict[str, Session], listed: list[Session], prepare: Prepare | None
) -> dict[str, Session]:
    merged, fresh = reconcile(old, listed)
    if prepare is not None and fresh:
        prepare(fresh)
        device_memory.save_soon()  # new user agents described: keep them for the next start
    return merged


def backoff(failures: int, interval: float, asked: float | None = None) -> float:
    """Seconds until the next try after `failures` in a row: doubling from the interval,
    capped, jittered; never sooner than the server asked (Retry-After on 429 and 503)."""
    base = min(BACKOFF_CAP, interval * 2.0 ** max(failures - 1, 0))
    wait = base * random.uniform(1 - JITTER, 1 + JITTER)
    return max(wait, asked or 0.0)


class PollKind(enum.StrEnum):
    OK = "ok"
    SIGNED_OUT = "signed out"  # our own credential no longer works
    STOPPED = "stopped"  # refused for good (not an admin): no more polls
    RATE_LIMITED = "rate limited"
    ERROR = "error"
    STALE = "stale"  # the provider was replaced meanwhile (signed in again): ignore


@dataclass(frozen=True, slots=True)
class PollReport:
    kind: PollKind
    sessions: list[Session] = field(default_factory=list)
    message: str | None = None
    changed: bool = False  # a new problem (or a new message): worth telling once
    signed_out: AuthExpired | None = None
    error: ProviderError | None = None
    bug: Exception | None = None  # not a server's doing: a provider raised something untyped


def drop_revoked(account: AccountState, sessions: list[Session], seq: int) -> list[Session]:
    """A listing asked for before a revocation finished may still hold what it ended.

    Showing it would bring the row back for one interval (and tell listeners about a "new"
    session), so those ids are left out until a poll started after the revocation.
    """
    if seq >= account.fresh_from_seq:
        account.revoked_here.clear()
        return sessions
    return [s for s in sessions if s.id not in account.revoked_here]


def set_error(account: AccountState, state: Connection, message: str) -> bool:
    """Record a problem; True when it is new (so it is told once, not on every tick)."""
    changed = account.error != message or account.connection is not state
    account.connection = state
    account.error = message
    return changed


def signed_out_message(account: AccountState, exc: AuthExpired, *, can_sign_in: bool) -> str:
    if not exc.elsewhere:
        return str(exc)  # alive but refused (e.g. not fresh): the provider says why
    if account.polls == 0 and not can_sign_in:
        # Never worked at all: a mistyped token, not a session ended elsewhere.
        return (
            "The server refused this access token on the first request: check "
            "SESSION_TUI_TOKEN (or the profile) and start session-tui again."
        )
    if not can_sign_in:
        return (
            "This session was signed out elsewhere: its access token no longer works. "
            "Polling stopped; start session-tui again to sign in."
        )
    return "This session was signed out elsewhere: its access token no longer works."


def mark_signed_out(account: AccountState, exc: AuthExpired, *, can_sign_in: bool) -> bool:
    """Stop polling the account until it signs in again; True when that is news."""
    account.stopped = True
    account.signed_out_elsewhere = exc.elsewhere
    message = signed_out_message(account, exc, can_sign_in=can_sign_in)
    return set_error(account, Connection.SIGNED_OUT, message)


async def poll(
    account: AccountState,
    seq: int,
    *,
    now: Callable[[], datetime],
    loop_time: Callable[[], float],
    can_sign_in: bool,
    interval: float = 5.0,
    prepare: Prepare | None = None,
    previewed: Previewed | None = None,
) -> PollReport:
    """List the account's sessions once and record the outcome in `account`.

    `seq` is the poll's number (`account.poll_seq` when it started): a revocation that ends
    sessions after it started keeps them out of its listing. The caller marks the poll in
    flight and clears it after; this never raises for what a server or a provider does.
    """
    provider = account.provider
    try:
        # A colleague polls it (on call, a shared store): what they recorded, not the server.
        sessions = await (account.follow or provider.list_sessions)()
    except Exception as exc:  # whatever the server or a provider bug does: a report
        if provider is not account.provider:
            return PollReport(PollKind.STALE)
        return _failed(account, exc, interval, now, loop_time, can_sign_in=can_sign_in)
    if provider is not account.provider:
        return PollReport(PollKind.STALE)
    if account.polls == 0 and len(sessions) > PREVIEW_AFTER and previewed is not None:
        await _preview(account, sessions, prepare, previewed)
    # Large listings, and every first one (its views are all new, and building the user-agent
    # parser may still be under way), are reconciled and prepared on a worker thread.
    try:
        if len(sessions) > OFFLOAD_SESSIONS or account.polls == 0:
            merged = await asyncio.to_thread(_reconciled, account.sessions, sessions, prepare)
            if provider is not account.provider:
                return PollReport(PollKind.STALE)
        else:
            merged = _reconciled(account.sessions, sessions, prepare)
    finally:
        account.preview = []  # the listing replaces it (or the poll failed: nothing is shown)
    # After the thread: a revocation may have finished while it ran.
    listed = drop_revoked(account, list(merged.values()), seq)
    before = account.sessions
    # `merged` is keyed by id in the listing's order already; built again only if some left.
    account.sessions = merged if len(listed) == len(merged) else {s.id: s for s in listed}
    if account.polls and account.sessions.keys() != before.keys():
        account.changed_at = now()  # a sign-in or an end: on call, "sorted by change"
    account.connection = Connection.CONNECTED
    account.error = None
    account.updated_at = account.followed_at if account.follow is not None else now()
    account.polls += 1
    account.failures = 0
    account.retry_at = None
    account.resume_at = 0.0
    return PollReport(PollKind.OK, sessions=listed)


async def _preview(
    account: AccountState, sessions: list[Session], prepare: Prepare | None, previewed: Previewed
) -> None:
    """Describe the most recently active sessions of a large first listing and hand them to
    the front end, which shows them (marked as loading) while the rest are described."""
    first = heapq.nlargest(PREVIEW_ROWS, sessions, key=_recent_first)
    if prepare is not None:
        # The whole listing follows: the parser it needs (`expect`), not the one for a few.
        device.expect(len(sessions))
        await asyncio.to_thread(prepare, first)
    account.preview = first
    account.preview_of = len(sessions)
    previewed(account)


def _recent_first(session: Session) -> tuple[bool, float]:
    seen = session.last_active_at or session.created_at
    return (session.is_current, seen.timestamp() if seen is not None else float("-inf"))


def _failed(
    account: AccountState,
    exc: Exception,
    interval: float,
    now: Callable[[], datetime],
    loop_time: Callable[[], float],
    *,
    can_sign_in: bool,
) -> PollReport:
    """A failed listing into the account's state: signed out, refused for good, rate limited,
    a failure to back off from, or a provider's bug (the last listing stays, polls go on)."""
    if isinstance(exc, AuthExpired):
        changed = mark_signed_out(account, exc, can_sign_in=can_sign_in)
        return PollReport(
            PollKind.SIGNED_OUT, message=account.error, changed=changed, signed_out=exc
        )
    if isinstance(exc, NotAdmin):
        account.stopped = True
        changed = set_error(account, Connection.ERROR, str(exc))
        return PollReport(PollKind.STOPPED, message=str(exc), changed=changed, error=exc)
    if isinstance(exc, RateLimited):
        asked = exc.retry_after or DEFAULT_RATE_LIMIT_WAIT
        wait = _retry_later(account, interval, asked, now, loop_time)
        message = f"Rate limited by the server; waiting {wait:.0f} s before the next poll."
        changed = set_error(account, Connection.RATE_LIMITED, message)
        return PollReport(PollKind.RATE_LIMITED, message=message, changed=changed, error=exc)
    if isinstance(exc, ProviderError):
        busy = exc.retry_after if isinstance(exc, ServerBusy) else None
        _retry_later(account, interval, busy, now, loop_time)
        changed = set_error(account, Connection.ERROR, str(exc))
        return PollReport(PollKind.ERROR, message=str(exc), changed=changed, error=exc)
    _retry_later(account, interval, None, now, loop_time)
    message = f"Unexpected error ({type(exc).__name__})."
    changed = set_error(account, Connection.ERROR, message)
    return PollReport(PollKind.ERROR, message=message, changed=changed, bug=exc)


def _retry_later(
    account: AccountState,
    interval: float,
    asked: float | None,
    now: Callable[[], datetime],
    loop_time: Callable[[], float],
) -> float:
    """Count the failure and put the next poll off (see `backoff`); returns the wait."""
    account.failures += 1
    wait = backoff(account.failures, interval, asked)
    account.resume_at = loop_time() + wait
    account.retry_at = now() + timedelta(seconds=wait)
    return wait
