"""The API's own list of ended sessions, folded into an account's history.

The API knows why a session ended better than our "ended elsewhere" guess, so its reason replaces
that guess; our "revoked here" stays (it is the more specific truth). Sessions we still hold as
active are left to the next poll, which will end them. Called by the `Tracker`, inside its
store's write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from session_tui.enrich.risk import Familiar
from session_tui.model import EndedSession, EndReason, Session
from session_tui.tracking.alerts import classify
from session_tui.tracking.events import SignIn, TimeRange
from session_tui.tracking.risk_book import RiskBook
from session_tui.tracking.store import WATCHED_SINCE, HistoryStore


def merge(
    store: HistoryStore, ended_sessions: Iterable[EndedSession], now: datetime, cutoff: datetime
) -> int:
    """Fold the ended sessions in; how many rows were added or corrected. What ended before
    `cutoff` (the retention) is not added."""
    changed = 0
    describer = store.describer
    book = RiskBook(store)
    known = store.known_ids()
    familiar = book.familiar(now)  # what was known before these sign-ins
    since = store.get_time(WATCHED_SINCE)
    for item in ended_sessions:
        session = item.session
        if not session.id or session.id in known:
            continue
        exact = TimeRange.exact(item.ended_at) if item.ended_at else None
        row = store.latest_ended(session.id)
        if row is not None:
            if row.reason is EndReason.ENDED_ELSEWHERE and item.reason not in (
                EndReason.ENDED_ELSEWHERE,
                EndReason.REVOKED_HERE,
            ):
                store.update_ended(row.row_id, item.reason, exact or row.ended)
                changed += 1
            continue
        if exact is not None and exact.latest < cutoff:
            continue
        labels = {
            "device": describer.device_label(session),
            "location": describer.location_label(session),
        }
        store.add_ended(
            session,
            signed_in=TimeRange.exact(session.created_at) if session.created_at else None,
            ended=exact or TimeRange.before(now),
            reason=item.reason,
            source="api",
            **labels,
        )
        changed += 1
        began = session.created_at
        if since is not None and began is not None and began > since:
            # Signed in while we watched, and gone before a poll saw it. What began before
            # we watched is history, not news: no alert for it.
            _alert_if_risky(store, book, session, began, labels, familiar, now)
    return changed


def _alert_if_risky(
    store: HistoryStore,
    book: RiskBook,
    session: Session,
    signed_in: datetime,
    labels: dict[str, str],
    familiar: Familiar,
    now: datetime,
) -> None:
    """A sign-in only the server's history knows of (it ended between our polls): in the feed
    when it alerts, like any sign-in; quiet otherwise, since the history already lists it."""
    kept = book.judge_sign_in(session, signed_in, familiar, None, now)
    risk = book.risk_of(session, kept, book.trust())
    event = classify(
        SignIn(
            session=session,
            at=signed_in,
            signed_in=TimeRange.exact(signed_in),
            device=labels["device"],
            location=labels["location"],
        ),
        risk,
    )
    if event.is_alert:
        store.add_event(event)
