"""Times in words, against a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from session_tui.enrich.times import (
    DEFAULT_ONLINE_WINDOW,
    absolute_text,
    ago_text,
    duration_text,
    expires_text,
    is_online,
    last_active_text,
)

NOW = datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC)


def test_online_window_defaults_to_five_minutes() -> None:
    assert timedelta(minutes=5) == DEFAULT_ONLINE_WINDOW
    assert is_online(NOW - timedelta(minutes=5), NOW)
    assert not is_online(NOW - timedelta(minutes=5, seconds=1), NOW)
    assert is_online(NOW + timedelta(seconds=30), NOW)  # clock skew
    assert not is_online(None, NOW)


def test_online_window_is_configurable() -> None:
    assert not is_online(NOW - timedelta(minutes=2), NOW, timedelta(minutes=1))
    assert last_active_text(NOW - timedelta(minutes=8), NOW, timedelta(minutes=10)) == "Online"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "Online"),
        (timedelta(minutes=4, seconds=59), "Online"),
        (timedelta(minutes=12), "12 minutes ago"),
        (timedelta(hours=3, minutes=5), "3 hours ago"),
        (timedelta(days=2), "2 days ago"),
    ],
)
def test_last_active_text(delta: timedelta, text: str) -> None:
    assert last_active_text(NOW - delta, NOW) == text


def test_missing_times_show_a_dash() -> None:
    assert last_active_text(None, NOW) == "—"
    assert expires_text(None, NOW) == "—"
    assert ago_text(None, NOW) == "—"
    assert absolute_text(None) == "—"
    assert duration_text(None) == "—"


def test_expires_text() -> None:
    assert expires_text(NOW + timedelta(minutes=14, seconds=20), NOW) == "in 14 minutes"
    assert expires_text(NOW + timedelta(days=30), NOW) == "in a month"
    assert expires_text(NOW, NOW) == "expired"
    assert expires_text(NOW - timedelta(hours=1), NOW) == "expired"


def test_ago_text() -> None:
    assert ago_text(NOW - timedelta(seconds=3), NOW) == "3 seconds ago"
    assert ago_text(NOW + timedelta(minutes=5), NOW) == "in 5 minutes"


def test_absolute_text_is_utc_whatever_the_zone() -> None:
    assert absolute_text(NOW) == "2026-11-25 12:00:05 UTC"
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    assert absolute_text(berlin) == "2026-11-25 12:00:05 UTC"
    assert absolute_text(NOW.replace(tzinfo=None)) == "2026-11-25 12:00:05 UTC"


def test_other_zones_compare_correctly() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert last_active_text((NOW - timedelta(minutes=12)).astimezone(tokyo), NOW) == (
        "12 minutes ago"
    )


def test_duration_text() -> None:
    assert duration_text(timedelta(hours=3)) == "3 hours"
    assert duration_text(timedelta(days=2, hours=1)) == "2 days"
    assert duration_text(-timedelta(minutes=7)) == "7 minutes"
