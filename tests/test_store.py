"""The history store on real SQLite files: concurrent writers, the v1 -> v2 upgrade, retention."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from test_tracking_support import (
    CHROME_WINDOWS,
    CURL,
    FIREFOX_LINUX,
    IP_BR,
    IP_DE,
    T0,
    FakeClock,
    session,
)

from session_tui.enrich.risk import LEARNING_DAYS
from session_tui.model import EndReason
from session_tui.tracking import schema as schema_module
from session_tui.tracking.codec import session_to_dict, time_to_text
from session_tui.tracking.events import EventKind, Severity
from session_tui.tracking.schema import SCHEMA_VERSION, HistoryStoreError, migrate, schema_version
from session_tui.tracking.tracker import Tracker


def polls() -> list[list]:
    """A scripted account: sessions come and go over 30 polls."""
    out = []
    for k in range(30):
        present = [session("base", FIREFOX_LINUX, IP_DE)]
        present += [
            session(f"s{i}", CURL if i % 2 else CHROME_WINDOWS, IP_BR) for i in range(k // 3)
        ]
        out.append([s for s in present if s.id not in {"s1", "s4"} or k < 20])
    return out


def _run_writer(db: str) -> None:
    clock = FakeClock()
    tracker = Tracker("alice", Path(db), clock=clock)
    try:
        for k, listing in enumerate(polls()):
            tracker.observe(listing, at=T0 + timedelta(seconds=5 * k))
    finally:
        tracker.close()


def _check_single_report(db: Path) -> None:
    with Tracker("alice", db, clock=FakeClock(T0 + timedelta(hours=1))) as tracker:
        events = tracker.events(limit=1000)
        history = tracker.history()
    sign_ins = [e.session_id for e in events if e.kind is EventKind.SIGN_IN]
    ended = [e.session_id for e in events if e.kind is EventKind.ENDED]
    assert sorted(sign_ins) == sorted(f"s{i}" for i in range(29 // 3))  # each exactly once
    assert sorted(ended) == ["s1", "s4"]
    assert sorted(r.session_id for r in history) == ["s1", "s4"]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_two_threads_write_at_once(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait()
            _run_writer(str(db))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    _check_single_report(db)


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_run_writer, args=(str(db),)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    _check_single_report(db)


def test_upgrade_v1_to_v2_on_a_real_file(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=1) == 0
    assert schema_version(conn) == 1
    stamp = time_to_text(T0)
    firefox = session("a", FIREFOX_LINUX, IP_DE)
    old_curl = session("gone", CURL, IP_BR)
    conn.execute(
        "INSERT INTO known_sessions VALUES (?, ?, ?, 0, NULL, ?)",
        ("a", json.dumps(session_to_dict(firefox)), stamp, stamp),
    )
    conn.execute(
        "INSERT INTO ended_sessions (session_id, snapshot, device, location, signed_in, ended,"
        " ended_at, reason, source) VALUES (?, ?, 'curl', 'Brazil', NULL, ?, ?, ?, 'observed')",
        (
            "gone",
            json.dumps(session_to_dict(old_curl)),
            json.dumps({"earliest": None, "latest": stamp}),
            stamp,
            "ended elsewhere",
        ),
    )
    old_event = {
        "type": "sign-in",
        "severity": "alert",
        "at": stamp,
        "session": session_to_dict(old_curl),
    }
    conn.execute(
        "INSERT INTO events (kind, session_id, at, severity, payload) VALUES (?, ?, ?, ?, ?)",
        ("sign-in", "gone", stamp, "alert", json.dumps(old_event)),
    )
    conn.execute("INSERT INTO meta VALUES ('last_poll_at', ?)", (stamp,))
    conn.close()

    clock = FakeClock(T0 + timedelta(minutes=1))
    with Tracker("alice", db, clock=clock) as tracker:
        # v1 events had no seen flag: they count as seen, so no stale alert count appears.
        assert tracker.unseen_alerts() == 0
        assert [r.session_id for r in tracker.history()] == ["gone"]
        assert tracker.history()[0].reason is EndReason.ENDED_ELSEWHERE
        # The devices and countries on file became known: neither is an alert now.
        events = tracker.observe([firefox, session("b", CURL, "200.147.67.9")])
        assert [(e.session_id, e.severity) for e in events] == [("b", Severity.INFO)]
        # A genuinely new one still is, once the account's learning period is over.
        clock.advance(days=LEARNING_DAYS)
        events = tracker.observe(
            [firefox, session("b", CURL, "200.147.67.9"), session("c", CHROME_WINDOWS, IP_DE)]
        )
        assert [(e.session_id, e.severity) for e in events] == [("c", Severity.ALERT)]
    conn = sqlite3.connect(db)
    try:
        assert schema_version(conn) == SCHEMA_VERSION == 6
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=1)

    def broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setitem(schema_module.MIGRATIONS, 2, broken)
    with pytest.raises(RuntimeError):
        migrate(conn)
    assert schema_version(conn) == 1
    assert (
        conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    )
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn)
    conn.execute("INSERT INTO schema_version VALUES (99)")
    conn.close()
    with pytest.raises(HistoryStoreError, match="newer"):
        Tracker("alice", db, clock=FakeClock())


def test_garbage_file_is_a_typed_error(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryStoreError):
        Tracker("alice", db, clock=FakeClock())


def test_retention_prunes_old_rows(tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "h.sqlite3"
    with Tracker("alice", db, retention=timedelta(days=10), clock=clock) as tracker:
        tracker.observe([session("a"), session("old", CHROME_WINDOWS)])
        clock.advance(seconds=5)
        tracker.observe([session("a"), session("b", CURL, IP_BR)])  # old ends; b signs in (alert)
        assert len(tracker.history()) == 1 and len(tracker.events()) == 2
        clock.advance(days=5)
        tracker.observe([session("a")])  # b ends now
        assert len(tracker.history()) == 2
        clock.advance(days=6)  # old history (11 days) is past retention, b's end (6 days) is not
        tracker.observe([session("a")])
        assert [r.session_id for r in tracker.history()] == ["b"]
        assert [e.session_id for e in tracker.events()] == ["b"]
        assert tracker.unseen_alerts() == 0  # the old alert went with its row
        clock.advance(days=30)
        assert tracker.prune() > 0
        assert tracker.history() == [] and tracker.events() == []
        # Curl from Brazil was last used more than 10 days ago: it is forgotten, so it alerts.
        clock.advance(seconds=5)
        tracker.observe([session("a"), session("c", CURL, IP_BR)])
        assert tracker.unseen_alerts() == 1
        # The still-active session was never pruned.
        clock.advance(seconds=5)
        assert tracker.observe([session("a"), session("c", CURL, IP_BR)]) == []
