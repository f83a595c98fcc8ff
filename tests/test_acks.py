"""Acknowledgements (issue 25): an alert handled by one operator is handled for the team; the
first acknowledgement stands; seen stays each operator's own in a shared store."""

from __future__ import annotations

import threading
from contextlib import closing
from pathlib import Path

from test_tracking_support import CHROME_WINDOWS, FIREFOX_LINUX, IP_BR, IP_DE, FakeClock, session

from session_tui.enrich.risk import LEARNING_SIGN_INS
from session_tui.tracking.acks import acknowledge, alerts
from session_tui.tracking.backend import Database, StoreSpec
from session_tui.tracking.events import Severity
from session_tui.tracking.stores import open_database
from session_tui.tracking.tracker import Tracker


def _open(store: Path | str) -> Database:
    return open_database(StoreSpec.parse(str(store)), Path(str(store)))


def raise_alert(tracker: Tracker, clock: FakeClock) -> tuple[int, int]:
    """A learned account, then a sign-in from a new device and country: (alert id, the id of
    an info event that is no alert)."""
    base = [session(f"s{i}", FIREFOX_LINUX, IP_DE) for i in range(LEARNING_SIGN_INS)]
    tracker.observe(base)
    clock.advance(seconds=5)
    tracker.observe([*base, session("known", FIREFOX_LINUX, IP_DE)])
    clock.advance(seconds=5)
    tracker.observe(
        [*base, session("known", FIREFOX_LINUX, IP_DE), session("d", CHROME_WINDOWS, IP_BR)]
    )
    by_session = {e.session_id: e for e in tracker.events()}
    alert, info = by_session["d"], by_session["known"]
    assert alert.severity is Severity.ALERT and info.severity is Severity.INFO
    assert alert.event_id is not None and info.event_id is not None
    return alert.event_id, info.event_id


def test_the_first_acknowledgement_stands_and_ends_the_count(history) -> None:
    clock = FakeClock()
    with closing(_open(history)) as database, closing(_open(history)) as other:
        tracker = Tracker("alice-account", clock=clock, database=database)
        alert_id, info_id = raise_alert(tracker, clock)
        assert tracker.unseen_alerts() == 1

        clock.advance(minutes=1)
        first = clock.now
        done = acknowledge(other, [alert_id, alert_id, info_id, 999_999], "bob@ops", clock.now)
        assert [a.alert_id for a in done.acked] == [alert_id]  # each id once
        assert done.acked[0].account == "alice-account"
        assert done.not_alerts == [info_id] and done.missing == [999_999]
        assert tracker.unseen_alerts() == 0  # handled: new for nobody
        (event,) = [e for e in tracker.events() if e.event_id == alert_id]
        assert event.acked_by == "bob@ops" and event.acked_at == clock.now and event.seen

        clock.advance(minutes=1)
        again = acknowledge(database, [alert_id], "carol@ops", clock.now)
        assert again.acked == [] and [a.alert_id for a in again.already] == [alert_id]
        assert again.already[0].event.acked_by == "bob@ops"  # the first word stands
        assert again.already[0].event.acked_at == first
        tracker.close()


def test_seen_is_each_operators_own_in_a_shared_store(pg_store: str) -> None:
    clock = FakeClock()
    with closing(_open(pg_store)) as mine, closing(_open(pg_store)) as theirs:
        alice = Tracker("acct", clock=clock, database=mine, viewer="alice@ops")
        bob = Tracker("acct", clock=clock, database=theirs, viewer="bob@ops")
        alert_id, _ = raise_alert(alice, clock)
        assert alice.unseen_alerts() == bob.unseen_alerts() == 1
        alice.mark_seen()  # alice opened her feed
        assert alice.unseen_alerts() == 0 and bob.unseen_alerts() == 1
        assert [e.seen for e in bob.events() if e.event_id == alert_id] == [False]
        acknowledge(theirs, [alert_id], "bob@ops", clock.now)
        assert alice.unseen_alerts() == bob.unseen_alerts() == 0
        alice.close()
        bob.close()


def test_two_operators_acknowledging_at_once_one_wins(pg_store: str) -> None:
    clock = FakeClock()
    with closing(_open(pg_store)) as database:
        tracker = Tracker("acct", clock=clock, database=database)
        alert_id, _ = raise_alert(tracker, clock)
        tracker.close()
    barrier = threading.Barrier(4)
    won: list[str] = []

    def press(name: str) -> None:
        with closing(_open(pg_store)) as own:
            barrier.wait()
            if acknowledge(own, [alert_id], name, clock.now).acked:
                won.append(name)

    threads = [threading.Thread(target=press, args=(f"op{i}@ops",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with closing(_open(pg_store)) as database:
        (event,) = [e for e in Tracker("acct", database=database).events() if e.is_alert]
        assert event.acked_by == won[0]


def test_an_account_is_found_without_its_profiles_name(history) -> None:
    """`alerts --account rest:sam@h` in a profile's own file, whose keys carry the profile's
    name first (any name: "on-call 127.0.0.1"); a key that only ends alike is another."""
    clock = FakeClock()
    with closing(_open(history)) as database:
        sam = Tracker("on-call 127.0.0.1:rest:sam@h", clock=clock, database=database)
        raise_alert(sam, clock)
        other = Tracker("on-call 127.0.0.1:rest:adam@h", clock=clock, database=database)
        raise_alert(other, clock)
        (found,) = alerts(database, account="rest:sam@h", prefixed=True)
        assert found.account == "on-call 127.0.0.1:rest:sam@h"
        assert alerts(database, account="am@h", prefixed=True) == []
        assert alerts(database, account="rest:sam@h") == []  # unprefixed keys: exact only
