"""Auth0 on call, against our model of its documented Management API (tests/auth0_fake.py):
checkpoint pages, first and last place and network, revoke one, sign a user out (202),
client credentials renewed when they run out, scopes, rate limits, and answers off the
documented shape."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from auth0_fake import CLIENT_ID, CLIENT_SECRET, WATCHER_ID, WATCHER_SECRET, Auth0Fake
from test_commands import cli

from session_tui.errors import BadResponse, Forbidden, RateLimited
from session_tui.providers.auth0 import Auth0Provider, parse_page
from session_tui.providers.oidc import Realm, Tokens
from session_tui.providers.tokens import SharedTokens, TokenSource

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "auth0-sessions.schema.json").read_text())
USER = "auth0|64f1c0ffee"


def provider(auth0: Auth0Fake, scopes: set[str] | None = None) -> Auth0Provider:
    token = auth0.issue(scopes or {"read:sessions", "delete:sessions"})
    realm = Realm("auth0", "", "", token_endpoint="/oauth/token")
    return Auth0Provider(
        auth0.url, SharedTokens(TokenSource(realm, Tokens(token, None, 1e12))), USER
    )


async def test_a_users_sessions_over_pages_with_place_and_network(auth0: Auth0Fake) -> None:
    ids = [auth0.sign_in(USER, ip=f"203.0.113.{i}") for i in range(150)]
    auth0.sign_in("auth0|someone-else")
    p = provider(auth0)
    try:
        listed = await p.list_sessions()
    finally:
        await p.aclose()
    assert {s.id for s in listed} == set(ids)
    one = listed[0]
    assert one.user_agent == "curl/8.5.0" and one.extras["asn"] == "AS3320"
    assert one.extras["initial"].endswith("(AS3320)") and one.extras["clients"] == "web-app"
    assert not any(s.is_current for s in listed)
    pages = [t for m, t in auth0.requests if "/sessions" in t and m == "GET"]
    assert len(pages) == 2 and "from=" in pages[1]


async def test_revoke_one_then_sign_the_user_out(auth0: Auth0Fake) -> None:
    first, *_others = (auth0.sign_in(USER) for _ in range(3))
    p = provider(auth0)
    try:
        await p.revoke(first)
        assert first not in auth0.sessions
        await p.list_sessions()
        assert await p.revoke_others() == 2
        assert auth0.of(USER) == []
        assert ("DELETE", f"/api/v2/users/{USER.replace('|', '%7C')}/sessions") in auth0.requests
    finally:
        await p.aclose()


async def test_scopes_rate_limits_and_answers_off_the_documented_shape(auth0: Auth0Fake) -> None:
    sid = auth0.sign_in(USER)
    reader = provider(auth0, {"read:sessions"})
    try:
        await reader.list_sessions()
        with pytest.raises(Forbidden, match="delete:sessions"):
            await reader.revoke(sid)
        assert sid in auth0.sessions
        auth0.throttled = True
        with pytest.raises(RateLimited) as caught:
            await reader.list_sessions()
        assert caught.value.retry_after is not None and 5 <= caught.value.retry_after <= 10
    finally:
        await reader.aclose()
    with pytest.raises(BadResponse):
        parse_page({"sessions": [{"id": "x", "device": "nope"}]}, 0)
    with pytest.raises(BadResponse):
        parse_page([], 0)


def test_every_page_the_model_sends_matches_the_documented_schema(auth0: Auth0Fake) -> None:
    for _ in range(3):
        auth0.sign_in(USER)
    token = auth0.issue({"read:sessions"})
    page = httpx.get(
        f"{auth0.url}/api/v2/users/{USER}/sessions",
        params={"take": "2"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    jsonschema.validate(page, SCHEMA)
    assert "next" in page


def flags(auth0: Auth0Fake, client: str = CLIENT_ID) -> list[str]:
    return [
        "--provider",
        "auth0",
        "--base-url",
        auth0.url,
        "--admin",
        "--watch",
        USER,
        "--client-id",
        client,
    ]


def test_client_credentials_on_the_command_line_renewed_as_they_run_out(auth0: Auth0Fake) -> None:
    sid = auth0.sign_in(USER, agent="Mozilla/5.0 (iPhone)")
    auth0.token_lifetime = 1  # every token is stale by the next request: asked again
    listed = cli("list", "--json", *flags(auth0), env={"SESSION_TUI_CLIENT_SECRET": CLIENT_SECRET})
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [sid]
    assert CLIENT_SECRET not in listed.stdout + listed.stderr
    read_only = cli(
        "revoke",
        "--yes",
        sid,
        *flags(auth0, WATCHER_ID),
        env={"SESSION_TUI_CLIENT_SECRET": WATCHER_SECRET},
    )
    assert read_only.returncode == 3 and "delete:sessions" in read_only.stderr
    done = cli(
        "revoke", "--yes", sid, *flags(auth0), env={"SESSION_TUI_CLIENT_SECRET": CLIENT_SECRET}
    )
    assert done.returncode == 0, done.stderr
    assert sid not in auth0.sessions
    tokens = [t for m, t in auth0.requests if t == "/oauth/token"]
    assert len(tokens) >= 2
    wrong = cli("list", *flags(auth0), env={"SESSION_TUI_CLIENT_SECRET": "nope"})
    assert wrong.returncode != 0 and "nope" not in wrong.stderr
