"""The shared store in PostgreSQL (`--store postgresql://…`), through psycopg 3.

One connection per instance, in autocommit mode with explicit transactions, used under the
database's lock as SQLite's is. The queries are the same as SQLite's (`?` placeholders become
psycopg's `%s` here); what differs:
- a write transaction takes the account's advisory lock, so the instance polling an account and
  another acknowledging its alert or marking a revocation queue instead of interleaving;
- each write bumps the account's revision (`revisions`) and notifies `session_tui` with the
  account's key at commit: other instances reload it at once (`listen.py`);
- the audit trail is a table no statement may change or empty (a trigger refuses).

The URL's password is never shown: `where` drops it, and error texts are scrubbed of it. A
server that is not on this machine is reached over TLS only (`sslmode=require` or stronger),
as a session server is only reached over https.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from session_tui.enrich.text import plain
from session_tui.errors import ConfigError
from session_tui.tracking.backend import Written
from session_tui.tracking.postgres_schema import (
    ACCOUNT_LOCK_CLASS,
    LOCK_CLASS,
    MIGRATIONS,
    SCHEMA,
    SCHEMA_VERSION,
)
from session_tui.tracking.schema import HistoryStoreError, apply_migrations

if TYPE_CHECKING:
    import psycopg

    from session_tui.tracking.audit import AuditRecord

CHANNEL = "session_tui"
CONNECT_TIMEOUT_S = 10
NOTIFY_LIMIT = 7_000  # PostgreSQL's payload limit is 8,000 bytes; a longer key notifies ""
SECURE_MODES = ("require", "verify-ca", "verify-full")


@lru_cache(maxsize=256)
def _psycopg_sql(sql: str) -> str:
    """sqlite3's `?` placeholders as psycopg's `%s` (and a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _loopback(host: str) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True  # a Unix socket, or this machine
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def conninfo(url: str) -> tuple[str, dict[str, Any]]:
    """The URL as psycopg takes it, and its parts; refused when it would send the password
    in the clear to another machine."""
    import psycopg.conninfo

    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(f"--store: not a PostgreSQL URL ({_scrub(str(exc), url)}).") from None
    hosts = [h for h in str(parts.get("host") or "").split(",") if h]
    remote = [h for h in hosts if not _loopback(h)] if hosts else []
    mode = str(parts.get("sslmode") or "")
    if remote and mode not in SECURE_MODES:
        if mode:
            raise ConfigError(
                f"--store: sslmode={plain(mode, 32)} would send the password in the clear to "
                f"{plain(remote[0], 128)}; use sslmode=require, verify-ca or verify-full."
            )
        parts["sslmode"] = "require"
    parts.setdefault("application_name", "session-tui")
    parts.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    return psycopg.conninfo.make_conninfo("", **parts), parts


def shown(url: str) -> str:
    """postgresql://user@host:port/db: where the store is, without its password."""
    try:
        _, parts = conninfo(url)
    except ConfigError:
        return "postgresql://(unreadable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return plain(f"postgresql://{user}{parts.get('host') or ''}{port}/{parts.get('dbname', '')}")


def _scrub(text: str, url: str) -> str:
    """An error's text without the URL's password, whatever psycopg put in it."""
    try:
        import psycopg.conninfo

        password = psycopg.conninfo.conninfo_to_dict(url).get("password")
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "[redacted]")
    return plain(text, 500)


class _Connection:
    """psycopg's connection with sqlite3's `execute`/`executemany` (the queries' shape), its
    errors the history's (`HistoryStoreError`), scrubbed of the password."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        with self.database.errors():
            raw = self.database.raw
            if not parameters:
                return raw.execute(sql)
            return raw.execute(_psycopg_sql(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Any:
        with self.database.errors():
            cursor = self.database.raw.cursor()
            cursor.executemany(_psycopg_sql(sql), [tuple(p) for p in parameters])
            return cursor


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection in autocommit mode (transactions are explicit), in our schema."""
    import psycopg

    info, _ = conninfo(url)
    try:
        conn = psycopg.connect(info, autocommit=True)
    except psycopg.Error as exc:
        raise HistoryStoreError(
            f"Cannot open the shared store {shown(url)}: {_scrub(str(exc), url)}"
        ) from None
    conn.execute(f"SET search_path TO {SCHEMA}")
    return conn


