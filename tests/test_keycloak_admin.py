"""Keycloak on call, against a real server: a service account watches users of the realm
(online and offline sessions), ends one session or every session of a user, and reads the
realm's login events as history; a service account with watching roles only can look and
nothing more, and `--read-only` sends nothing that changes state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from keycloak_server import (
    CLIENT_ID,
    IPHONE,
    ONCALL_CLIENT,
    OTHER_CLIENT,
    PASSWORD,
    REALM,
    WATCHER_CLIENT,
    KeycloakServer,
    KeycloakUser,
)
from test_commands import cli

from session_tui.errors import Forbidden
from session_tui.model import EndReason
from session_tui.providers.http import make_sync_client
from session_tui.providers.keycloak import realm_path
from session_tui.providers.keycloak_admin import KeycloakAdminProvider
from session_tui.providers.oidc import Realm
from session_tui.providers.tokens import SharedTokens, TokenSource


def service_account(keycloak: KeycloakServer, client_id: str) -> SharedTokens:
    import keycloak_server

    secret = (
        keycloak_server.ONCALL_SECRET
        if client_id == ONCALL_CLIENT
        else keycloak_server.WATCHER_SECRET
    )
    realm = Realm("keycloak", realm_path(REALM), client_id, secret)
    with make_sync_client(keycloak.base_url) as client:
        first = realm.client_credentials_sync(client)
    return SharedTokens(TokenSource(realm, first, service_account=True))


@pytest.fixture
async def oncall(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> AsyncIterator[KeycloakAdminProvider]:
    provider = KeycloakAdminProvider(
        keycloak.base_url, REALM, service_account(keycloak, ONCALL_CLIENT), keycloak_user.username
    )
    try:
        yield provider
    finally:
        await provider.aclose()


def offline_sign_in(keycloak: KeycloakServer, user: KeycloakUser) -> dict[str, str]:
    """A sign-in asking for offline access: a long-lived session of its own."""
    r = httpx.post(
        f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": OTHER_CLIENT,
            "username": user.username,
            "password": user.password,
            "scope": "openid offline_access",
        },
        headers={"User-Agent": IPHONE, "X-Forwarded-For": "192.0.2.77"},
    )
    return dict(r.raise_for_status().json())


async def test_a_users_online_and_offline_sessions_and_who_acts(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, oncall: KeycloakAdminProvider
) -> None:
    online = keycloak.sign_in(keycloak_user, ip="198.51.100.7")
    offline = offline_sign_in(keycloak, keycloak_user)
    sessions = {s.id: s for s in await oncall.list_sessions()}
    assert online["session_state"] in sessions
    assert sessions[online["session_state"]].ip == "198.51.100.7"
    assert sessions[online["session_state"]].extras["clients"] == CLIENT_ID
    offline_ids = [s for s in sessions.values() if "offline" in s.extras.get("kind", "")]
    assert [s.ip for s in offline_ids] == ["192.0.2.77"]
    assert not any(s.is_current for s in sessions.values())  # not our account: none is ours
    assert oncall.acting_as == f"service-account-{ONCALL_CLIENT}"
    await oncall.revoke(offline_ids[0].id)  # an offline session ends too
    assert not keycloak.refresh_works(offline["refresh_token"], OTHER_CLIENT)


async def test_revoke_one_then_sign_the_user_out_in_one_request(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, oncall: KeycloakAdminProvider
) -> None:
    first = keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT)
    rest = [keycloak.sign_in(keycloak_user) for _ in range(3)]
    await oncall.revoke(first["session_state"])
    assert not keycloak.refresh_works(first["refresh_token"], OTHER_CLIENT)
    await oncall.list_sessions()
    assert await oncall.revoke_others() == 3
    assert keycloak.sessions(keycloak_user) == {}
    assert not any(keycloak.refresh_works(r["refresh_token"]) for r in rest)


async def test_ended_sign_ins_come_back_from_the_login_events(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, oncall: KeycloakAdminProvider
) -> None:
    gone = keycloak.sign_in(keycloak_user, user_agent=IPHONE, ip="203.0.113.50")
    httpx.post(
        f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/logout",
        data={"client_id": CLIENT_ID, "refresh_token": gone["refresh_token"]},
    ).raise_for_status()
    live = keycloak.sign_in(keycloak_user)
    await oncall.list_sessions()
    ended = {e.session.id: e for e in await oncall.history()}
    assert gone["session_state"] in ended
    assert live["session_state"] not in ended
    item = ended[gone["session_state"]]
    assert item.session.ip == "203.0.113.50" and item.session.created_at is not None
    assert item.reason in (EndReason.SIGNED_OUT, EndReason.ENDED_ELSEWHERE)


async def test_watching_roles_can_look_but_not_revoke(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    other = keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT)
    watcher = KeycloakAdminProvider(
        keycloak.base_url, REALM, service_account(keycloak, WATCHER_CLIENT), keycloak_user.username
    )
    try:
        assert other["session_state"] in {s.id for s in await watcher.list_sessions()}
        with pytest.raises(Forbidden, match="manage-users"):
            await watcher.revoke(other["session_state"])
    finally:
        await watcher.aclose()
    assert keycloak.refresh_works(other["refresh_token"], OTHER_CLIENT)


def on_call_flags(keycloak: KeycloakServer, *watched: KeycloakUser) -> list[str]:
    flags = ["--provider", "keycloak", "--base-url", keycloak.base_url, "--realm", REALM]
    flags += ["--admin", "--client-id", ONCALL_CLIENT]
    for user in watched:
        flags += ["--watch", user.username]
    return flags


def test_the_command_line_on_call_and_read_only(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    import keycloak_server

    second = keycloak.add_user()
    a = keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT)
    b = keycloak.sign_in(second, client_id=OTHER_CLIENT)
    env = {"SESSION_TUI_CLIENT_SECRET": keycloak_server.ONCALL_SECRET}
    listed = cli("list", "--json", *on_call_flags(keycloak, keycloak_user, second), env=env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["id"] for r in rows} >= {a["session_state"], b["session_state"]}
    assert keycloak_server.ONCALL_SECRET not in listed.stdout + listed.stderr
    refused = cli(
        "revoke",
        "--yes",
        "--read-only",
        a["session_state"],
        *on_call_flags(keycloak, keycloak_user),
        env=env,
    )
    assert refused.returncode == 4, refused.stderr
    assert keycloak.refresh_works(a["refresh_token"], OTHER_CLIENT)
    done = cli(
        "revoke", "--yes", a["session_state"], *on_call_flags(keycloak, keycloak_user), env=env
    )
    assert done.returncode == 0, done.stderr
    assert not keycloak.refresh_works(a["refresh_token"], OTHER_CLIENT)
    no_secret = cli("list", *on_call_flags(keycloak, keycloak_user))
    assert no_secret.returncode == 1 and "SESSION_TUI_CLIENT_SECRET" in no_secret.stderr
    assert PASSWORD not in no_secret.stderr


def test_history_on_the_command_line_shows_sign_ins_that_already_ended(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    import keycloak_server

    gone = keycloak.sign_in(keycloak_user, user_agent=IPHONE, ip="203.0.113.61")
    httpx.post(
        f"{keycloak.base_url}/realms/{REALM}/protocol/openid-connect/logout",
        data={"client_id": CLIENT_ID, "refresh_token": gone["refresh_token"]},
    ).raise_for_status()
    env = {"SESSION_TUI_CLIENT_SECRET": keycloak_server.ONCALL_SECRET}
    done = cli("history", "--json", *on_call_flags(keycloak, keycloak_user), env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert gone["session_state"] in {r["id"] for r in rows}
