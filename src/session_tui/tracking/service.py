"""Tracking for a whole app run, without Textual: what the UI calls on each poll and revoke.

The app watches one account (or several in on-call mode); this holds one `Tracker` per account,
opened on first use, and turns a revocation attempt into an audit line plus a "revoked here"
mark. The UI stays thin: call `observe` from a thread worker after each successful poll, show
what comes back, and call `record_revocation` after each attempt.

`close` is final: a job that was still queued when the app quit must not open a history file
again (and leave it open, with nobody to close it), so after it every call that needs a
tracker raises `TrackingClosed`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from session_tui import paths
from session_tui.enrich.geo import GeoLocator
from session_tui.enrich.networks import NetworkLookup
from session_tui.enrich.risk import Risk
from session_tui.model import Session
from session_tui.providers.base import SessionProvider
from session_tui.tracking import acks, audit
from session_tui.tracking.backend import Database, StoreSpec
from session_tui.tracking.database import HistoryDatabase, import_account
from session_tui.tracking.events import Event
from session_tui.tracking.schema import HistoryStoreError
from session_tui.tracking.stores import open_database
from session_tui.tracking.tracker import DEFAULT_RETENTION, Tracker, utc_now

# Providers that see the same sessions of the same account share one history.
_SAME_SESSIONS = {"synapse-admin": "matrix", "better-auth-admin": "better-auth"}


def _host(server: str) -> str:
    """The server without a loopback port: the demo's ephemeral port changes every run."""
    try:
        parts = urlsplit(f"//{server}")
        host, port = parts.hostname or server, parts.port
    except ValueError:
        return server
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    return host if loopback or port is None else f"{host}:{port}"


def account_key(provider: SessionProvider, profile: str | None = None) -> str:
    """The account's key in the history: profile, kind, account and server
    ("work:matrix:@a:b@b")."""
    kind = _SAME_SESSIONS.get(provider.kind, provider.kind)
    who = provider.account or "account"
    key = f"{kind}:{who}@{_host(provider.server)}"
    return f"{profile}:{key}" if profile else key


