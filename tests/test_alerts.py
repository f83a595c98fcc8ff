"""Alert rules: new device fingerprint, new country, known device, baseline silence."""

from __future__ import annotations

from test_tracking_support import (
    CHROME_WINDOWS,
    CURL,
    FIREFOX_LINUX,
    FIREFOX_LINUX_OLD,
    IP_BR,
    IP_DE,
    FakeClock,
    session,
)

from session_tui.tracking.alerts import KnownPlaces, classify
from session_tui.tracking.describe import Describer, fingerprint_of
from session_tui.tracking.events import AlertRule, Severity, SignIn, TimeRange
from session_tui.tracking.tracker import Tracker


def sign_in(s):
    clock = FakeClock()
    return SignIn(session=s, at=clock.now, signed_in=TimeRange.exact(clock.now))


def known_from(*sessions) -> KnownPlaces:
    describer = Describer()
    return KnownPlaces(
        devices={fingerprint_of(s).key for s in sessions},
        countries={c for s in sessions if (c := describer.country(s))},
    )


def test_known_device_and_country_is_info() -> None:
    known = known_from(session("old", FIREFOX_LINUX_OLD, IP_DE))
    graded = classify(sign_in(session("new", FIREFOX_LINUX, "85.214.132.200")), known)
    assert graded.severity is Severity.INFO
    assert graded.rules == ()


def test_new_device_fires_the_device_rule() -> None:
    known = known_from(session("old", FIREFOX_LINUX, IP_DE))
    graded = classify(sign_in(session("new", CURL, IP_DE)), known)
    assert graded.severity is Severity.ALERT
    assert graded.rules == (AlertRule.NEW_DEVICE,)
    assert graded.reasons == ("new device: API client · curl",)


def test_new_country_fires_the_country_rule() -> None:
    known = known_from(session("old", FIREFOX_LINUX, IP_DE))
    graded = classify(sign_in(session("new", FIREFOX_LINUX, IP_BR)), known)
    assert graded.severity is Severity.ALERT
    assert graded.rules == (AlertRule.NEW_COUNTRY,)
    assert graded.reasons == ("new country: Brazil",)
    assert "new country: Brazil" in graded.summary


def test_both_rules() -> None:
    known = known_from(session("old", FIREFOX_LINUX, IP_DE))
    graded = classify(sign_in(session("new", CHROME_WINDOWS, IP_BR)), known)
    assert graded.rules == (AlertRule.NEW_DEVICE, AlertRule.NEW_COUNTRY)


def test_private_address_is_no_new_country() -> None:
    known = known_from(session("old", FIREFOX_LINUX, IP_DE))
    graded = classify(sign_in(session("new", FIREFOX_LINUX, "192.168.1.20")), known)
    assert graded.severity is Severity.INFO


def test_own_new_session_is_info() -> None:
    known = known_from(session("old", FIREFOX_LINUX, IP_DE))
    graded = classify(sign_in(session("me", CURL, IP_BR, current=True)), known)
    assert graded.severity is Severity.INFO


def test_baseline_is_silent_then_rules_apply(tmp_path) -> None:
    clock = FakeClock()
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        base = [session("a", FIREFOX_LINUX, IP_DE), session("b", CHROME_WINDOWS, IP_DE)]
        assert tracker.observe(base) == []
        assert tracker.events() == []
        assert tracker.unseen_alerts() == 0

        clock.advance(seconds=5)
        events = tracker.observe([*base, session("c", CHROME_WINDOWS, "85.214.132.1")])
        assert [(e.session_id, e.severity) for e in events] == [("c", Severity.INFO)]

        clock.advance(seconds=5)
        events = tracker.observe([*base, session("d", CURL, IP_BR)])
        (alert,) = [e for e in events if e.session_id == "d"]
        assert alert.severity is Severity.ALERT
        assert set(alert.rules) == {AlertRule.NEW_DEVICE, AlertRule.NEW_COUNTRY}
        assert tracker.unseen_alerts() == 1

        # Once seen on the account, the same device and country are info.
        clock.advance(seconds=5)
        events = tracker.observe([*base, session("e", CURL, "200.147.67.1")])
        assert [e.severity for e in events if e.session_id == "e"] == [Severity.INFO]

        tracker.mark_seen()
        assert tracker.unseen_alerts() == 0
        assert tracker.events(limit=1)[0].seen


def test_a_sign_in_listed_without_details_is_judged_again_when_they_arrive(tmp_path) -> None:
    """A loaded server may list a new device before its user agent and address: the alert
    comes when they do, not never."""
    clock = FakeClock()
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        base = [session("a", FIREFOX_LINUX, IP_DE), session("blank", None, None)]
        tracker.observe(base)
        clock.advance(seconds=5)
        first = tracker.observe([*base, session("n", None, None)])
        assert [(e.session_id, e.severity) for e in first] == [("n", Severity.INFO)]
        clock.advance(seconds=5)
        later = tracker.observe([*base, session("n", CURL, IP_BR)])
        (alert,) = [e for e in later if isinstance(e, SignIn)]
        assert alert.session_id == "n" and alert.severity is Severity.ALERT
        assert set(alert.rules) == {AlertRule.NEW_DEVICE, AlertRule.NEW_COUNTRY}
        assert tracker.unseen_alerts() == 1
        # Judged once: the same details again are nothing new.
        clock.advance(seconds=5)
        again = tracker.observe([*base, session("n", CURL, IP_BR)])
        assert not [e for e in again if isinstance(e, SignIn)]


def test_a_known_device_moving_within_known_places_raises_nothing(tmp_path) -> None:
    clock = FakeClock()
    with Tracker("alice", tmp_path / "h.sqlite3", clock=clock) as tracker:
        base = [session("a", FIREFOX_LINUX, IP_DE), session("b", CURL, IP_BR)]
        tracker.observe(base)
        clock.advance(seconds=5)
        moved = tracker.observe([session("a", FIREFOX_LINUX, IP_BR), base[1]])
        assert not [e for e in moved if isinstance(e, SignIn)]  # Brazil is known here
