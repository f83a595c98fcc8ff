"""authentik, against our model of its documented API (tests/authentik_fake.py): a user's own
sessions over pages with GeoIP place and network, ours marked and never sent; on call, a
watched user's sessions, revoke one, and sign out everywhere through bulk_delete (one by one
on servers without it); answers off the documented shape."""

from __future__ import annotations

import json

import pytest
from authentik_fake import AuthentikFake
from test_commands import cli

from session_tui.errors import BadResponse, CurrentSessionProtected
from session_tui.providers.authentik import AuthentikProvider, parse_page


async def test_own_sessions_over_pages_with_place_network_and_ours(
    authentik: AuthentikFake,
) -> None:
    alice = authentik.add_user("alice")
    bob = authentik.add_user("bob")
    ours = authentik.sign_in(alice)
    others = [authentik.sign_in(alice, ip=f"203.0.113.{i}") for i in range(130)]
    authentik.sign_in(bob)  # not alice's: never listed to her token
    provider = AuthentikProvider(authentik.url, authentik.token_for(alice, session=ours))
    try:
        listed = {s.id: s for s in await provider.list_sessions()}
        assert set(listed) == {ours, *others}
        assert provider.current_id == ours
        one = listed[others[0]]
        assert one.location is not None and one.location.country_code == "DE"
        # geo_ip's lat/long: the server's coordinates, for the travel check (issue 24)
        assert (one.location.latitude, one.location.longitude) == (52.5, 13.4)
        assert one.extras["asn"] == "AS3320 Deutsche Telekom AG"
        assert one.user_agent and "Firefox" in one.user_agent
        with pytest.raises(CurrentSessionProtected):
            await provider.revoke(ours)
        await provider.revoke(others[0])
        assert others[0] not in authentik.sessions and ours in authentik.sessions
    finally:
        await provider.aclose()


@pytest.mark.parametrize("old_server", [False, True], ids=["bulk_delete", "one by one"])
async def test_on_call_signs_a_user_out(authentik: AuthentikFake, old_server: bool) -> None:
    admin = authentik.add_user("akadmin")
    carol = authentik.add_user("carol")
    authentik.old_server = old_server
    sessions = [authentik.sign_in(carol) for _ in range(3)]
    keep = authentik.sign_in(admin)
    provider = AuthentikProvider(
        authentik.url, authentik.token_for(admin, admin=True, session=keep), watched="carol"
    )
    try:
        listed = await provider.list_sessions()
        assert {s.id for s in listed} == set(sessions) and not any(s.is_current for s in listed)
        assert await provider.revoke_others() == 3
    finally:
        await provider.aclose()
    assert authentik.of(carol) == [] and keep in authentik.sessions
    bulk = [t for m, t in authentik.requests if "bulk_delete" in t]
    assert len(bulk) == 1


def test_answers_off_the_documented_shape_are_refused() -> None:
    with pytest.raises(BadResponse):
        parse_page({"results": [{"uuid": "u", "current": "yes"}]}, 0)
    with pytest.raises(BadResponse):
        parse_page([], 0)
    rows, following = parse_page({"results": [], "pagination": {"next": 0}}, 0)
    assert rows == [] and following is None


def test_the_command_line(authentik: AuthentikFake) -> None:
    alice = authentik.add_user("alice")
    ours = authentik.sign_in(alice)
    other = authentik.sign_in(alice, ip="2001:db8::9", country=None)
    token = authentik.token_for(alice, session=ours)
    flags = ["--provider", "authentik", "--base-url", authentik.url, "--user", "alice"]
    listed = cli("list", "--json", *flags, env={"SESSION_TUI_TOKEN": token})
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows[ours]["current"] and rows[other]["ip"] == "2001:db8::9"
    assert token not in listed.stdout + listed.stderr
    done = cli("revoke", "--yes", "--all-others", *flags, env={"SESSION_TUI_TOKEN": token})
    assert done.returncode == 0, done.stderr
    assert authentik.of(alice) == [ours]
