"""Ory Kratos, against our model of its documented API (tests/kratos_fake.py): the own
sessions of a session token over keyset pages, revoke one and all others (the count Kratos
gives), the native password sign-in through the installed script, on call through the admin
API, rate limits, and answers that do not match the documented schema."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from kratos_fake import API_KEY, KratosFake
from test_commands import cli

from session_tui.errors import BadResponse, CurrentSessionProtected, RateLimited
from session_tui.providers.kratos import KratosAdminProvider, KratosProvider, parse_page

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "kratos-session.schema.json").read_text())


async def test_own_sessions_over_pages_with_ours_first_and_marked(kratos: KratosFake) -> None:
    alice = kratos.add_identity("alice@example.org")
    ours = kratos.sign_in(alice, agent="session-tui/0.1.0")
    others = [kratos.sign_in(alice, ip=f"198.51.100.{i % 250}") for i in range(300)]
    kratos.sign_in(kratos.add_identity("bob@example.org"))  # someone else's: never listed
    provider = KratosProvider(kratos.url, ours.token)
    try:
        sessions = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert {s.id for s in sessions} == {ours.id} | {o.id for o in others}
    assert [s.id for s in sessions if s.is_current] == [ours.id]
    assert provider.account == "alice@example.org"
    pages = [t for m, t in kratos.requests if t.startswith("/sessions?")]
    assert len(pages) == 2 and "page_token=" in pages[1]


async def test_a_place_from_ory_network_and_the_device_shown(kratos: KratosFake) -> None:
    alice = kratos.add_identity("alice@example.org")
    ours = kratos.sign_in(alice)
    phone = kratos.sign_in(
        alice, ip="2001:db8::7", place="Munich, DE", agent="Mozilla/5.0 (iPhone)"
    )
    provider = KratosProvider(kratos.url, ours.token)
    try:
        listed = {s.id: s for s in await provider.list_sessions()}
    finally:
        await provider.aclose()
    assert listed[phone.id].location is not None
    assert listed[phone.id].location.country_code == "DE"
    assert listed[phone.id].location.city == "Munich"
    assert listed[phone.id].user_agent == "Mozilla/5.0 (iPhone)"


async def test_revoke_one_all_others_and_never_ours(kratos: KratosFake) -> None:
    alice = kratos.add_identity("alice@example.org")
    ours = kratos.sign_in(alice)
    one, two, three = (kratos.sign_in(alice) for _ in range(3))
    provider = KratosProvider(kratos.url, ours.token)
    try:
        await provider.revoke(one.id)
        assert not kratos.live(one.id)
        with pytest.raises(CurrentSessionProtected):
            await provider.revoke(ours.id)
        assert not [t for m, t in kratos.requests if m == "DELETE" and ours.id in t]
        await provider.list_sessions()
        assert await provider.revoke_others() == 2  # Kratos's count
        assert not kratos.live(two.id) and not kratos.live(three.id) and kratos.live(ours.id)
    finally:
        await provider.aclose()


async def test_rate_limits_and_answers_off_the_schema(kratos: KratosFake) -> None:
    alice = kratos.add_identity("alice@example.org")
    ours = kratos.sign_in(alice)
    provider = KratosProvider(kratos.url, ours.token)
    kratos.throttled = True
    try:
        with pytest.raises(RateLimited) as caught:
            await provider.list_sessions()
        assert caught.value.retry_after == 7
    finally:
        await provider.aclose()
    with pytest.raises(BadResponse):
        parse_page([{"id": "x", "devices": "not a list"}], None, 0)
    with pytest.raises(BadResponse):
        parse_page({"sessions": []}, None, 0)


def test_every_listing_the_model_sends_matches_the_documented_schema(kratos: KratosFake) -> None:
    alice = kratos.add_identity("alice@example.org")
    ours = kratos.sign_in(alice)
    kratos.sign_in(alice, place="Paris, FR")
    headers = {"X-Session-Token": ours.token}
    listed = httpx.get(f"{kratos.url}/sessions", headers=headers).json()
    me = httpx.get(f"{kratos.url}/sessions/whoami", headers=headers).json()
    admin = httpx.get(
        f"{kratos.url}/admin/identities/{alice}/sessions",
        headers={"Authorization": f"Bearer {API_KEY}"},
    ).json()
    for item in [*listed, me, *admin]:
        jsonschema.validate(item, SCHEMA, format_checker=jsonschema.FormatChecker())


async def test_on_call_lists_revokes_and_signs_an_identity_out(kratos: KratosFake) -> None:
    bob = kratos.add_identity("bob@example.org")
    first, *rest = (kratos.sign_in(bob) for _ in range(3))
    provider = KratosAdminProvider(kratos.url, API_KEY, bob)
    try:
        listed = await provider.list_sessions()
        assert provider.account == "bob@example.org"
        assert not any(s.is_current for s in listed)
        await provider.revoke(first.id)
        assert not kratos.live(first.id)
        await provider.list_sessions()
        assert await provider.revoke_others() == 2
        assert f"/admin/identities/{bob}/sessions" in [
            t for m, t in kratos.requests if m == "DELETE"
        ]
        assert not any(kratos.live(s.id) for s in rest)
    finally:
        await provider.aclose()


def flags(kratos: KratosFake) -> list[str]:
    return ["--provider", "kratos", "--base-url", kratos.url, "--user", "alice@example.org"]


def test_the_command_line_signs_in_with_a_password_then_from_the_stored_token(
    kratos: KratosFake,
) -> None:
    alice = kratos.add_identity("alice@example.org", password="s3cret-pw")
    phone = kratos.sign_in(alice, agent="Mozilla/5.0 (iPhone)")
    first = cli("list", "--json", *flags(kratos), env={"SESSION_TUI_PASSWORD": "s3cret-pw"})
    assert first.returncode == 0, first.stderr
    again = cli("list", "--json", *flags(kratos))
    assert again.returncode == 0, again.stderr
    assert phone.id in {r["id"] for r in json.loads(again.stdout)}
    done = cli("revoke", "--yes", phone.id, *flags(kratos))
    assert done.returncode == 0, done.stderr
    assert not kratos.live(phone.id)
    wrong = cli(
        "list", *flags(kratos)[:-2], "--user", "x@example.org", env={"SESSION_TUI_PASSWORD": "nope"}
    )
    assert wrong.returncode == 2 and "refused" in wrong.stderr
    out = cli("logout", *flags(kratos))
    assert out.returncode == 0, out.stderr
    on_call = cli(
        "list",
        "--json",
        "--provider",
        "kratos",
        "--base-url",
        kratos.url,
        "--admin",
        "--watch",
        alice,
        env={"SESSION_TUI_TOKEN": API_KEY},
    )
    assert on_call.returncode == 0, on_call.stderr
    assert API_KEY not in on_call.stdout + on_call.stderr
