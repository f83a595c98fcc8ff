"""One history file shared by every account of a profile, and bringing in the files of before.

On call a thousand watched accounts were a thousand SQLite files (and a cache of open ones
to stay under the file-descriptor limit); now a profile has one file, one connection, and each
account's `HistoryStore` sees only its own rows (schema v3: every row names its account).

A transaction belongs to the connection, not to a thread, so the stores sharing a database
also share its `lock`, and every tracker holds it for a whole operation.

A profile's accounts used to have a file each (`paths.history_db`). The first time an account
is opened, such a file is copied in under the account's key and renamed `*.imported`, kept
rather than deleted: nothing a user had is lost to an upgrade.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from session_tui.tracking.backend import Written
from session_tui.tracking.schema import ACCOUNT_TABLES, HistoryStoreError, connect, migrate

IMPORTED_SUFFIX = ".imported"


class HistoryDatabase:
    """An open history file (migrated to the current schema) and the lock its users share.
    Its audit trail is not in it: a JSON Lines file beside it (`tracking.audit`)."""

    shared = False  # one machine: its instances share the file, not a team

    def __init__(self, path: Path) -> None:
        self.path: Path | None = path
        self.conn = connect(path)
        try:
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise HistoryStoreError(f"The history database {path} is unusable: {exc}") from None
        except BaseException:
            self.conn.close()
            raise
        self.lock = threading.RLock()
        self.closed = False

    @property
    def where(self) -> str:
        return str(self.path)

    @contextlib.contextmanager
    def write(self, account: str) -> Iterator[Written]:
        """`BEGIN IMMEDIATE`, taken up front so concurrent writers (another instance on this
        file) queue on the busy timeout instead of failing halfway. SQLite's data_version does
        not move for a connection's own commits, so the version is the one read before."""
        self.conn.execute("BEGIN IMMEDIATE")
        written = Written(self.version(account))
        try:
            yield written
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def version(self, account: str) -> int:
        """SQLite's data_version: another connection committed when it moved (any account's
        rows; a file is one profile, so a few spurious reloads at most)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def insert_id(self, sql: str, parameters: Sequence[Any], column: str) -> int:
        return int(self.conn.execute(sql, parameters).lastrowid or 0)

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.conn.close()


def adopt_rows(conn: sqlite3.Connection, account: str) -> None:
    """A file of one account opened as such (a `Tracker` given its own path): the rows it had
    before accounts were named (under "") are that account's."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in ACCOUNT_TABLES:
            conn.execute(f"UPDATE {table} SET account = ? WHERE account = ''", (account,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _has_rows(conn: sqlite3.Connection, account: str) -> bool:
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE account = ? LIMIT 1", (account,)).fetchone()
        for table in ACCOUNT_TABLES
    )


def import_account(database: HistoryDatabase, old: Path, account: str) -> bool:
    """Copy the account's file of before into `database` under `account`, in one transaction,
    and set the old file aside; False when there is no such file (or it is the database).

    An account that already has rows here is not copied again (an earlier import that was
    interrupted before the rename); the old file is set aside all the same.
    """
    if database.path is None or not old.is_file() or old.resolve() == database.path.resolve():
        return False
    source = HistoryDatabase(old)  # migrated in place
    try:
        with database.lock:
            conn = database.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not _has_rows(conn, account):
                    for table, columns in ACCOUNT_TABLES.items():
                        names = ", ".join(columns)
                        rows = source.conn.execute(  # "" before v3, or opened as its own
                            f"SELECT {names} FROM {table} WHERE account IN ('', ?)", (account,)
                        ).fetchall()
                        marks = ", ".join("?" for _ in range(len(columns) + 1))
                        conn.executemany(
                            f"INSERT OR IGNORE INTO {table} (account, {names}) VALUES ({marks})",
                            [(account, *row) for row in rows],
                        )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    finally:
        source.close()
    os.replace(old, old.with_name(old.name + IMPORTED_SUFFIX))
    for extra in ("-wal", "-shm"):  # normally gone with the last connection
        with contextlib.suppress(OSError):
            old.with_name(old.name + extra).unlink()
    return True
