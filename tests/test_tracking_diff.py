"""The pure diff of two polls: sign-ins, each end reason, IP and location changes."""

from __future__ import annotations

from datetime import timedelta

from test_tracking_support import CHROME_WINDOWS, IP_BR, IP_DE, IP_GB, T0, session

from session_tui.model import EndReason, Location
from session_tui.tracking.diff import Snapshot, diff
from session_tui.tracking.events import (
    Ended,
    IpChanged,
    LocationChanged,
    SignIn,
    TimeRange,
)

LATER = T0 + timedelta(seconds=5)


def snap(*sessions, taken_at=T0, signed_in=None):
    return Snapshot(taken_at, {s.id: s for s in sessions}, signed_in or {})


def test_no_change_no_events() -> None:
    a, b = session("a"), session("b", CHROME_WINDOWS)
    assert diff(snap(a, b), [a, b], LATER) == []


def test_new_session_is_a_sign_in_between_polls() -> None:
    a, b = session("a"), session("b", CHROME_WINDOWS, IP_GB)
    events = diff(snap(a), [a, b], LATER)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, SignIn)
    assert event.session_id == "b"
    assert event.at == LATER
    assert event.signed_in == TimeRange(T0, LATER)
    assert "Chrome" in event.device and "Windows" in event.device
    assert "United Kingdom" in event.location


def test_sign_in_uses_the_api_creation_time() -> None:
    created = T0 - timedelta(minutes=1)
    events = diff(snap(), [session("b", created=created)], LATER)
    assert isinstance(events[0], SignIn)
    assert events[0].signed_in == TimeRange.exact(created)
    assert events[0].signed_in.is_exact


def test_baseline_reports_no_sign_ins() -> None:
    assert diff(Snapshot(None), [session("a"), session("b")], T0) == []


def test_revoked_here() -> None:
    a, b = session("a"), session("b")
    revoked_at = T0 + timedelta(seconds=2)
    events = diff(snap(a, b), [a], LATER, revoked_here={"b": revoked_at})
    assert len(events) == 1
    ended = events[0]
    assert isinstance(ended, Ended)
    assert ended.reason is EndReason.REVOKED_HERE
    assert ended.ended == TimeRange.exact(revoked_at)


def test_expired() -> None:
    expiry = T0 + timedelta(seconds=3)
    a = session("a", expires=expiry)
    (ended,) = diff(snap(a), [], LATER)
    assert isinstance(ended, Ended)
    assert ended.reason is EndReason.EXPIRED
    assert ended.ended == TimeRange.exact(expiry)


def test_not_yet_expired_is_ended_elsewhere_between_polls() -> None:
    a = session("a", expires=LATER + timedelta(hours=1))
    signed = TimeRange.before(T0)
    (ended,) = diff(snap(a, signed_in={"a": signed}), [], LATER)
    assert isinstance(ended, Ended)
    assert ended.reason is EndReason.ENDED_ELSEWHERE
    assert ended.ended == TimeRange(T0, LATER)
    assert ended.ended.label(lambda d: d.strftime("%H:%M:%S")) == "between 12:00:00 and 12:00:05"
    assert ended.signed_in == signed


def test_ip_change() -> None:
    before, after = session("a", ip=IP_DE), session("a", ip="85.214.132.118")
    events = diff(snap(before), [after], LATER)
    assert len(events) == 1
    change = events[0]
    assert isinstance(change, IpChanged)
    assert (change.old_ip, change.new_ip) == (IP_DE, "85.214.132.118")
    assert "→" in change.summary


def test_ip_appearing_is_not_a_change_but_is_judged_again() -> None:
    events = diff(snap(session("a", ip=None)), [session("a", ip=IP_DE)], LATER)
    # No IP or location change (there was none before); the place became known, so the
    # sign-in is judged again (the tracker keeps that only if it alerts).
    assert [type(e) for e in events] == [SignIn]


def test_location_change_with_ip_change() -> None:
    events = diff(snap(session("a", ip=IP_DE)), [session("a", ip=IP_BR)], LATER)
    kinds = {type(e) for e in events}
    assert kinds == {IpChanged, LocationChanged, SignIn}  # SignIn: judged again (new country)
    moved = next(e for e in events if isinstance(e, LocationChanged))
    assert "Germany" in moved.old_location and "Brazil" in moved.new_location


def test_provider_location_change_without_ip_change() -> None:
    berlin = Location(city="Berlin", country_code="DE")
    munich = Location(city="Munich", country_code="DE")
    events = diff(snap(session("a", location=berlin)), [session("a", location=munich)], LATER)
    assert [type(e) for e in events] == [LocationChanged]


def test_time_range_labels() -> None:
    fmt = lambda d: d.strftime("%H:%M")  # noqa: E731
    assert TimeRange.exact(T0).label(fmt) == "12:00"
    assert TimeRange.before(T0).label(fmt) == "before 12:00"
    assert TimeRange(T0, T0 + timedelta(seconds=5)).label(fmt) == "12:00"
    assert TimeRange(T0, T0 + timedelta(hours=2)).label(fmt) == "between 12:00 and 14:00"
