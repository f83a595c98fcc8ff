"""One history file per profile (tracking/database.py, schema v3): accounts share the file and
never each other's rows, and the per-account files of before are brought in, once, whole."""

from __future__ import annotations

import sqlite3
import stat
from dataclasses import dataclass

from test_tracking_support import CURL, FakeClock, session

from session_tui import paths
from session_tui.enrich.risk import LEARNING_DAYS
from session_tui.model import EndReason
from session_tui.tracking.database import IMPORTED_SUFFIX, HistoryDatabase
from session_tui.tracking.service import TrackingService, account_key
from session_tui.tracking.tracker import Tracker


@dataclass(frozen=True)
class Account:
    """What the service needs of a provider to know whose history it is."""

    account: str
    kind: str = "rest"
    server: str = "sessions.example.org"


ALICE, BOB = Account("alice"), Account("bob")
IP_JP = "133.242.0.3"


def _history_files() -> list[str]:
    return sorted(p.name for p in (paths.state_dir() / "history").glob("*.sqlite3*"))


def test_accounts_of_a_profile_share_the_file_not_their_rows() -> None:
    clock = FakeClock()
    service = TrackingService("work", clock=clock)
    service.observe(ALICE, [session("a1"), session("a2")])
    service.observe(BOB, [session("b1")])
    clock.advance(days=LEARNING_DAYS)  # past the learning period: a new device alerts
    alice = service.observe(ALICE, [session("a1"), session("a3", CURL, IP_JP)])
    bob = service.observe(BOB, [])
    assert sorted(e.session_id for e in alice.events) == ["a2", "a3"]
    assert [e.session_id for e in bob.events] == ["b1"]
    assert alice.unseen_alerts == 1 and bob.unseen_alerts == 0
    assert [r.session_id for r in service.tracker(ALICE).history()] == ["a2"]
    assert [r.session_id for r in service.tracker(BOB).history()] == ["b1"]
    assert service.unseen_alerts() == 1
    service.mark_events_seen(BOB, [e.event_id for e in alice.events if e.event_id])
    assert service.unseen_alerts() == 1, "another account's event ids mark nothing"
    service.close()
    assert _history_files() == ["work.profile.sqlite3"]

    again = TrackingService("work", clock=clock)  # a restart: the same rows, still apart
    assert [r.session_id for r in again.tracker(BOB).history()] == ["b1"]
    clock.advance(minutes=1)
    assert again.observe(ALICE, [session("a1"), session("a3", CURL, IP_JP)]).events == []
    again.close()


def test_an_accounts_file_of_before_is_brought_in_once() -> None:
    clock = FakeClock()
    key = account_key(ALICE, "work")
    old = paths.history_db(key)
    with Tracker(key, old, clock=clock) as tracker:  # how each account was kept before
        tracker.observe([session("a1"), session("a2")])
        clock.advance(minutes=1)
        tracker.observe([session("a1")])
        tracker.mark_revoked(["a1"], clock())
    clock.advance(minutes=1)

    service = TrackingService("work", clock=clock)
    (row,) = service.tracker(ALICE).history()
    assert row.session_id == "a2" and row.reason is EndReason.ENDED_ELSEWHERE
    # What it knew is known: a1 is no sign-in, and its going is "revoked here".
    (ended,) = service.observe(ALICE, []).events
    assert ended.session_id == "a1" and ended.reason is EndReason.REVOKED_HERE
    service.close()
    assert not old.exists() and old.with_name(old.name + IMPORTED_SUFFIX).is_file()

    again = TrackingService("work", clock=clock)
    assert [r.session_id for r in again.tracker(ALICE).history()] == ["a1", "a2"]
    assert again.tracker(BOB).history() == []
    again.close()


def test_a_file_of_before_that_cannot_be_read_stays_put() -> None:
    key = account_key(BOB, "work")
    old = paths.history_db(key)
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"not a database at all" * 100)
    service = TrackingService("work", clock=FakeClock())
    assert service.observe(BOB, [session("b1")]).events == []  # a fresh start for bob
    service.close()
    assert old.read_bytes().startswith(b"not a database")


def test_an_interrupted_import_is_not_copied_twice() -> None:
    """The copy committed but the old file was not yet renamed: the next start renames it."""
    clock = FakeClock()
    key = account_key(ALICE, "work")
    old = paths.history_db(key)
    with Tracker(key, old, clock=clock) as tracker:
        tracker.observe([session("a1")])
        clock.advance(minutes=1)
        tracker.observe([])
    copy = old.with_name("copy.sqlite3")
    copy.write_bytes(old.read_bytes())
    TrackingService("work", clock=clock).close()  # never asked for alice: nothing imported
    assert old.is_file()
    service = TrackingService("work", clock=clock)
    assert len(service.tracker(ALICE).history()) == 1
    service.close()
    copy.rename(old)  # as if the rename had not happened
    service = TrackingService("work", clock=clock)
    assert len(service.tracker(ALICE).history()) == 1
    service.close()
    assert not old.exists()


def test_the_schema_names_the_account_in_every_table(tmp_path) -> None:
    clock = FakeClock()
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        tracker.observe([session("a1")])
        clock.advance(minutes=1)
        tracker.observe([])
    conn = sqlite3.connect(tmp_path / "h.sqlite3")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        if table in ("schema_version", "sqlite_sequence"):
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        assert "account" in columns, table
        assert not conn.execute(f"SELECT 1 FROM {table} WHERE account != 'alice'").fetchone()
    conn.close()


def test_two_instances_of_a_profile_write_at_once_without_losing_anything() -> None:
    """Two app instances on one profile (two connections to its file): WAL and the busy
    timeout serialise their writes; each account's record is whole."""
    import threading

    clock = FakeClock()
    errors: list[BaseException] = []

    def run(account: Account, count: int) -> None:
        service = TrackingService("work", clock=clock)
        try:
            for n in range(count):
                service.observe(account, [session(f"{account.account}-{n}")])
        except BaseException as exc:  # pragma: no cover - what the test is about
            errors.append(exc)
        finally:
            service.close()

    threads = [threading.Thread(target=run, args=(a, 30)) for a in (ALICE, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    service = TrackingService("work", clock=clock)
    for account in (ALICE, BOB):
        ended = {r.session_id for r in service.tracker(account).history()}
        assert ended == {f"{account.account}-{n}" for n in range(29)}
    service.close()


def test_a_store_in_a_directory_the_user_chose_leaves_that_directory_alone(tmp_path) -> None:
    """`--store /tmp/team.sqlite3`: the file is private, its directory (a shared, sticky /tmp
    here) keeps its mode; a directory session-tui makes for it is private."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    HistoryDatabase(shared / "team.sqlite3").close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "team.sqlite3").stat().st_mode) == 0o600
    HistoryDatabase(shared / "new" / "team.sqlite3").close()
    assert stat.S_IMODE((shared / "new").stat().st_mode) == 0o700
    own = paths.state_dir() / "history"
    own.mkdir(parents=True)
    own.chmod(0o755)  # left open by something else: session-tui's own is narrowed
    HistoryDatabase(own / "x.profile.sqlite3").close()
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
