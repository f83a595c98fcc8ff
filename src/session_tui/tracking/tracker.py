"""The tracker: one per watched account, called on every poll, off the UI thread.

`observe()` is the whole per-poll job in one short write transaction: read the stored snapshot,
diff, grade sign-ins, persist. Because the snapshot is read inside the transaction, a second app
instance on the same account sees what the first one already recorded and does not report it
again, and a restart diffs against what was stored, so existing sessions are not new sign-ins.

Most polls change nothing, and writing each one anyway grew the WAL by megabytes an hour. So a
poll first compares the listing with the stored snapshot in a read transaction, and when nothing
but last-activity times moved (a little) it writes nothing: the tracker remembers that poll in
memory instead, so the next change is still timed against it, and writes it down on `close()`.
A full write still happens at least hourly, with the pruning.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from session_tui import paths
from session_tui.enrich.geo import GeoLocator
from session_tui.enrich.networks import NetworkLookup
from session_tui.enrich.risk import Risk
from session_tui.model import EndedSession, EndReason, Session
from session_tui.tracking.alerts import classify_all
from session_tui.tracking.api_history import merge
from session_tui.tracking.backend import Database
from session_tui.tracking.describe import Describer
from session_tui.tracking.diff import Snapshot, diff, signed_in_range, unchanged
from session_tui.tracking.events import Ended, Event, EventKind, SignIn, TimeRange
from session_tui.tracking.risk_book import RiskBook, judge
from session_tui.tracking.schema import HistoryStoreError
from session_tui.tracking.store import (
    LAST_POLL,
    LAST_PRUNE,
    WATCHED_SINCE,
    HistoryRow,
    HistoryStore,
    ended_row_kwargs,
)

DEFAULT_RETENTION = timedelta(days=90)
PRUNE_EVERY = timedelta(hours=1)
# A last-activity time that moved less than this since the stored snapshot is not worth a write.
ACTIVITY_GRANULARITY = timedelta(minutes=5)
# A poll may notice a revoked session gone before `mark_revoked` runs; an "ended elsewhere" this
# recent is that race, not an older end being relabelled.
REVOKE_RACE_WINDOW = timedelta(minutes=2)
# How often every listed session's device and country get their "last seen" moved on; new and
# changed sessions are learnt at once. Far below any retention, so nothing still listed is pruned.
LEARN_EVERY = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class QuietPoll:
    """The latest poll that was not written, because it matched the stored snapshot.

    Valid only while the stored snapshot is still the one it was compared with (`stored_at`,
    the snapshot's time): then it is a more recent picture of the same sessions.
    """

    stored_at: datetime
    at: datetime
    sessions: dict[str, Session]


class Tracker:
    """Session history, sign-in events and alert state of one account, kept in SQLite.

    Thread-safe: calls are serialised by a lock, so the UI may call it from worker threads.
    Pass `clock` to freeze time in tests; pass the app's `locator` so a City database is used.
    """

    def __init__(
        self,
        account_key: str,
        store_path: Path | str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
        clock: Callable[[], datetime] = utc_now,
        *,
        locator: GeoLocator | None = None,
        networks: NetworkLookup | None = None,
        database: Database | None = None,
        viewer: str | None = None,
        operator: str | None = None,
    ) -> None:
        """The account's rows in `database` (a profile's store, shared), or in a store of its
        own at `store_path`: a file (default: the account's own under the state directory) or
        a PostgreSQL URL. `viewer`: the operator whose alerts are seen or not, in a shared store.
        `operator`: who revokes from here (kept on "revoked here", for colleagues to read).
        """
        self.operator = operator
        if retention <= timedelta(0):
            raise ValueError("retention must be positive")
        self.account_key = account_key
        self.retention = retention
        self.clock = clock
        self.describer = Describer(locator, networks)
        where = database or store_path or paths.history_db(account_key)
        self._store = HistoryStore(where, self.describer, account=account_key, viewer=viewer)
        self.path = self._store.path
        # The database's lock: a shared connection's transaction is everyone's.
        self._lock = self._store.database.lock
        self._quiet: QuietPoll | None = None
        self._learned_at: datetime | None = None  # when every listed device was last learnt
        self._risks: dict[str, Risk] | None = None  # the last listing's, by session id

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Write down the last unwritten poll, if still current, and close the file."""
        with self._lock:
            try:
                with contextlib.suppress(sqlite3.Error, HistoryStoreError):
                    self._flush_quiet()
            finally:
                self._store.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- every poll ---------------------------------------------------------------------------

    def observe(self, sessions: Iterable[Session], at: datetime | None = None) -> list[Event]:
        """Record one poll's listing and return what changed since the stored snapshot.

        `at` is when the listing was fetched (default: now). A listing older than the stored
        one (another instance wrote a newer poll meanwhile) is ignored and yields no events.
        The first observation of an account is the baseline: no events at all.
        """
        now = at or self.clock()
        current = list({s.id: s for s in sessions}.values())
        with self._lock:
            if self._nothing_to_write(current, now):
                return []
            return self._record(current, now)

    def _record(self, current: list[Session], now: datetime) -> list[Event]:
        store = self._store
        with store.write():
            snapshot = self._latest(store.load_snapshot())
            if snapshot.taken_at is not None and now < snapshot.taken_at:
                return []
            self._quiet = None
            events = diff(snapshot, current, now, store.revocations(), self.describer)
            listed_before = snapshot.sessions
            changed = [s for s in current if listed_before.get(s.id) != s]
            book = RiskBook(store)
            judge(book, snapshot, current, events, now)
            self._risks = _kept(self._risks, self._judged(book, snapshot, current, changed))
            events = classify_all(events, self._risks)
            # A session judged again (it was listed before) is an event only when it alerts.
            events = [
                e
                for e in events
                if not (isinstance(e, SignIn) and e.session_id in listed_before and not e.is_alert)
            ]
            stored: list[Event] = []
            new_sign_ins: dict[str, TimeRange] = {}
            for event in events:
                if isinstance(event, SignIn) and event.session_id not in listed_before:
                    new_sign_ins[event.session_id] = event.signed_in
                elif isinstance(event, Ended):
                    book.drop(event.session_id)
                    store.forget_known(event.session_id)
                    by = store.revoker(event.session_id)
                    store.clear_revocation(event.session_id)
                    store.add_ended(event.session, **ended_row_kwargs(event), revoked_by=by)
                stored.append(replace(event, event_id=store.add_event(event)))
            # Only what is new or changed is written: a poll costs O(changes), not O(sessions).
            signed_in = dict(snapshot.signed_in)
            for session in changed:
                baseline = session.id not in new_sign_ins
                when = new_sign_ins.get(session.id) or signed_in_range(session, None, now)
                store.upsert_known(session, now, first_seen_exact=not baseline, signed_in=when)
                signed_in.setdefault(session.id, when)
            self._learn(current, changed, now)
            store.set_time(LAST_POLL, now)
            if snapshot.taken_at is None or store.get_time(WATCHED_SINCE) is None:
                store.set_time(WATCHED_SINCE, now)
            listed = {s.id: s for s in current}
            store.remember(
                Snapshot(now, listed, {k: signed_in[k] for k in listed if k in signed_in})
            )
            self._maybe_prune(now)
        return stored

    def _judged(
        self, book: RiskBook, snapshot: Snapshot, current: list[Session], changed: list[Session]
    ) -> dict[str, Risk]:
        """The listing's risks: judged again only for the sessions that changed or whose kept
        reasons did (`RiskBook.noted`); the others keep theirs. A poll costs O(changes) here
        too: judging 10,000 addresses on every poll was the tracker's largest cost."""
        before = self._risks
        if before is None or snapshot.is_baseline:
            return book.risks(current)
        again = book.noted.union(s.id for s in changed)
        found = {s.id: before[s.id] for s in current if s.id not in again and s.id in before}
        if len(found) < len(current):
            found.update(book.risks([s for s in current if s.id not in found]))
        return found

    def _learn(self, current: list[Session], changed: list[Session], now: datetime) -> None:
        """Devices and countries seen: those of new and changed sessions at once, and every
        listed one's "last seen" now and then (retention forgets what is not seen for long)."""
        if self._learned_at is None or not timedelta(0) <= now - self._learned_at < LEARN_EVERY:
            self._store.learn(current, now)
            self._learned_at = now
        elif changed:
            self._store.learn(changed, now)

    def _nothing_to_write(self, current: list[Session], now: datetime) -> bool:
        """True when this poll needs no write: stale, or the same as the stored snapshot.

        Read in one read transaction, which leaves the WAL alone. A matching poll is kept as
        `_quiet`; anything else (a change, a first poll, pruning due) goes to `_record`.
        """
        store = self._store
        with store.read():
            stored = store.load_snapshot()
            last_prune = store.get_time(LAST_PRUNE)
        if stored.taken_at is None:
            return False
        latest = self._latest(stored)
        if latest.taken_at is not None and now < latest.taken_at:
            return True  # older than what is known: _record would ignore it too
        if last_prune is None or now - last_prune >= PRUNE_EVERY or now < last_prune:
            return False
        if not unchanged(stored, current, ACTIVITY_GRANULARITY):
            return False
        self._quiet = QuietPoll(stored.taken_at, now, {s.id: s for s in current})
        return True

    def _latest(self, stored: Snapshot) -> Snapshot:
        """The stored snapshot, or the quiet poll that is a newer picture of it."""
        quiet = self._quiet
        if (
            quiet is None
            or stored.taken_at is None
            or quiet.stored_at != stored.taken_at
            or quiet.at <= stored.taken_at
        ):
            return stored
        return Snapshot(quiet.at, quiet.sessions, stored.signed_in)

    def _flush_quiet(self) -> None:
        """Store the last quiet poll, unless another instance wrote a newer snapshot meanwhile."""
        quiet, self._quiet = self._quiet, None
        if quiet is None:
            return
        store = self._store
        with store.write():
            if store.get_time(LAST_POLL) != quiet.stored_at:
                return
            for session in quiet.sessions.values():
                store.refresh_known(session, quiet.at)
            store.learn(quiet.sessions.values(), quiet.at)
            store.set_time(LAST_POLL, quiet.at)

    # -- risk ---------------------------------------------------------------------------------

    def risks(self, sessions: Iterable[Session]) -> dict[str, Risk]:
        """The risk of each of these (the last observed listing's sessions), by id."""
        listed = list(sessions)
        with self._lock:
            known = self._risks
            if known is None or known.keys() != {s.id for s in listed}:
                with self._store.read():  # a listing that needed no write: judged as stored
                    known = self._risks = _kept(known, RiskBook(self._store).risks(listed))
            return dict(known)

    def stored_sessions(self) -> list[Session]:
        """The sessions of the stored snapshot: what the account's poller last recorded."""
        with self._lock, self._store.read():
            return list(self._store.load_snapshot().sessions.values())

    def trust(self, sessions: Iterable[Session], *, undo: bool = False) -> None:
        """ "This was me" for these sessions (or its undoing): their risk clears, and their
        device and network are the account's from now on (`RiskBook.set_trusted`)."""
        now = self.clock()
        with self._lock, self._store.write():
            book = RiskBook(self._store)
            for session in sessions:
                book.set_trusted(session, now, trusted=not undo)
            self._risks = None

    # -- revocations --------------------------------------------------------------------------

    def mark_revoked(self, session_ids: Iterable[str], at: datetime | None = None) -> None:
        """Note that this app revoked these sessions, so their end reads "revoked here".

        Call it after the API confirmed the revocation. If a poll already saw the session go
        (and called it "ended elsewhere"), that record is corrected instead.
        """
        when = at or self.clock()
        store = self._store
        with self._lock, store.write():
            known = store.known_ids()
            for sid in session_ids:
                if sid in known:
                    store.add_revocation(sid, when, self.operator)
                    continue
                row = store.latest_ended(sid)
                if (
                    row is not None
                    and row.reason is EndReason.ENDED_ELSEWHERE
                    and row.ended.latest >= when - REVOKE_RACE_WINDOW
                ):
                    ended = row.ended
                    if ended.earliest is not None and ended.earliest <= when <= ended.latest:
                        ended = TimeRange.exact(when)
                    store.update_ended(row.row_id, EndReason.REVOKED_HERE, ended, self.operator)
                elif row is None:
                    store.add_revocation(sid, when, self.operator)

    # -- the API's own history ----------------------------------------------------------------

    def merge_api_history(self, ended_sessions: Iterable[EndedSession]) -> int:
        """Fold in the API's list of ended sessions; returns how many rows were added or fixed
        (`api_history.merge`)."""
        now = self.clock()
        with self._lock, self._store.write():
            return merge(self._store, ended_sessions, now, now - self.retention)

    # -- what the panes show ------------------------------------------------------------------

    def history(self, limit: int = 200) -> list[HistoryRow]:
        """Ended sessions, newest first."""
        with self._lock:
            return self._store.history(limit)

    def events(self, limit: int = 200, kinds: Sequence[EventKind] | None = None) -> list[Event]:
        """Stored events, newest first; `kinds=[EventKind.SIGN_IN]` for the alert feed."""
        with self._lock:
            return self._store.events(limit, kinds)

    def unseen_alerts(self) -> int:
        """How many alerts nobody has looked at yet (the header's count)."""
        with self._lock:
            return self._store.unseen_alerts()

    def mark_seen(self, event_ids: Iterable[int] | None = None) -> None:
        """Mark these events (default: all) as seen, e.g. when the alert feed is opened."""
        with self._lock, self._store.write():
            self._store.mark_seen(None if event_ids is None else list(event_ids))

    def prune(self) -> int:
        """Delete rows older than the retention now (polls also do this, at most hourly)."""
        now = self.clock()
        with self._lock, self._store.write():
            removed = self._store.prune(now - self.retention)
            self._store.set_time(LAST_PRUNE, now)
            return removed

    def _maybe_prune(self, now: datetime) -> None:
        last = self._store.get_time(LAST_PRUNE)
        if last is None or now - last >= PRUNE_EVERY or now < last:
            self._store.prune(now - self.retention)
            self._store.set_time(LAST_PRUNE, now)


def _kept(before: dict[str, Risk] | None, now: dict[str, Risk]) -> dict[str, Risk]:
    """`now`, with the very objects of `before` where a risk did not change: the screen
    tells a changed risk by identity, as it tells a changed session."""
    if not before:
        return now
    return {sid: old if (old := before.get(sid)) == risk else risk for sid, risk in now.items()}
