"""An account's history: its rows of a profile's store (SQLite by default, or PostgreSQL
shared by a team; `backend.py` says what differs, and these queries are the same on both).

Why it looks like this:
- One store per profile (`paths.profile_history_db`, or `--store`), every row naming its
  account: on call a thousand accounts are one file and one connection, and no account's store
  ever reads or writes another's rows.
- Short write transactions that concurrent writers of the account queue for (SQLite's
  `BEGIN IMMEDIATE`, PostgreSQL's advisory lock): two instances watching the same account
  serialise their writes, and because each poll reads the stored snapshot inside its own write
  transaction, a session the other instance already recorded is not reported twice.
- A `schema_version` table and numbered migrations per backend (`schema.py`,
  `postgres_schema.py`), applied in one transaction on open, so an older store upgrades in
  place and two instances opening it at once do not both migrate.

All methods except `write()`/`read()` themselves and the read-only queries expect to run inside
`write()`. Stores sharing a database share its connection: callers hold `database.lock`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from session_tui import paths
from session_tui.model import EndReason, Session
from session_tui.tracking import alert_rows
from session_tui.tracking.backend import Connection, Database, StoreSpec
from session_tui.tracking.codec import (
    session_from_dict,
    session_to_dict,
    time_from_text,
    time_to_text,
)
from session_tui.tracking.database import HistoryDatabase, adopt_rows
from session_tui.tracking.describe import Describer
from session_tui.tracking.diff import Snapshot
from session_tui.tracking.events import (
    Event,
    EventKind,
    TimeRange,
)
from session_tui.tracking.history_rows import HistoryRow, ended_row_kwargs, history_row
from session_tui.tracking.learning import learn_places
from session_tui.tracking.schema import SCHEMA_VERSION, HistoryStoreError, loads
from session_tui.tracking.stores import open_database

__all__ = ["SCHEMA_VERSION", "HistoryRow", "HistoryStore", "HistoryStoreError", "ended_row_kwargs"]

# (HistoryRow and the rows' decoding live in tracking/history_rows.py; named here as before.)

LAST_POLL = "last_poll_at"
LAST_PRUNE = "last_prune_at"
WATCHED_SINCE = "watched_since"  # the account's first observation: the baseline


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _range_text(value: TimeRange | None) -> str | None:
    return None if value is None else _dumps(value.to_dict())


class HistoryStore:
    """One account's rows. Not thread-safe by itself: the `Tracker` holds the database's lock."""

    def __init__(
        self,
        database: Database | Path | str,
        describer: Describer | None = None,
        *,
        account: str = "",
        viewer: str | None = None,
    ) -> None:
        """The rows of `account` in `database` (shared with other accounts' stores), or in a
        store of its own when given a file's path or a PostgreSQL URL (closed with it).
        `viewer`: whose "seen" the alert counts are (`alert_rows`; None: the store's owner)."""
        self._owns = isinstance(database, Path | str)
        if isinstance(database, Path):
            database = HistoryDatabase(database)
        elif isinstance(database, str):
            database = open_database(StoreSpec.parse(database), paths.history_db(account))
        self.database: Database = database
        self.path = self.database.path
        self.conn = self.database.conn
        self.account = account
        self.viewer = viewer
        self.describer = describer or Describer()
        if self._owns and account and isinstance(self.database, HistoryDatabase):
            adopt_rows(self.database.conn, account)
        # The snapshot as last loaded or written, and the database's version of the account
        # then: while no other connection has written since, it is the stored snapshot, without
        # decoding every known session again (10,000 JSON rows per poll on a large account).
        self._memo: Snapshot | None = None
        self._memo_version = -1

    def close(self) -> None:
        if self._owns:
            self.database.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One short write transaction; taken up front so concurrent writers queue, not fail."""
        memo = self._memo
        try:
            with self.database.write(self.account) as written:
                yield self.conn
        except BaseException:
            self._memo = None
            raise
        if self._memo is memo:  # written without `remember`: the memo may be out of date
            self._memo = None
        else:
            self._memo_version = written.version

    def remember(self, snapshot: Snapshot) -> None:
        """Inside a write: this is the snapshot the transaction leaves in the store."""
        self._memo = snapshot

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: several queries see the same state, and nothing is written."""
        with self.database.read():
            yield self.conn

    # -- meta ---------------------------------------------------------------------------------

    def get_time(self, key: str) -> datetime | None:
        row = self.conn.execute(
            "SELECT value FROM meta WHERE account = ? AND key = ?", (self.account, key)
        ).fetchone()
        return time_from_text(row[0]) if row else None

    def set_time(self, key: str, value: datetime) -> None:
        self.conn.execute(
            "INSERT INTO meta (account, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (account, key) DO UPDATE SET value = excluded.value",
            (self.account, key, time_to_text(value)),
        )

    # -- the snapshot -------------------------------------------------------------------------

    def load_snapshot(self) -> Snapshot:
        version = self.database.version(self.account)
        if self._memo is not None and version == self._memo_version:
            return self._memo
        self._memo = self._decode_snapshot()
        self._memo_version = version
        return self._memo

    def _decode_snapshot(self) -> Snapshot:
        sessions: dict[str, Session] = {}
        signed_in: dict[str, TimeRange] = {}
        for sid, snapshot, signed in self.conn.execute(
            "SELECT id, snapshot, signed_in FROM known_sessions WHERE account = ?",
            (self.account,),
        ):
            data = loads(snapshot)
            if not isinstance(data, dict):
                continue
            sessions[sid] = session_from_dict(data)
            if (when := TimeRange.from_dict(loads(signed))) is not None:
                signed_in[sid] = when
        return Snapshot(self.get_time(LAST_POLL), sessions, signed_in)

    def upsert_known(
        self, session: Session, at: datetime, *, first_seen_exact: bool, signed_in: TimeRange
    ) -> None:
        """Record a session as present at `at`; first-seen facts are kept from the first time."""
        stamp = time_to_text(at)
        self.conn.execute(
            "INSERT INTO known_sessions (account, id, snapshot, first_seen_at,"
            " first_seen_exact, signed_in, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account, id) DO UPDATE SET"
            " snapshot = excluded.snapshot, last_seen_at = excluded.last_seen_at",
            (
                self.account,
                session.id,
                _dumps(session_to_dict(session)),
                stamp,
                int(first_seen_exact),
                _range_text(signed_in),
                stamp,
            ),
        )

    def refresh_known(self, session: Session, at: datetime) -> None:
        """Bring a known session's snapshot and last-seen time up to `at` (no insert)."""
        self.conn.execute(
            "UPDATE known_sessions SET snapshot = ?, last_seen_at = ? WHERE account = ? AND id = ?",
            (_dumps(session_to_dict(session)), time_to_text(at), self.account, session.id),
        )

    def known_ids(self) -> set[str]:
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM known_sessions WHERE account = ?", (self.account,)
            )
        }

    def forget_known(self, session_id: str) -> None:
        self.conn.execute(
            "DELETE FROM known_sessions WHERE account = ? AND id = ?", (self.account, session_id)
        )

    # -- revocations --------------------------------------------------------------------------

    def revocations(self) -> dict[str, datetime]:
        out: dict[str, datetime] = {}
        for sid, at in self.conn.execute(
            "SELECT session_id, revoked_at FROM revocations WHERE account = ?", (self.account,)
        ):
            if (when := time_from_text(at)) is not None:
                out[sid] = when
        return out

    def add_revocation(self, session_id: str, at: datetime, operator: str | None = None) -> None:
        self.conn.execute(
            "INSERT INTO revocations (account, session_id, revoked_at, operator)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account, session_id) DO UPDATE SET"
            " revoked_at = excluded.revoked_at, operator = excluded.operator",
            (self.account, session_id, time_to_text(at), operator),
        )

    def revoker(self, session_id: str) -> str | None:
        """Who marked the session revoked (None: nobody, or before operators were kept)."""
        row = self.conn.execute(
            "SELECT operator FROM revocations WHERE account = ? AND session_id = ?",
            (self.account, session_id),
        ).fetchone()
        return None if row is None else row[0]

    def clear_revocation(self, session_id: str) -> None:
        self.conn.execute(
            "DELETE FROM revocations WHERE account = ? AND session_id = ?",
            (self.account, session_id),
        )

    # -- ended sessions -----------------------------------------------------------------------

    def add_ended(
        self,
        session: Session,
        *,
        device: str,
        location: str,
        signed_in: TimeRange | None,
        ended: TimeRange,
        reason: EndReason,
        source: str,
        revoked_by: str | None = None,
    ) -> int:
        return self.database.insert_id(
            "INSERT INTO ended_sessions (account, session_id, snapshot, device, location,"
            " signed_in, ended, ended_at, reason, source, revoked_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account,
                session.id,
                _dumps(session_to_dict(session)),
                device,
                location,
                _range_text(signed_in),
                _range_text(ended),
                time_to_text(ended.latest),
                str(reason),
                source,
                revoked_by,
            ),
            "row_id",
        )

    def latest_ended(self, session_id: str) -> HistoryRow | None:
        row = self.conn.execute(
            f"SELECT {_HISTORY_COLUMNS} FROM ended_sessions WHERE account = ? AND session_id = ?"
            " ORDER BY row_id DESC LIMIT 1",
            (self.account, session_id),
        ).fetchone()
        return history_row(row) if row else None

    def update_ended(
        self, row_id: int, reason: EndReason, ended: TimeRange, revoked_by: str | None = None
    ) -> None:
        self.conn.execute(
            "UPDATE ended_sessions SET reason = ?, ended = ?, ended_at = ?, revoked_by = ?"
            " WHERE account = ? AND row_id = ?",
            (
                str(reason),
                _range_text(ended),
                time_to_text(ended.latest),
                revoked_by,
                self.account,
                row_id,
            ),
        )
        # The matching "ended" event tells the same story.
        for event_id, payload in self.conn.execute(
            "SELECT event_id, payload FROM events WHERE account = ? AND kind = ? AND session_id ="
            " (SELECT session_id FROM ended_sessions WHERE account = ? AND row_id = ?)"
            " ORDER BY event_id DESC LIMIT 1",
            (self.account, str(EventKind.ENDED), self.account, row_id),
        ).fetchall():
            data = loads(payload)
            if isinstance(data, dict):
                data["reason"] = str(reason)
                data["ended"] = ended.to_dict()
                self.conn.execute(
                    "UPDATE events SET payload = ? WHERE event_id = ?", (_dumps(data), event_id)
                )

    def history(self, limit: int = 200) -> list[HistoryRow]:
        rows = self.conn.execute(
            f"SELECT {_HISTORY_COLUMNS} FROM ended_sessions WHERE account = ?"
            " ORDER BY ended_at DESC, row_id DESC LIMIT ?",
            (self.account, max(0, limit)),
        ).fetchall()
        viewer = self.viewer
        return [r for r in (history_row(row, viewer) for row in rows) if r is not None]

    # -- events -------------------------------------------------------------------------------

    def add_event(self, event: Event) -> int:
        return self.database.insert_id(
            "INSERT INTO events (account, kind, session_id, at, severity, payload, seen)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)",
            (
                self.account,
                str(event.kind),
                event.session_id,
                time_to_text(event.at),
                str(event.severity),
                _dumps(event.to_dict()),
            ),
            "event_id",
        )

    def events(self, limit: int = 200, kinds: Sequence[EventKind] | None = None) -> list[Event]:
        return alert_rows.read_events(self.conn, self.account, self.viewer, limit, kinds)

    def unseen_alerts(self) -> int:
        return alert_rows.unseen_alerts(self.conn, self.account, self.viewer)

    def mark_seen(self, event_ids: Iterable[int] | None = None) -> None:
        alert_rows.mark_seen(self.conn, self.account, self.viewer, event_ids)

    # -- what the account has used ------------------------------------------------------------

    def learn(self, sessions: Iterable[Session], at: datetime) -> None:
        learn_places(self.conn, self.account, sessions, at, self.describer)

    # -- retention ----------------------------------------------------------------------------

    def prune(self, cutoff: datetime) -> int:
        """Delete history, events, revocation marks and known devices older than `cutoff`.

        Sessions still active are never pruned, whatever their age. A device or country not used
        for the whole retention period is forgotten, so its next sign-in alerts again.
        """
        stamp = time_to_text(cutoff)
        removed = 0
        for statement in (
            "DELETE FROM ended_sessions WHERE account = ? AND ended_at < ?",
            "DELETE FROM events WHERE account = ? AND at < ?",
            "DELETE FROM revocations WHERE account = ? AND revoked_at < ?",
            "DELETE FROM known_devices WHERE account = ? AND last_seen_at < ?",
            "DELETE FROM known_countries WHERE account = ? AND last_seen_at < ?",
            "DELETE FROM known_networks WHERE account = ? AND last_seen_at < ?",
        ):
            removed += self.conn.execute(statement, (self.account, stamp)).rowcount
        return removed


_HISTORY_COLUMNS = (
    "row_id, snapshot, device, location, signed_in, ended, reason, source, revoked_by"
)
