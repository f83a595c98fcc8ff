"""The history file's schema: numbered migrations, applied in one transaction on open, and
opening a file ready for two instances at once (WAL, a busy timeout).

A `schema_version` table says how far a file is; an older file upgrades in place, and two
instances opening it at once do not both migrate. Kept apart from the queries (`store.py`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from session_tui import paths
from session_tui.errors import SessionTuiError
from session_tui.tracking.codec import session_from_dict, time_from_text
from session_tui.tracking.describe import Describer
from session_tui.tracking.learning import learn_places

if TYPE_CHECKING:
    from session_tui.tracking.backend import Connection

SCHEMA_VERSION = 6
BUSY_TIMEOUT_S = 10.0


class HistoryStoreError(SessionTuiError):
    """The history database cannot be opened or used (corrupt, newer version, unwritable)."""


# -- migrations -----------------------------------------------------------------------------


def _script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: `executescript` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: the snapshot, ended sessions, events and this app's revocations."""
    _script(
        conn,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE known_sessions (
            id TEXT PRIMARY KEY,
            snapshot TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            first_seen_exact INTEGER NOT NULL,
            signed_in TEXT,
            last_seen_at TEXT NOT NULL
        );
        CREATE TABLE ended_sessions (
            row_id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            device TEXT NOT NULL,
            location TEXT NOT NULL,
            signed_in TEXT,
            ended TEXT NOT NULL,
            ended_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX ended_by_time ON ended_sessions (ended_at);
        CREATE INDEX ended_by_session ON ended_sessions (session_id);
        CREATE TABLE events (
            event_id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            session_id TEXT NOT NULL,
            at TEXT NOT NULL,
            severity TEXT NOT NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX events_by_time ON events (at);
        CREATE TABLE revocations (session_id TEXT PRIMARY KEY, revoked_at TEXT NOT NULL);
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    """Alert rules: known devices and countries, and a seen flag for the header's alert count.

    Existing events count as seen (nobody should meet a wall of old alerts after an upgrade), and
    the devices and countries of every session already on file become known, so the upgrade does
    not turn the account's usual devices into alerts.
    """
    _script(
        conn,
        """
        ALTER TABLE events ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
        UPDATE events SET seen = 1;
        CREATE INDEX events_unseen ON events (seen, severity);
        CREATE TABLE known_devices (
            fingerprint TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE TABLE known_countries (
            code TEXT PRIMARY KEY,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        """,
    )
    rows = conn.execute(
        "SELECT snapshot, last_seen_at FROM known_sessions"
        " UNION ALL SELECT snapshot, ended_at FROM ended_sessions"
    ).fetchall()
    sessions = []
    for snapshot, seen_at in rows:
        data = loads(snapshot)
        if data is not None:
            sessions.append((session_from_dict(data), time_from_text(seen_at)))
    describer = Describer()
    for session, seen_at in sessions:
        if seen_at is not None:
            learn_places(conn, None, [session], seen_at, describer)


def _v3(conn: sqlite3.Connection) -> None:
    """Every row names its account: one file holds all the accounts of a profile (on call, a
    thousand accounts were a thousand files). A file from before holds one account's rows,
    under account "" until `import_account` copies them under the account's key."""
    for table, columns, key in _KEYED:
        _script(
            conn,
            f"""
            CREATE TABLE {table}_v3
                (account TEXT NOT NULL, {columns}, PRIMARY KEY (account, {key}));
            INSERT INTO {table}_v3 SELECT '', * FROM {table};
            DROP TABLE {table};
            ALTER TABLE {table}_v3 RENAME TO {table}
            """,
        )
    _script(
        conn,
        """
        ALTER TABLE ended_sessions ADD COLUMN account TEXT NOT NULL DEFAULT '';
        DROP INDEX ended_by_time;
        DROP INDEX ended_by_session;
        CREATE INDEX ended_by_time ON ended_sessions (account, ended_at);
        CREATE INDEX ended_by_session ON ended_sessions (account, session_id);
        ALTER TABLE events ADD COLUMN account TEXT NOT NULL DEFAULT '';
        DROP INDEX events_by_time;
        DROP INDEX events_unseen;
        CREATE INDEX events_by_time ON events (account, at);
        CREATE INDEX events_unseen ON events (account, seen, severity)
        """,
    )


def _v4(conn: sqlite3.Connection) -> None:
    """Risk signals (issue 24): the networks an account has used, the reasons a session was
    judged risky when it signed in (kept, since what was new then is known now), and the
    sessions the user said were theirs ("this was me") with their device and network."""
    _script(conn, RISK_TABLES)


# v4's tables, in SQL both stores speak (PostgreSQL's first migration creates them too).
RISK_TABLES = """
CREATE TABLE known_networks (
    account TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE risk_notes (
    account TEXT NOT NULL, session_id TEXT NOT NULL, reasons TEXT NOT NULL,
    PRIMARY KEY (account, session_id)
);
CREATE TABLE trusted (
    account TEXT NOT NULL, session_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    network TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (account, session_id)
)
"""


def _v5(conn: sqlite3.Connection) -> None:
    """Acknowledgements (issue 25): who took an alert in hand, and when."""
    _script(
        conn,
        "ALTER TABLE events ADD COLUMN acked_by TEXT; ALTER TABLE events ADD COLUMN acked_at TEXT",
    )


# Who revoked (issue 25): the operator on the "revoked here" mark, then on the ended row, so a
# colleague's revocation on a shared store reads "revoked by alice@ops". SQL both stores speak.
REVOKED_BY = (
    "ALTER TABLE revocations ADD COLUMN operator TEXT;"
    " ALTER TABLE ended_sessions ADD COLUMN revoked_by TEXT"
)


def _v6(conn: sqlite3.Connection) -> None:
    """Who revoked a session (`REVOKED_BY`)."""
    _script(conn, REVOKED_BY)


# Tables whose key becomes (account, key): their columns after `account`, in v2's order.
_KEYED = (
    ("meta", "key TEXT NOT NULL, value TEXT NOT NULL", "key"),
    (
        "known_sessions",
        "id TEXT NOT NULL, snapshot TEXT NOT NULL, first_seen_at TEXT NOT NULL,"
        " first_seen_exact INTEGER NOT NULL, signed_in TEXT, last_seen_at TEXT NOT NULL",
        "id",
    ),
    ("revocations", "session_id TEXT NOT NULL, revoked_at TEXT NOT NULL", "session_id"),
    (
        "known_devices",
        "fingerprint TEXT NOT NULL, label TEXT NOT NULL, first_seen_at TEXT NOT NULL,"
        " last_seen_at TEXT NOT NULL",
        "fingerprint",
    ),
    (
        "known_countries",
        "code TEXT NOT NULL, first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL",
        "code",
    ),
)
# Every table with rows of an account, and the columns an import copies (ids are not copied:
# ended sessions and events get new ones in the file they move to).
ACCOUNT_TABLES: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "known_sessions": (
        "id",
        "snapshot",
        "first_seen_at",
        "first_seen_exact",
        "signed_in",
        "last_seen_at",
    ),
    "revocations": ("session_id", "revoked_at", "operator"),
    "known_devices": ("fingerprint", "label", "first_seen_at", "last_seen_at"),
    "known_countries": ("code", "first_seen_at", "last_seen_at"),
    "ended_sessions": (
        "session_id",
        "snapshot",
        "device",
        "location",
        "signed_in",
        "ended",
        "ended_at",
        "reason",
        "source",
        "revoked_by",
    ),
    "events": ("kind", "session_id", "at", "severity", "payload", "seen", "acked_by", "acked_at"),
    "known_networks": ("key", "label", "first_seen_at", "last_seen_at"),
    "risk_notes": ("session_id", "reasons"),
    "trusted": ("session_id", "fingerprint", "network", "at"),
}


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
    6: _v6,
}


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to `target` in one transaction; returns the version it had before."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        before = schema_version(conn)
        apply_migrations(conn, before, target, MIGRATIONS, "The history database")
        conn.execute("COMMIT")
        return before
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def apply_migrations(
    conn: Connection,
    before: int,
    target: int,
    migrations: dict[int, Callable[[Any], None]],
    what: str,
) -> None:
    """Inside the caller's transaction: the migrations after `before` up to `target`, each
    noted in `schema_version`. A store written by a newer session-tui is refused, never
    written over (either backend)."""
    newest = max(migrations)
    if before > newest:
        raise HistoryStoreError(
            f"{what} was written by a newer session-tui (schema {before}, this version knows "
            f"{newest})."
        )
    for version in range(before + 1, target + 1):
        migrations[version](conn)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating, 0600 in a 0700 directory) a history file ready for concurrent use."""
    paths.ensure_private_dir(path.parent, narrow=paths.is_ours(path))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, paths.FILE_MODE)
        try:
            os.fchmod(fd, paths.FILE_MODE)  # its -wal and -shm files take the same mode
        finally:
            os.close(fd)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
    except (OSError, sqlite3.Error) as exc:
        raise HistoryStoreError(f"Cannot open the history database {path}: {exc}") from None
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL, waiting out another instance that is doing the same.

    SQLite answers "database is locked" to a journal-mode change at once, without consulting the
    busy timeout, when a second connection opens the same new file at that moment; the mode is
    persistent, so a file that is already WAL needs no change at all.
    """
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
