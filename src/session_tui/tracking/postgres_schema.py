"""The shared store's schema in PostgreSQL: numbered migrations, run on start by whichever
instance comes first, in one transaction under an advisory lock (a second instance starting at
the same moment waits for it, then finds nothing left to do).

Everything lives in its own schema, `session_tui`, so a database the team already uses for
something else keeps its own `events` or `meta`. Times are RFC 3339 text as in SQLite, so the
row queries are the same on both backends; leases and instance heartbeats are `timestamptz`
read against the server's clock, never a laptop's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from session_tui.tracking.schema import REVOKED_BY, RISK_TABLES

SCHEMA = "session_tui"
SCHEMA_VERSION = 2
LOCK_CLASS = 7351  # pg_advisory_xact_lock(LOCK_CLASS, …): 0 is the migrations' key
ACCOUNT_LOCK_CLASS = 7352  # (ACCOUNT_LOCK_CLASS, hashtext(account)): one account's writers

_V1 = """
CREATE TABLE meta (
    account TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE known_sessions (
    account TEXT NOT NULL, id TEXT NOT NULL, snapshot TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, first_seen_exact INTEGER NOT NULL, signed_in TEXT,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE TABLE revocations (
    account TEXT NOT NULL, session_id TEXT NOT NULL, revoked_at TEXT NOT NULL,
    PRIMARY KEY (account, session_id)
);
CREATE TABLE known_devices (
    account TEXT NOT NULL, fingerprint TEXT NOT NULL, label TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
    PRIMARY KEY (account, fingerprint)
);
CREATE TABLE known_countries (
    account TEXT NOT NULL, code TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
    PRIMARY KEY (account, code)
);
CREATE TABLE ended_sessions (
    row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL, session_id TEXT NOT NULL, snapshot TEXT NOT NULL,
    device TEXT NOT NULL, location TEXT NOT NULL, signed_in TEXT, ended TEXT NOT NULL,
    ended_at TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL
);
CREATE INDEX ended_by_time ON ended_sessions (account, ended_at);
CREATE INDEX ended_by_session ON ended_sessions (account, session_id);
CREATE TABLE events (
    event_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL, kind TEXT NOT NULL, session_id TEXT NOT NULL, at TEXT NOT NULL,
    severity TEXT NOT NULL, payload TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0,
    acked_by TEXT, acked_at TEXT
);
CREATE INDEX events_by_time ON events (account, at);
CREATE INDEX events_unseen ON events (account, seen, severity);
CREATE TABLE revisions (account TEXT PRIMARY KEY, rev BIGINT NOT NULL);
CREATE TABLE audit_log (
    record_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL, account TEXT NOT NULL, operator TEXT, record TEXT NOT NULL
);
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'the session-tui audit trail is append-only';
END
$body$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_never_emptied BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TABLE leases (
    account TEXT PRIMARY KEY, instance TEXT NOT NULL, operator TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL, polled_at TIMESTAMPTZ
);
CREATE TABLE instances (
    instance TEXT PRIMARY KEY, operator TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL
)
"""


def _statements(script: str) -> list[str]:
    """The script's statements; a function body (between $body$ marks) keeps its semicolons."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for piece in script.split(";"):
        current.append(piece)
        quoted ^= piece.count("$body$") % 2 == 1
        if not quoted:
            statement = ";".join(current).strip()
            if statement:
                out.append(statement)
            current = []
    return out


def _v1(conn: Any) -> None:
    """The whole schema of SQLite's v5, plus what only a shared store has: the audit trail
    (append-only: a trigger refuses UPDATE, DELETE and TRUNCATE), each account's revision (a
    reader's "nothing changed since"), and the leases and heartbeats of one poller per account.
    """
    for statement in [*_statements(_V1), *_statements(RISK_TABLES)]:
        conn.execute(statement)


def _v2(conn: Any) -> None:
    """Seen is each operator's own (`seen_by`): one engineer opening the feed no longer clears
    a colleague's count. What was seen before counts as seen by everyone, as it did. And who
    revoked a session (`schema.REVOKED_BY`)."""
    conn.execute(
        "CREATE TABLE seen_by (event_id BIGINT NOT NULL REFERENCES events ON DELETE CASCADE,"
        " operator TEXT NOT NULL, PRIMARY KEY (event_id, operator))"
    )
    for statement in _statements(REVOKED_BY):
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[Any], None]] = {1: _v1, 2: _v2}