class PostgresDatabase:
    """The shared store: one instance's connection to it, migrated, and the lock its users
    share (`backend.Database`)."""

    shared = True
    path: Path | None = None

    def __init__(self, url: str) -> None:
        self.url = url
        self.raw = connect(url)
        self.conn = _Connection(self)
        self.lock = threading.RLock()
        self.closed = False
        try:
            migrate(self)
        except BaseException:
            self.raw.close()
            raise

    @property
    def where(self) -> str:
        return shown(self.url)

    @contextlib.contextmanager
    def write(self, account: str) -> Iterator[Written]:
        written = Written()
        self._reconnect()
        with self.errors():
            self.raw.execute("BEGIN")
            try:
                self.conn.execute(
                    f"SELECT pg_advisory_xact_lock({ACCOUNT_LOCK_CLASS}, hashtext(?))", (account,)
                )
                yield written
                row = self.conn.execute(
                    "INSERT INTO revisions (account, rev) VALUES (?, 1) ON CONFLICT (account)"
                    " DO UPDATE SET rev = revisions.rev + 1 RETURNING rev",
                    (account,),
                ).fetchone()
                key = account if len(account.encode()) <= NOTIFY_LIMIT else ""
                self.conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, key))
            except BaseException:
                with contextlib.suppress(Exception):
                    self.raw.execute("ROLLBACK")
                raise
            self.raw.execute("COMMIT")
            written.version = int(row[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A plain transaction under the lock (the leases': no account's rows, no notice)."""
        with self.lock:
            self._reconnect()
            with self.errors():
                self.raw.execute("BEGIN")
                try:
                    yield
                except BaseException:
                    with contextlib.suppress(Exception):
                        self.raw.execute("ROLLBACK")
                    raise
                self.raw.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        self._reconnect()
        with self.errors():
            self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    self.raw.execute("COMMIT")

    def version(self, account: str) -> int:
        query = "SELECT rev FROM revisions WHERE account = ?"
        row = self.conn.execute(query, (account,)).fetchone()
        return int(row[0]) if row else 0

    def insert_id(self, sql: str, parameters: Sequence[Any], column: str) -> int:
        row = self.conn.execute(f"{sql} RETURNING {column}", parameters).fetchone()
        return int(row[0])

    def append_audit(self, record: AuditRecord) -> None:
        data = record.to_dict()
        with self.lock:
            self._reconnect()
            self.conn.execute(
                "INSERT INTO audit_log (at, account, operator, record) VALUES (?, ?, ?, ?)",
                (data["time"], data["account"], data.get("operator"), json.dumps(data)),
            )

    def audit_lines(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        with self.lock:
            self._reconnect()
            rows = self.conn.execute("SELECT record FROM audit_log ORDER BY record_id").fetchall()
        for (text,) in rows:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            yield text, data if isinstance(data, dict) else None

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.raw.close()

    def _reconnect(self) -> None:
        """A connection the server dropped (a restart, a failover) is opened again before the
        next transaction; what failed with it was reported then."""
        if not self.closed and self.raw.broken:
            with contextlib.suppress(Exception):
                self.raw.close()
            self.raw = connect(self.url)

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """psycopg's errors as the history's, scrubbed of the password."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            raise HistoryStoreError(
                f"The shared store {self.where}: {_scrub(str(exc), self.url)}"
            ) from None


def migrate(database: PostgresDatabase) -> int:
    """Bring the store up to this version in one transaction under the migrations' advisory
    lock; returns the version it had before."""
    conn = database.conn
    with database.transaction():
        conn.execute(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, 0)")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        before = int(row[0] or 0) if row else 0
        apply_migrations(conn, before, SCHEMA_VERSION, MIGRATIONS, "The shared store")
    return before
