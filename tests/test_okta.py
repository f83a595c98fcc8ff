"""Okta on call, against our model of its documented APIs (tests/okta_fake.py): sign-ins read
from the System Log across pages, kept only while Okta calls the session ACTIVE, with place
and network; revoke one and clear a user's sessions; the token, rate limits, a hostile user
id, and log answers off the documented shape."""

from __future__ import annotations

import json

import pytest
from okta_fake import TOKEN, OktaFake
from test_commands import cli

from session_tui.errors import BadResponse, RateLimited
from session_tui.providers.okta import KIND, OktaProvider, sign_ins


async def test_live_sign_ins_from_the_log_with_place_and_network(okta: OktaFake) -> None:
    uid = okta.add_user("carol@example.com")
    live = [okta.sign_in(uid, ip=f"203.0.113.{i}") for i in range(3)]
    ended = okta.sign_in(uid)
    okta.end(ended)
    expired = okta.sign_in(uid)
    okta.sessions.pop(expired)  # gone without an end event (it expired): Okta says 404
    for _ in range(120):  # someone else's noise, and enough events for two log pages
        okta.sign_in(okta.add_user(f"x{len(okta.users)}@example.com"))
    for _ in range(110):
        okta.sign_in(uid, ip="192.0.2.1")
        okta.end(next(iter(sorted(okta.live(uid) - set(live)))))
    provider = OktaProvider(okta.url, TOKEN, "carol@example.com")
    try:
        listed = {s.id: s for s in await provider.list_sessions()}
    finally:
        await provider.aclose()
    assert set(listed) == set(live)
    one = listed[live[0]]
    assert one.location is not None and one.location.country_code == "DE"
    # System Log's geolocation: the server's coordinates, for the travel check (issue 24)
    assert (one.location.latitude, one.location.longitude) == (52.52, 13.405)
    assert one.extras["kind"] == KIND and one.extras["asn"].startswith("AS3320")
    assert one.expires_at is not None and one.user_agent and "Safari" in one.user_agent
    assert len([t for m, t in okta.requests if t.startswith("/api/v1/logs")]) >= 2


async def test_revoke_one_then_clear_every_session(okta: OktaFake) -> None:
    uid = okta.add_user("dave@example.com")
    first, *_ = (okta.sign_in(uid) for _ in range(3))
    provider = OktaProvider(okta.url, TOKEN, uid)
    try:
        await provider.revoke(first)
        assert first not in okta.sessions
        await provider.list_sessions()
        assert await provider.revoke_others() == 2
    finally:
        await provider.aclose()
    assert okta.live(uid) == set()
    assert ("DELETE", f"/api/v1/users/{uid}/sessions") in okta.requests


async def test_rate_limits_hostile_user_ids_and_odd_logs(okta: OktaFake) -> None:
    uid = okta.add_user("erin@example.com")
    okta.sign_in(uid)
    provider = OktaProvider(okta.url, TOKEN, uid)
    okta.throttled = True
    try:
        with pytest.raises(RateLimited) as caught:
            await provider.list_sessions()
        assert caught.value.retry_after is not None and 8 <= caught.value.retry_after <= 14
    finally:
        await provider.aclose()
    okta.throttled = False
    okta.users['00u" or true'] = "mallory@example.com"  # an id that would break the filter
    hostile = OktaProvider(okta.url, TOKEN, "mallory@example.com")
    try:
        with pytest.raises(BadResponse):
            await hostile.list_sessions()
    finally:
        await hostile.aclose()
    assert not [t for m, t in okta.requests if "logs" in t and "mallory" in t]
    with pytest.raises(BadResponse):
        sign_ins({"events": []})
    with pytest.raises(BadResponse):
        sign_ins(["not an event"])
    assert sign_ins([{"eventType": "user.session.start", "authenticationContext": {}}]) == []


def test_the_command_line(okta: OktaFake) -> None:
    uid = okta.add_user("frank@example.com")
    sid = okta.sign_in(uid, country="France")
    flags = [
        "--provider",
        "okta",
        "--base-url",
        okta.url,
        "--admin",
        "--watch",
        "frank@example.com",
    ]
    listed = cli("list", "--json", *flags, env={"SESSION_TUI_TOKEN": TOKEN})
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["id"] == sid and row["country_code"] == "FR"
    assert TOKEN not in listed.stdout + listed.stderr
    done = cli("revoke", "--yes", sid, *flags, env={"SESSION_TUI_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert okta.live(uid) == set()
