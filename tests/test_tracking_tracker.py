"""The tracker over a real SQLite file and a real PostgreSQL (`history`: both): restarts,
vanished-while-away reasons, revocations, the API's own history, and what the history pane
gets."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

from test_tracking_support import (
    CHROME_WINDOWS,
    CURL,
    IP_BR,
    IP_GB,
    T0,
    FakeClock,
    learned,
    session,
)

from session_tui import paths
from session_tui.model import EndedSession, EndReason
from session_tui.tracking.events import Ended, EventKind, IpChanged, SignIn, TimeRange
from session_tui.tracking.tracker import Tracker

HM = lambda d: d.strftime("%H:%M")  # noqa: E731


def test_default_path_is_per_account_in_the_state_dir(isolated_dirs) -> None:
    with Tracker("@bob:example.org@matrix", clock=FakeClock()) as tracker:
        tracker.observe([session("a")])
    assert tracker.path == paths.history_db("@bob:example.org@matrix")
    assert tracker.path.is_relative_to(isolated_dirs / "state")
    assert tracker.path.exists()
    assert tracker.path.stat().st_mode & 0o777 == 0o600
    assert tracker.path.parent.stat().st_mode & 0o777 == 0o700


def test_restart_does_not_re_report_existing_sessions(history) -> None:
    clock = FakeClock()
    db = history
    sessions = [session("a"), session("b", CHROME_WINDOWS)]
    with Tracker("alice", db, clock=clock) as first:
        assert first.observe(sessions) == []
        clock.advance(seconds=5)
        new = first.observe([*sessions, session("c", CURL, IP_GB)])
        assert [e.session_id for e in new] == ["c"]
    clock.advance(minutes=10)
    with Tracker("alice", db, clock=clock) as second:
        assert second.observe([*sessions, session("c", CURL, IP_GB)]) == []
        assert [e.session_id for e in second.events()] == ["c"]


def test_sign_in_while_away_is_reported_with_an_honest_time(history) -> None:
    clock = FakeClock()
    db = history
    with Tracker("alice", db, clock=clock) as first:
        first.observe(learned())
    clock.advance(hours=3)
    with Tracker("alice", db, clock=clock) as second:
        (event,) = second.observe([*learned(), session("z", CURL, IP_BR)])
    assert isinstance(event, SignIn)
    assert event.signed_in == TimeRange(T0, T0 + timedelta(hours=3))
    assert event.signed_in.label(HM) == "between 12:00 and 15:00"
    assert event.is_alert


def test_vanished_while_away_reasons(history) -> None:
    clock = FakeClock()
    db = history
    expiring = session("exp", expires=T0 + timedelta(hours=1))
    lasting = session("gone", CHROME_WINDOWS, expires=T0 + timedelta(days=30))
    no_expiry = session("gone2", CURL)
    with Tracker("alice", db, clock=clock) as first:
        first.observe([session("a"), expiring, lasting, no_expiry])
    clock.advance(hours=2)
    with Tracker("alice", db, clock=clock) as second:
        events = second.observe([session("a")])
        history = {row.session_id: row for row in second.history()}
    ended = {e.session_id: e for e in events}
    assert all(isinstance(e, Ended) for e in events)
    assert ended["exp"].reason is EndReason.EXPIRED
    assert ended["exp"].ended == TimeRange.exact(T0 + timedelta(hours=1))
    for sid in ("gone", "gone2"):
        assert ended[sid].reason is EndReason.ENDED_ELSEWHERE
        assert ended[sid].ended.label(HM) == "between 12:00 and 14:00"
    # Baseline sessions signed in at some unknown time before the first observation.
    row = history["gone"]
    assert row.signed_in == TimeRange.before(T0)
    assert row.signed_in.label(HM) == "before 12:00"
    assert row.duration == timedelta(hours=2)
    assert row.duration_is_minimum
    assert row.source == "observed"


def test_revoked_here_then_history(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        created = T0 - timedelta(days=1)
        target = session("b", CHROME_WINDOWS, created=created)
        tracker.observe([session("a", current=True), target])
        clock.advance(seconds=3)
        tracker.mark_revoked(["b"])
        revoked_at = clock.now
        clock.advance(seconds=2)
        (event,) = tracker.observe([session("a", current=True)])
        assert isinstance(event, Ended)
        assert event.reason is EndReason.REVOKED_HERE
        (row,) = tracker.history()
        assert row.reason is EndReason.REVOKED_HERE
        assert row.ended == TimeRange.exact(revoked_at)
        assert row.signed_in == TimeRange.exact(created)
        assert row.duration == timedelta(days=1, seconds=3)
        assert not row.duration_is_minimum
        assert "Chrome" in row.device


def test_revocation_noticed_by_a_poll_first_is_corrected(history) -> None:
    """A poll racing the revoke sees the session gone before mark_revoked: fix the reason."""
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe([session("a"), session("b", CHROME_WINDOWS)])
        clock.advance(seconds=5)
        (event,) = tracker.observe([session("a")])
        assert event.reason is EndReason.ENDED_ELSEWHERE
        tracker.mark_revoked(["b"])
        (row,) = tracker.history()
        assert row.reason is EndReason.REVOKED_HERE
        (stored,) = tracker.events(kinds=[EventKind.ENDED])
        assert stored.reason is EndReason.REVOKED_HERE


def test_merge_api_history(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe([session("a"), session("b", CHROME_WINDOWS)])
        clock.advance(minutes=5)
        tracker.observe([session("a")])  # b: our guess is "ended elsewhere"
        old = session("old", CURL, IP_GB, created=T0 - timedelta(days=3))
        api = [
            EndedSession(
                session("b", CHROME_WINDOWS), T0 + timedelta(minutes=2), EndReason.SIGNED_OUT
            ),
            EndedSession(old, T0 - timedelta(days=2), EndReason.REVOKED),
            EndedSession(session("a"), None, EndReason.REVOKED),  # still active for us: skipped
            EndedSession(session("ancient"), T0 - timedelta(days=400), EndReason.EXPIRED),
        ]
        assert tracker.merge_api_history(api) == 2
        rows = {r.session_id: r for r in tracker.history()}
        assert set(rows) == {"b", "old"}
        assert rows["b"].reason is EndReason.SIGNED_OUT
        assert rows["b"].ended == TimeRange.exact(T0 + timedelta(minutes=2))
        assert rows["old"].reason is EndReason.REVOKED
        assert rows["old"].source == "api"
        assert rows["old"].duration == timedelta(days=1)
        # Merging again changes nothing.
        assert tracker.merge_api_history(api) == 0
        assert [r.session_id for r in tracker.history()] == ["b", "old"]


def test_a_sign_in_only_the_servers_history_knows_alerts_when_new(history) -> None:
    """A sign-in that ended between polls (Keycloak's login events): in the feed as an alert
    when it came from a new device or country; quiet when nothing about it was new."""
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe(learned())
        clock.advance(minutes=5)
        api = [
            EndedSession(session("same", created=T0 + timedelta(minutes=1)), T0, EndReason.REVOKED),
            EndedSession(
                session("brazil", CURL, IP_BR, created=T0 + timedelta(minutes=2)),
                T0 + timedelta(minutes=3),
                EndReason.SIGNED_OUT,
            ),
        ]
        assert tracker.merge_api_history(api) == 2
        [alert] = tracker.events(kinds=[EventKind.SIGN_IN])
        assert isinstance(alert, SignIn) and alert.session_id == "brazil" and alert.is_alert
        assert alert.at == T0 + timedelta(minutes=2)
        assert tracker.unseen_alerts() == 1
        assert tracker.merge_api_history(api) == 0  # once
        assert len(tracker.events(kinds=[EventKind.SIGN_IN])) == 1


def test_ip_change_is_stored(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe([session("a")])
        clock.advance(seconds=5)
        events = tracker.observe([session("a", ip="85.214.132.9")])
        assert [type(e) for e in events] == [IpChanged]
        assert [type(e) for e in tracker.events()] == [IpChanged]
        assert tracker.events(kinds=[EventKind.SIGN_IN]) == []


def test_stale_listing_from_another_instance_is_ignored(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe([session("a")])
        clock.advance(seconds=10)
        tracker.observe([session("a")])
        stale = T0 + timedelta(seconds=5)
        assert tracker.observe([session("a"), session("late", CURL)], at=stale) == []
        assert tracker.events() == []


def test_events_round_trip_and_json_has_no_raw_controls(tmp_path) -> None:
    clock = FakeClock()
    hostile = "[bold red]x\x1b]8;;http://evil\x07click\x1b]8;;\x07\nnext"
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        tracker.observe(learned())
        clock.advance(seconds=5)
        sneaky = replace(
            session("b", CURL, IP_BR, name=hostile), extras={"access_token": "syt_secret_value"}
        )
        (event,) = tracker.observe([*learned(), sneaky])
        (stored,) = tracker.events()
    assert stored.event_id == event.event_id is not None
    assert stored.rules == event.rules and stored.severity is event.severity
    assert stored.session == event.session
    text = event.to_json("alice")
    assert "\x1b" not in text and "\\u001b" not in text and "\\n" not in text
    assert '"account": "alice"' in text
    assert '"severity": "alert"' in text
    assert "[bold red]" in text  # literal, not interpreted
    assert "syt_secret_value" not in text and "access_token" not in text
    for stored_file in tmp_path.glob("h.sqlite3*"):
        assert b"syt_secret_value" not in stored_file.read_bytes()


def test_an_old_end_elsewhere_is_not_relabelled(tmp_path) -> None:
    clock = FakeClock()
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        tracker.observe([session("a"), session("b", CHROME_WINDOWS)])
        clock.advance(seconds=5)
        tracker.observe([session("a")])
        clock.advance(hours=1)
        tracker.mark_revoked(["b"])
        (row,) = tracker.history()
        assert row.reason is EndReason.ENDED_ELSEWHERE


# -- polls that change nothing are not written ----------------------------------------------


def _wal_size(db) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _stored_poll_time(db) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT value FROM meta WHERE key = 'last_poll_at'").fetchone()[0]
    finally:
        conn.close()


def _ours(clock: FakeClock):
    """Our own session: the contract counts every listing as its activity."""
    return replace(session("me", current=True), last_active_at=clock.now)


def test_unchanged_polls_write_nothing_but_changes_keep_their_timing(tmp_path) -> None:
    clock, db = FakeClock(), tmp_path / "h.sqlite3"
    with Tracker("alice", db, clock=clock) as tracker:
        tracker.observe([_ours(clock), session("b", CHROME_WINDOWS)])
        first_write, wal = _stored_poll_time(db), _wal_size(db)
        for _ in range(20):
            clock.advance(seconds=10)
            assert tracker.observe([_ours(clock), session("b", CHROME_WINDOWS)]) == []
        assert _wal_size(db) == wal, "20 identical polls grew the WAL"
        assert _stored_poll_time(db) == first_write
        last_quiet = clock.now
        clock.advance(seconds=10)
        (event,) = tracker.observe([_ours(clock)])
    assert isinstance(event, Ended) and event.session_id == "b"
    # Timed against the last poll that saw it, not the last one that was written.
    assert event.ended == TimeRange(last_quiet, clock.now)


def test_activity_that_moved_far_enough_is_written(tmp_path) -> None:
    clock, db = FakeClock(), tmp_path / "h.sqlite3"
    with Tracker("alice", db, clock=clock) as tracker:
        tracker.observe([_ours(clock)])
        first_write = _stored_poll_time(db)
        clock.advance(minutes=4)
        tracker.observe([_ours(clock)])
        assert _stored_poll_time(db) == first_write
        clock.advance(minutes=2)
        tracker.observe([_ours(clock)])
        assert _stored_poll_time(db) != first_write


def test_pruning_still_runs_hourly_through_quiet_polls(tmp_path) -> None:
    clock, db = FakeClock(), tmp_path / "h.sqlite3"
    with Tracker("alice", db, clock=clock) as tracker:
        tracker.observe([session("a")])
        first_write = _stored_poll_time(db)
        for _ in range(5):
            clock.advance(minutes=10)
            tracker.observe([session("a")])
        assert _stored_poll_time(db) == first_write
        clock.advance(minutes=10)
        tracker.observe([session("a")])  # an hour since the last prune
        assert _stored_poll_time(db) != first_write


def test_the_last_quiet_poll_is_written_on_close(history) -> None:
    clock, db = FakeClock(), history
    with Tracker("alice", db, clock=clock) as first:
        first.observe([session("a")])
        clock.advance(minutes=30)
        first.observe([session("a")])
    last_seen = clock.now
    clock.advance(hours=2)
    with Tracker("alice", db, clock=clock) as second:
        (event,) = second.observe([session("a"), session("z", CURL, IP_BR)])
    assert isinstance(event, SignIn)
    assert event.signed_in == TimeRange(last_seen, clock.now)


def test_a_quiet_poll_is_not_trusted_after_another_instance_wrote(tmp_path) -> None:
    clock, db = FakeClock(), tmp_path / "h.sqlite3"
    with Tracker("alice", db, clock=clock) as one:
        one.observe([session("a"), session("b", CHROME_WINDOWS)])
        with Tracker("alice", db, clock=clock) as two:
            clock.advance(seconds=10)
            assert two.observe([session("a"), session("b", CHROME_WINDOWS)]) == []  # quiet
            clock.advance(seconds=10)
            (ended,) = one.observe([session("a")])
            assert ended.session_id == "b"
            written = _stored_poll_time(db)
        # Closing `two` does not write its quiet poll (of the older snapshot) over the newer one.
        assert _stored_poll_time(db) == written
        with Tracker("alice", db, clock=clock) as three:
            clock.advance(seconds=10)
            assert three.observe([session("a")]) == []  # `one` already reported it
            assert [e.session_id for e in three.events()] == ["b"]


def test_history_and_alerts_name_a_device_without_user_agent_by_its_name(history) -> None:
    clock = FakeClock()
    phone = session("CADPAFUCUP", None, name="iPhone")
    with Tracker("alice", history, clock=clock) as tracker:
        tracker.observe([session("me", current=True)])
        clock.advance(seconds=10)
        signed_in = tracker.observe([session("me", current=True), phone, session("X1", None)])
        clock.advance(seconds=10)
        tracker.observe([session("me", current=True)])
        rows = tracker.history()
    assert sorted(event.device for event in signed_in) == ["X1", "iPhone"]
    assert sorted(row.device for row in rows) == ["X1", "iPhone"]