class TrackingClosed(RuntimeError):
    """The service was closed (the app is quitting); nothing more is recorded."""


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll changed for one account."""

    key: str
    events: list[Event] = field(default_factory=list)
    unseen_alerts: int = 0
    risks: dict[str, Risk] = field(default_factory=dict)  # the risky listed sessions', by id

    @property
    def alerts(self) -> list[Event]:
        return [e for e in self.events if e.is_alert]


class TrackingService:
    """Per-account trackers plus the audit log for one app run. Thread-safe.

    Every account of the profile is kept in one history file (`paths.profile_history_db`),
    opened once: on call with a thousand accounts that is one file and one connection.
    """

    def __init__(
        self,
        profile: str | None = None,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        clock: Callable[[], datetime] = utc_now,
        locator: GeoLocator | None = None,
        networks: NetworkLookup | None = None,
        audit_path: Path | None = None,
        operator: str | None = None,
        store: StoreSpec | str | None = None,
    ) -> None:
        self.profile = profile
        self.store = store if isinstance(store, StoreSpec) else StoreSpec.parse(store)
        self.operator = audit.operator_name(operator)
        self.retention = retention
        self.clock = clock
        self.locator = locator
        self.networks = networks
        self.audit_path = audit_path
        self._database: Database | None = None
        self._trackers: dict[str, Tracker] = {}
        # Unseen alerts per account, kept as polls report them: the header's total is a sum,
        # not a query of every account's rows after each account's poll.
        self._unseen: dict[str, int] = {}
        self._lock = threading.RLock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def path(self) -> Path:
        """The profile's history file (when the store is not elsewhere)."""
        return paths.profile_history_db(self.profile)

    @property
    def shared(self) -> bool:
        """The history is a team's (PostgreSQL), not this machine's."""
        return self.store.shared

    def database(self) -> Database:
        """The store, opened (and migrated) on first use; `TrackingClosed` once closed."""
        with self._lock:
            if self._closed:
                raise TrackingClosed("tracking is closed; no store is opened again")
            if self._database is None:
                self._database = open_database(self.store, self.path)
            return self._database

    def tracker(self, provider: SessionProvider) -> Tracker:
        """The account's tracker, opened on first use; `TrackingClosed` once `close` ran."""
        return self._tracker(self.key_of(provider))

    def key_of(self, provider: SessionProvider) -> str:
        """The account's key; in a shared store without the profile's name (each colleague
        names profiles as they like, and they watch the same accounts)."""
        return account_key(provider, None if self.shared else self.profile)

    def shown_key(self, key: str) -> str:
        """An account's key as people read it: without this profile's name (a profile's file
        holds its own accounts only)."""
        if not self.profile or self.shared:
            return key
        head, _, rest = key.partition(":")
        return rest if rest and paths.safe_key(head) == paths.safe_key(self.profile) else key

    def stored_sessions(self, provider: SessionProvider) -> list[Session]:
        """The account's sessions as its poller last recorded them (a colleague, on a shared
        store)."""
        return self.tracker(provider).stored_sessions()

    def _tracker(self, key: str) -> Tracker:
        with self._lock:
            if self._closed:
                raise TrackingClosed("tracking is closed; no history file is opened again")
            tracker = self._trackers.get(key)
            if tracker is not None:
                return tracker
            database = self.database()
            if isinstance(database, HistoryDatabase):
                _bring_in(database, key)
            tracker = Tracker(
                key,
                None,
                self.retention,
                self.clock,
                locator=self.locator,
                networks=self.networks,
                database=database,
                viewer=self.operator if database.shared else None,
                operator=self.operator,
            )
            self._trackers[key] = tracker
            if key not in self._unseen:
                self._unseen[key] = tracker.unseen_alerts()
        return tracker

    def observe(
        self, provider: SessionProvider, sessions: Sequence[Session], at: datetime | None = None
    ) -> PollResult:
        """After each successful poll (in a thread): the events, and the new unseen count."""
        tracker = self.tracker(provider)
        events = tracker.observe(sessions, at)
        unseen = tracker.unseen_alerts() if events else self._unseen.get(tracker.account_key, 0)
        self._unseen[tracker.account_key] = unseen
        return PollResult(tracker.account_key, events, unseen, risky(tracker.risks(sessions)))

    def record_revocation(
        self,
        provider: SessionProvider,
        *,
        action: audit.AuditAction | str,
        session_ids: Sequence[str],
        sessions: Sequence[Session] = (),
        error: str | BaseException | None = None,
        revoked: int | None = None,
        at: datetime | None = None,
        outcome: str | None = None,
        ended_ids: Sequence[str] | None = None,
    ) -> audit.AuditRecord:
        """After each revocation attempt: an audit line, and "revoked here" marks for what
        ended (`ended_ids`; by default all of `session_ids` when there is no error).

        Raises `audit.AuditError` if the log cannot be written (the marks are kept anyway).
        """
        when = at or self.clock()
        marks = ended_ids if ended_ids is not None else (session_ids if error is None else ())
        if marks:
            # Quitting: the history is closed, but the audit line is still owed.
            with contextlib.suppress(TrackingClosed):
                self.tracker(provider).mark_revoked(marks, when)
        return self._audit(
            account=provider.account,
            provider=provider.kind,
            profile=self.profile,
            action=action,
            session_ids=session_ids,
            sessions=sessions,
            error=error,
            revoked=revoked,
            at=when,
            outcome=outcome,
        )

    def record_rename(
        self,
        provider: SessionProvider,
        *,
        session_id: str,
        session: Session | None,
        name: str,
        error: str | None,
        at: datetime | None = None,
    ) -> audit.AuditRecord:
        """After each rename attempt: an audit line with the name asked for."""
        return self._audit(
            account=provider.account,
            provider=provider.kind,
            profile=self.profile,
            action=audit.AuditAction.RENAME,
            session_ids=[session_id],
            sessions=[session] if session is not None else [],
            error=error,
            at=at or self.clock(),
            name=name,
        )

    def trust(
        self,
        provider: SessionProvider,
        sessions: Sequence[Session],
        *,
        undo: bool = False,
        at: datetime | None = None,
    ) -> audit.AuditRecord:
        """ "This was me" for these sessions (or its undoing), kept in the history and written
        to the audit trail."""
        self.tracker(provider).trust(sessions, undo=undo)
        return self._audit(
            account=provider.account,
            provider=provider.kind,
            profile=self.profile,
            action=audit.AuditAction.UNTRUST if undo else audit.AuditAction.TRUST,
            session_ids=[s.id for s in sessions],
            sessions=sessions,
            at=at or self.clock(),
        )

    def _audit(self, **fields: Any) -> audit.AuditRecord:
        """One audit record, in the store's trail: the file beside the history, or the shared
        store's table. A shared store closed at quitting is opened once more: the line is owed.

        Raises `audit.AuditError` when it cannot be written."""
        record = audit.make_record(operator=self.operator, **fields)
        if not self.shared:
            audit.append(record, self.audit_path)
            return record
        from session_tui.tracking.postgres import PostgresDatabase

        try:
            database = None if self._closed else self.database()
            if isinstance(database, PostgresDatabase):
                database.append_audit(record)
                return record
            with contextlib.closing(PostgresDatabase(str(self.store.url))) as once:
                once.append_audit(record)
        except (HistoryStoreError, TrackingClosed) as exc:
            raise audit.AuditError(f"Cannot write the audit trail: {exc}") from None
        return record

    def acknowledge(self, alert_ids: Iterable[int], at: datetime | None = None) -> acks.AckResult:
        """These alerts handled, by this operator, for everyone on the store (`tracking.acks`);
        the unseen counts of the accounts they belong to read again."""
        result = acks.acknowledge(self.database(), alert_ids, self.operator, at or self.clock())
        with self._lock:
            touched = [t for k, t in self._trackers.items() if k in result.accounts]
        for tracker in touched:
            self._unseen[tracker.account_key] = tracker.unseen_alerts()
        return result

    def alerts(
        self, *, account: str | None = None, unacked: bool = False, limit: int = 200
    ) -> list[acks.Alert]:
        """The store's newest alerts over every account, or of one `account` as `shown_key`
        writes it (`session-tui alerts`)."""
        prefixed = account is not None and bool(self.profile) and not self.shared
        return acks.alerts(
            self.database(), account=account, prefixed=prefixed, unacked=unacked, limit=limit
        )

    def note_unseen(self, tracker: Tracker) -> tuple[int, int]:
        """The account's unseen alerts read again (a colleague's poll or acknowledgement), and
        the new total over every account."""
        self._unseen[tracker.account_key] = unseen = tracker.unseen_alerts()
        return unseen, self.unseen_alerts()

    def unseen_alerts(self) -> int:
        """Unseen alerts over every account tracked so far (the header's count)."""
        return sum(self._unseen.values())

    def mark_seen(self) -> None:
        for key in [k for k, unseen in self._unseen.items() if unseen]:
            self._tracker(key).mark_seen()
            self._unseen[key] = 0

    def mark_events_seen(self, provider: SessionProvider, event_ids: Iterable[int]) -> None:
        """These alerts were shown (the feed opened): they no longer count as unseen."""
        tracker = self.tracker(provider)
        tracker.mark_seen(event_ids)
        self._unseen[tracker.account_key] = tracker.unseen_alerts()

    def trackers(self) -> Iterable[Tracker]:
        return self._open()

    def close(self) -> None:
        """Close the history file; for good (see the module doc). Safe to call twice."""
        with self._lock:
            self._closed = True
            trackers, self._trackers = list(self._trackers.values()), {}
            database, self._database = self._database, None
        try:
            for tracker in trackers:
                tracker.close()
        finally:
            if database is not None:
                database.close()

    def _open(self) -> list[Tracker]:
        with self._lock:
            return list(self._trackers.values())


def _bring_in(database: HistoryDatabase, key: str) -> None:
    """The account's own file from before one file per profile, copied in once. One that
    cannot be read stays where it is, untouched; the account's history starts here anew."""
    with contextlib.suppress(HistoryStoreError, sqlite3.Error, OSError):
        import_account(database, paths.history_db(key), key)


def risky(risks: dict[str, Risk]) -> dict[str, Risk]:
    """Only the sessions with a risk (worked out here, on the tracking thread: the event loop
    then handles a few, not a whole large account's)."""
    return {sid: risk for sid, risk in risks.items() if risk.reasons}
