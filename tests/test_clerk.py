"""Clerk on call, against our model of its documented Backend API (tests/clerk_fake.py):
active sessions over offset pages, place and browser, revoke one, and "sign out everywhere"
done one by one with what failed reported honestly; the secret key, rate limits, and answers
off the documented shape."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from clerk_fake import SECRET, ClerkFake
from test_commands import cli

from session_tui.errors import BadResponse, RateLimited
from session_tui.providers.clerk import ClerkProvider, parse_page

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "clerk-session.schema.json").read_text())
USER = "user_2xCLERK"


async def test_active_sessions_over_pages_with_place_and_browser(clerk: ClerkFake) -> None:
    ids = [clerk.sign_in(USER, ip=f"203.0.113.{i % 250}") for i in range(520)]
    revoked = clerk.sign_in(USER)
    clerk.sessions[revoked]["status"] = "revoked"
    clerk.sign_in("user_other")
    provider = ClerkProvider(clerk.url, SECRET, USER)
    try:
        listed = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert {s.id for s in listed} == set(ids)
    one = listed[0]
    assert one.location is not None and one.location.country_code == "DE"
    assert one.extras["device"]["browser"] == "Chrome/131.0.0.0"
    assert one.last_active_at is not None and one.last_active_at.year == 2026
    assert len([t for m, t in clerk.requests if m == "GET"]) == 2  # 500, then 20


async def test_revoke_one_and_everywhere_one_by_one_with_failures_reported(
    clerk: ClerkFake,
) -> None:
    first, second, third, fourth = (clerk.sign_in(USER) for _ in range(4))
    provider = ClerkProvider(clerk.url, SECRET, USER)
    try:
        await provider.revoke(first)
        assert clerk.sessions[first]["status"] == "revoked"
        clerk.broken.add(fourth)
        await provider.list_sessions()
        ended = await provider.revoke_others()
        assert ended == 2 and set(provider.last_ended or ()) == {second, third}
        assert clerk.active(USER) == [fourth]  # the one that failed is still there
    finally:
        await provider.aclose()


async def test_the_key_rate_limits_and_answers_off_the_documented_shape(clerk: ClerkFake) -> None:
    clerk.sign_in(USER)
    wrong = ClerkProvider(clerk.url, "sk_test_wrong", USER)
    right = ClerkProvider(clerk.url, SECRET, USER)
    try:
        with pytest.raises(Exception, match="refused the secret key"):
            await wrong.list_sessions()
        clerk.throttled = True
        with pytest.raises(RateLimited) as caught:
            await right.list_sessions()
        assert caught.value.retry_after == 11
    finally:
        await wrong.aclose()
        await right.aclose()
    with pytest.raises(BadResponse):
        parse_page([{"id": "s", "status": "active", "latest_activity": []}], 0)
    with pytest.raises(BadResponse):
        parse_page({"data": []}, 0)


def test_what_the_model_sends_matches_the_documented_schema(clerk: ClerkFake) -> None:
    clerk.sign_in(USER, mobile=True)
    listed = httpx.get(
        f"{clerk.url}/v1/sessions",
        params={"user_id": USER},
        headers={"Authorization": f"Bearer {SECRET}"},
    ).json()
    for item in listed:
        jsonschema.validate(item, SCHEMA)


def test_the_command_line_on_call(clerk: ClerkFake) -> None:
    sid = clerk.sign_in(USER, browser="Safari", mobile=True)
    flags = ["--provider", "clerk", "--base-url", clerk.url, "--admin", "--watch", USER]
    listed = cli("list", "--json", *flags, env={"SESSION_TUI_TOKEN": SECRET})
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["id"] == sid and row["device_type"] == "Mobile" and row["country_code"] == "DE"
    assert SECRET not in listed.stdout + listed.stderr
    done = cli("revoke", "--yes", sid, *flags, env={"SESSION_TUI_TOKEN": SECRET})
    assert done.returncode == 0, done.stderr
    assert clerk.active(USER) == []
    no_key = cli("list", *flags)
    assert no_key.returncode == 1 and "SESSION_TUI_TOKEN" in no_key.stderr
