"""The shared store on a real PostgreSQL: migrations that several instances run at once, an audit
trail nobody can change, one sign-in alert however many instances see it, and a password that
never leaves the URL it was given in."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest
from test_tracking_support import CURL, IP_GB, FakeClock, session

from session_tui.errors import ConfigError
from session_tui.tracking.audit import make_record
from session_tui.tracking.postgres import PostgresDatabase, conninfo, shown
from session_tui.tracking.schema import HistoryStoreError
from session_tui.tracking.tracker import Tracker


def _at_once(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` on `count` threads released together; their results, or their errors."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_instances_starting_at_once_leave_one_correct_schema(pg_store: str) -> None:
    opened = _at_once(4, lambda _: PostgresDatabase(pg_store))
    assert all(isinstance(db, PostgresDatabase) for db in opened), opened
    for db in opened:
        assert isinstance(db, PostgresDatabase)
        db.close()
    with psycopg.connect(pg_store) as conn:
        versions = conn.execute(
            "SELECT version FROM session_tui.schema_version ORDER BY version"
        ).fetchall()
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'session_tui'"
            )
        }
    assert versions == [(1,), (2,)]
    assert {"events", "known_sessions", "audit_log", "leases", "revisions", "seen_by"} <= tables
    PostgresDatabase(pg_store).close()  # a later start finds nothing to do
    with psycopg.connect(pg_store) as conn:
        assert conn.execute("SELECT count(*) FROM session_tui.schema_version").fetchone() == (2,)


def test_a_first_version_store_is_brought_up_to_date(pg_store: str) -> None:
    """A store made by the first shared-store release (schema 1: no `seen_by`, no "revoked
    by") gains them on the next start, its rows kept."""
    PostgresDatabase(pg_store).close()
    with psycopg.connect(pg_store, autocommit=True) as conn:
        conn.execute("DROP TABLE session_tui.seen_by")
        conn.execute("ALTER TABLE session_tui.revocations DROP COLUMN operator")
        conn.execute("ALTER TABLE session_tui.ended_sessions DROP COLUMN revoked_by")
        conn.execute("DELETE FROM session_tui.schema_version WHERE version = 2")
        conn.execute(
            "INSERT INTO session_tui.events (account, kind, session_id, at, severity, payload)"
            " VALUES ('a', 'sign_in', 's', '2026-12-06T10:00:00Z', 'alert', '{}')"
        )
    PostgresDatabase(pg_store).close()
    with psycopg.connect(pg_store) as conn:
        assert conn.execute("SELECT max(version) FROM session_tui.schema_version").fetchone() == (
            2,
        )
        assert conn.execute("SELECT count(*) FROM session_tui.events").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM session_tui.seen_by").fetchone() == (0,)


def test_a_newer_schema_is_refused_not_overwritten(pg_store: str) -> None:
    PostgresDatabase(pg_store).close()
    with psycopg.connect(pg_store, autocommit=True) as conn:
        conn.execute("INSERT INTO session_tui.schema_version (version) VALUES (99)")
    with pytest.raises(HistoryStoreError, match="newer session-tui"):
        PostgresDatabase(pg_store)


def _record(i: int, operator: str = "alice@ops-1"):
    return make_record(
        account=f"@user{i}:example.org",
        provider="matrix",
        profile="oncall",
        action="force-sign-out",
        session_ids=[f"D{i}"],
        operator=operator,
    )


def test_the_audit_trail_is_append_only(pg_store: str) -> None:
    db = PostgresDatabase(pg_store)
    try:
        db.append_audit(_record(1))
        with psycopg.connect(pg_store, autocommit=True) as conn:
            for statement in (
                "UPDATE session_tui.audit_log SET operator = 'mallory'",
                "DELETE FROM session_tui.audit_log",
                "TRUNCATE session_tui.audit_log",
            ):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(statement)
        ((_text, data),) = list(db.audit_lines())
        assert data is not None and data["operator"] == "alice@ops-1"
    finally:
        db.close()


def test_concurrent_revocations_lose_and_duplicate_no_audit_line(pg_store: str) -> None:
    instances = [PostgresDatabase(pg_store) for _ in range(3)]
    try:

        def revoke(i: int) -> None:
            instances[i % 3].append_audit(_record(i, f"op{i % 3}@ops"))

        assert all(r is None for r in _at_once(30, revoke))
        accounts = [data["account"] for _, data in instances[0].audit_lines() if data]
        assert sorted(accounts) == sorted(f"@user{i}:example.org" for i in range(30))
    finally:
        for db in instances:
            db.close()


def test_a_sign_in_two_instances_see_at_once_is_one_alert(pg_store: str) -> None:
    clock = FakeClock()
    before = [session("a"), session("b")]
    after = [*before, session("new", CURL, IP_GB)]
    trackers = [Tracker("oncall:matrix:@bob:x@x", pg_store, clock=clock) for _ in range(2)]
    try:
        trackers[0].observe(before)
        trackers[1].observe(before)
        clock.advance(minutes=2)
        found = _at_once(2, lambda i: trackers[i].observe(after))
        assert sorted(len(events) for events in found) == [0, 1]  # type: ignore[arg-type]
        for tracker in trackers:  # and both read the one alert back
            assert [e.session_id for e in tracker.events()] == ["new"]
    finally:
        for tracker in trackers:
            tracker.close()


def test_the_password_is_never_shown(pg_store: str, postgres_server) -> None:
    password = postgres_server.password
    db = PostgresDatabase(pg_store)
    try:
        assert password not in db.where
        assert db.where.startswith("postgresql://tester@127.0.0.1:")
    finally:
        db.close()
    wrong = pg_store.replace(password, "not-the-password-123")
    with pytest.raises(HistoryStoreError) as refused:
        PostgresDatabase(wrong)
    assert "not-the-password-123" not in str(refused.value)
    assert "password authentication failed" in str(refused.value)
    closed = f"postgresql://tester:{password}@127.0.0.1:1/x"
    with pytest.raises(HistoryStoreError) as unreachable:
        PostgresDatabase(closed)
    assert password not in str(unreachable.value)


def test_a_store_on_another_machine_is_reached_over_tls_only() -> None:
    info, parts = conninfo("postgresql://ops:secret@db.example.com/sessions")
    assert parts["sslmode"] == "require" and "sslmode=require" in info
    _, local = conninfo("postgresql://ops:secret@127.0.0.1:5432/sessions")
    assert "sslmode" not in local  # loopback: libpq's own default
    with pytest.raises(ConfigError, match="in the clear"):
        conninfo("postgresql://ops:secret@db.example.com/sessions?sslmode=disable")
    assert "secret" not in shown("postgresql://ops:secret@db.example.com/sessions")


def test_the_history_outlives_an_instance(pg_store: str) -> None:
    """Another instance (another engineer's machine) reads what the first recorded."""
    clock = FakeClock()
    with Tracker("k", pg_store, clock=clock) as first:
        first.observe([session("a")])
        clock.advance(minutes=5)
        first.observe([session("a"), session("b", CURL, IP_GB)])
        first.mark_revoked(["b"])
        clock.advance(minutes=1)
        first.observe([session("a")])
    with Tracker("k", pg_store, clock=clock) as second:
        (ended,) = second.history()
        assert (ended.session_id, str(ended.reason)) == ("b", "revoked here")
        assert {e.session_id for e in second.events()} == {"b"}
