"""Alert rules graded by risk (issue 24): a new device or country alerts after the learning
period, any medium or high risk alerts, a new network alone does not; baseline silence; a
sign-in judged again when its details arrive; travel between sign-ins and of one session."""

from __future__ import annotations

from datetime import timedelta

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

from session_tui.enrich.networks import Network, NetworkKind
from session_tui.enrich.risk import (
    LEARNING_DAYS,
    LEARNING_SIGN_INS,
    Familiar,
    RiskCode,
    RiskLevel,
    combined,
    network_reasons,
    novelty_reasons,
)
from session_tui.tracking.alerts import classify
from session_tui.tracking.events import AlertRule, Severity, SignIn, TimeRange
from session_tui.tracking.tracker import Tracker

LEARNED = Familiar(first_seen=FakeClock().now - timedelta(days=30), sign_ins=LEARNING_SIGN_INS)


def sign_in(s):
    clock = FakeClock()
    return SignIn(session=s, at=clock.now, signed_in=TimeRange.exact(clock.now))


def novelty(**new):
    asked = {"country": None, "network": None, "device": None, **new}
    return combined(novelty_reasons(LEARNED, FakeClock().now, **asked))


def test_a_known_device_and_country_is_info() -> None:
    graded = classify(sign_in(session("new", FIREFOX_LINUX_OLD, IP_DE)), novelty())
    assert graded.severity is Severity.INFO and graded.rules == () and graded.reasons == ()


def test_a_new_device_alerts_with_its_reason() -> None:
    graded = classify(sign_in(session("new", CURL)), novelty(device=("d", "API client · curl")))
    assert graded.severity is Severity.ALERT
    assert graded.rules == (AlertRule.NEW_DEVICE,)
    assert graded.reasons == ("new device: API client · curl",)
    assert graded.risk.level is RiskLevel.LOW and graded.risk.codes == (RiskCode.NEW_DEVICE,)
    data = graded.to_dict(sanitise=True)
    assert data["rules"] == ["new-device"] and data["risk"]["level"] == "low"
    assert data["risk"]["reasons"][0]["code"] == "new_device"


def test_a_new_country_alerts() -> None:
    graded = classify(sign_in(session("new", ip=IP_BR)), novelty(country=("BR", "Brazil")))
    assert graded.severity is Severity.ALERT and graded.rules == (AlertRule.NEW_COUNTRY,)
    assert "new country: Brazil" in graded.summary


def test_a_new_network_alone_is_recorded_but_rings_no_bell() -> None:
    network = Network("AS3320", 3320, "Deutsche Telekom AG", None, None)
    graded = classify(sign_in(session("new")), novelty(network=network))
    assert graded.severity is Severity.INFO
    assert graded.rules == (AlertRule.NEW_NETWORK,) and graded.risk.level is RiskLevel.LOW


def test_medium_risk_alerts_whatever_the_reason() -> None:
    cloud = Network("AS24940", 24940, None, NetworkKind.HOSTING, "Hetzner")
    browser = classify(sign_in(session("new")), combined(network_reasons(cloud, api_client=False)))
    assert browser.severity is Severity.ALERT and browser.rules == (AlertRule.HOSTING_NETWORK,)
    api = classify(sign_in(session("new", CURL)), combined(network_reasons(cloud, api_client=True)))
    assert api.severity is Severity.INFO  # an API client in a cloud is where it lives


def test_the_apps_own_new_session_is_info() -> None:
    graded = classify(
        sign_in(session("me", CURL, IP_BR, current=True)), novelty(device=("d", "curl"))
    )
    assert graded.severity is Severity.INFO and graded.risk.level is RiskLevel.NONE


def learned_account(tracker: Tracker, *more) -> list:
    """A first listing of `LEARNING_SIGN_INS` sessions from one Firefox in Germany (and
    `more`): the learning period is over from the next poll on."""
    base = [session(f"s{i}", FIREFOX_LINUX, IP_DE) for i in range(LEARNING_SIGN_INS)]
    base += more
    assert tracker.observe(base) == []
    return base


def test_baseline_is_silent_then_rules_apply(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        base = learned_account(tracker)
        assert tracker.events() == [] and tracker.unseen_alerts() == 0

        clock.advance(seconds=5)
        events = tracker.observe([*base, session("c", FIREFOX_LINUX, "85.214.132.1")])
        assert [(e.session_id, e.severity) for e in events] == [("c", Severity.INFO)]

        clock.advance(seconds=5)
        events = tracker.observe([*base, session("d", CHROME_WINDOWS, IP_BR)])
        (alert,) = [e for e in events if e.session_id == "d"]
        assert alert.severity is Severity.ALERT
        # Germany to Brazil in seconds, too: the account's previous sign-in was in Germany.
        assert set(alert.rules) == {
            AlertRule.NEW_DEVICE, AlertRule.NEW_COUNTRY, AlertRule.NEW_NETWORK,
            AlertRule.IMPOSSIBLE_TRAVEL,
        }  # fmt: skip
        assert alert.risk.level is RiskLevel.HIGH
        assert tracker.unseen_alerts() == 1
        assert tracker.risks([*base, alert.session])["d"].level is RiskLevel.HIGH

        # A day later the same device, country and network again: nothing new, possible.
        clock.advance(days=1)
        events = tracker.observe([*base, session("e", CHROME_WINDOWS, "200.147.67.1")])
        assert [e.severity for e in events if e.session_id == "e"] == [Severity.INFO]

        tracker.mark_seen()
        assert tracker.unseen_alerts() == 0
        assert tracker.events(limit=1)[0].seen


def test_the_learning_period_holds_new_things_back_until_it_ends(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        base = [session("a", FIREFOX_LINUX, IP_DE)]
        tracker.observe(base)
        clock.advance(days=LEARNING_DAYS - 1)
        events = tracker.observe([*base, session("b", CURL, IP_DE)])
        (quiet,) = [e for e in events if isinstance(e, SignIn)]
        assert quiet.severity is Severity.INFO and quiet.rules == ()  # still learning
        clock.advance(days=1)
        events = tracker.observe([*base, session("c", CHROME_WINDOWS, IP_DE)])
        (alert,) = [e for e in events if isinstance(e, SignIn)]
        assert alert.severity is Severity.ALERT and alert.rules == (AlertRule.NEW_DEVICE,)


def test_a_sign_in_listed_without_details_is_judged_again_when_they_arrive(history) -> None:
    """A loaded server may list a new device before its user agent and address: the alert
    comes when they do, not never."""
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        base = learned_account(tracker, session("blank", None, None))
        clock.advance(hours=5)
        first = tracker.observe([*base, session("n", None, None)])
        assert [(e.session_id, e.severity) for e in first] == [("n", Severity.INFO)]
        clock.advance(hours=5)
        later = tracker.observe([*base, session("n", CURL, IP_BR)])
        (alert,) = [e for e in later if isinstance(e, SignIn)]
        assert alert.session_id == "n" and alert.severity is Severity.ALERT
        assert {AlertRule.NEW_DEVICE, AlertRule.NEW_COUNTRY} <= set(alert.rules)
        assert tracker.unseen_alerts() == 1
        # Judged once: the same details again are nothing new.
        clock.advance(seconds=5)
        again = tracker.observe([*base, session("n", CURL, IP_BR)])
        assert not [e for e in again if isinstance(e, SignIn)]


def test_a_session_that_jumps_too_far_too_soon_is_impossible_travel(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        base = [session("a", FIREFOX_LINUX, IP_DE), session("b", CURL, IP_BR)]
        tracker.observe(base)
        clock.advance(seconds=5)
        moved = tracker.observe([session("a", FIREFOX_LINUX, IP_BR), base[1]])
        # Brazil is known here, and the account is still learning: the jump alone alerts.
        (alert,) = [e for e in moved if isinstance(e, SignIn)]
        assert alert.severity is Severity.ALERT and alert.rules == (AlertRule.IMPOSSIBLE_TRAVEL,)
        assert "Germany to" in alert.reasons[0] and "Brazil" in alert.reasons[0]
        risk = tracker.risks([session("a", FIREFOX_LINUX, IP_BR), base[1]])
        assert risk["a"].codes == (RiskCode.IMPOSSIBLE_TRAVEL,) and risk["b"].reasons == ()
        # Slowly enough, the same move is a journey.
        clock.advance(days=2)
        tracker.observe([session("a", FIREFOX_LINUX, IP_DE), base[1]])
        assert tracker.risks([session("a", FIREFOX_LINUX, IP_DE), base[1]])["a"].codes == (
            RiskCode.IMPOSSIBLE_TRAVEL,
        )  # what was found stays until the user says it was them


def test_this_was_me_clears_the_risk_and_the_next_alike_sign_in(history) -> None:
    clock = FakeClock()
    with Tracker("alice", history, clock=clock) as tracker:
        base = learned_account(tracker)
        clock.advance(hours=1)
        odd = session("d", CURL, IP_BR)
        tracker.observe([*base, odd])
        assert tracker.risks([*base, odd])["d"].level is RiskLevel.MEDIUM  # three new things
        tracker.trust([odd])
        assert tracker.risks([*base, odd])["d"].level is RiskLevel.NONE
        # Another session from that device and network: no new device, no alert.
        clock.advance(hours=1)
        twin = session("t", CURL, "200.147.67.99")
        events = tracker.observe([*base, odd, twin])
        (sign_in_event,) = [e for e in events if isinstance(e, SignIn)]
        assert sign_in_event.severity is Severity.INFO
        assert tracker.risks([*base, odd, twin])["t"].level is RiskLevel.NONE
        tracker.trust([odd], undo=True)
        assert tracker.risks([*base, odd, twin])["d"].level is RiskLevel.MEDIUM
