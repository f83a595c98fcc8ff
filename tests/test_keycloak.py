"""Keycloak against a real server: the Account REST API as the user sees it, a second and
independent OIDC client whose session we end, revoke-all-others, token refresh, and the ways
of signing in from a terminal (password, stored refresh token, the device grant), through the
installed script."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import threading
from collections.abc import AsyncIterator

import pytest
from contract_backends import kc_tokens
from keycloak_server import (
    CLIENT_ID,
    IPHONE,
    OTHER_CLIENT,
    PASSWORD,
    REALM,
    KeycloakServer,
    KeycloakUser,
)
from test_cli_hostile import assert_inert, in_pty
from test_commands import SCRIPT, cli
from textual.widgets import Static
from ui_support import SIZE, rendered_text, settle, until

from session_tui import paths
from session_tui.errors import CurrentSessionProtected, NotFound
from session_tui.model import Capability
from session_tui.plugin import DeviceCodePrompt
from session_tui.providers.keycloak import KeycloakProvider, realm_path
from session_tui.providers.oidc import Realm, Tokens
from session_tui.providers.tokens import TokenSource
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.device_signin import DeviceSignInApp


def realm() -> Realm:
    return Realm("keycloak", realm_path(REALM), CLIENT_ID)


@pytest.fixture
async def ours(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> AsyncIterator[KeycloakProvider]:
    answer = keycloak.sign_in(keycloak_user, user_agent="session-tui", ip=None)
    provider = KeycloakProvider(keycloak.base_url, REALM, TokenSource(realm(), kc_tokens(answer)))
    try:
        yield provider
    finally:
        await provider.aclose()


def flags(keycloak: KeycloakServer, user: KeycloakUser) -> list[str]:
    return [
        "--provider",
        "keycloak",
        "--base-url",
        keycloak.base_url,
        "--realm",
        REALM,
        "--user",
        user.username,
    ]


async def test_sessions_show_device_place_clients_and_which_is_ours(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, ours: KeycloakProvider
) -> None:
    phone = keycloak.sign_in(
        keycloak_user, client_id=OTHER_CLIENT, user_agent=IPHONE, ip="2001:db8::7"
    )
    sessions = {s.id: s for s in await ours.list_sessions()}
    assert set(sessions) == set(keycloak.sessions(keycloak_user))
    [current] = [s for s in sessions.values() if s.is_current]
    assert ours.current_id == current.id
    other = sessions[phone["session_state"]]
    assert other.ip == "2001:db8::7"
    assert other.extras["clients"] == OTHER_CLIENT
    assert other.extras["device"]["os"] == "iOS 17.5" and other.extras["device"]["mobile"]
    assert other.created_at is not None and other.expires_at is not None
    assert other.last_active_at is not None
    assert ours.account == keycloak_user.username
    assert Capability.BULK_REVOKE in ours.capabilities


async def test_revoking_a_second_clients_session_ends_it_for_that_client(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, ours: KeycloakProvider
) -> None:
    other = keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT, user_agent=IPHONE)
    assert keycloak.account_works(other["access_token"])
    await ours.revoke(other["session_state"])
    assert not keycloak.refresh_works(other["refresh_token"], OTHER_CLIENT)
    assert not keycloak.account_works(other["access_token"])
    assert other["session_state"] not in {s.id for s in await ours.list_sessions()}


async def test_the_current_session_and_unknown_ids_are_never_sent(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, ours: KeycloakProvider
) -> None:
    await ours.list_sessions()
    assert ours.current_id is not None
    with pytest.raises(CurrentSessionProtected):
        await ours.revoke(ours.current_id)
    with pytest.raises(NotFound):
        await ours.revoke("no-such-session")
    assert ours.current_id in keycloak.sessions(keycloak_user)


async def test_revoke_all_others_is_one_request_and_keeps_ours_alive(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, ours: KeycloakProvider
) -> None:
    others = [keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT) for _ in range(3)]
    await ours.list_sessions()
    ended = await ours.revoke_others()
    assert ended == 3
    assert set(ours.last_ended or ()) == {o["session_state"] for o in others}
    assert set(keycloak.sessions(keycloak_user)) == {ours.current_id}
    assert all(not keycloak.refresh_works(o["refresh_token"], OTHER_CLIENT) for o in others)
    assert [s.id for s in await ours.list_sessions()] == [ours.current_id]


async def test_an_expired_access_token_is_refreshed_and_the_new_refresh_token_kept(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    answer = keycloak.sign_in(keycloak_user, user_agent="session-tui", ip=None)
    kept: list[str] = []
    stale = Tokens("not-a-live-token", answer["refresh_token"], 0.0)  # due for a refresh
    provider = KeycloakProvider(
        keycloak.base_url, REALM, TokenSource(realm(), stale, on_refresh=kept.append)
    )
    try:
        sessions = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert [s.id for s in sessions if s.is_current] == [answer["session_state"]]
    assert kept and keycloak.refresh_works(kept[-1])


# -- the command line ------------------------------------------------------------------------


def test_password_then_stored_sign_in_then_revoke(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    other = keycloak.sign_in(keycloak_user, client_id=OTHER_CLIENT, user_agent=IPHONE)
    first = cli(
        "list", "--json", *flags(keycloak, keycloak_user), env={"SESSION_TUI_PASSWORD": PASSWORD}
    )
    assert first.returncode == 0, first.stderr
    stored = paths.credentials_file()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert PASSWORD not in stored.read_text()
    # No password now: the stored refresh token signs in.
    again = cli("list", "--json", *flags(keycloak, keycloak_user))
    assert again.returncode == 0, again.stderr
    rows = json.loads(again.stdout)
    assert other["session_state"] in {r["id"] for r in rows}
    assert next(r for r in rows if r["id"] == other["session_state"])["os"] == "iOS 17.5"
    done = cli("revoke", "--yes", other["session_state"], *flags(keycloak, keycloak_user))
    assert done.returncode == 0, done.stderr
    assert not keycloak.refresh_works(other["refresh_token"], OTHER_CLIENT)
    out = cli("logout", *flags(keycloak, keycloak_user))
    assert out.returncode == 0, out.stderr
    assert "Signed out" in out.stdout
    assert json.loads(paths.credentials_file().read_text())["credentials"] == {}


def _approve_when_asked(
    keycloak: KeycloakServer, user: KeycloakUser, seen: list[bytes], accept: bool
) -> threading.Thread:
    """The user's browser, on another device: waits for the link on the terminal, opens it."""

    def run() -> None:
        for _ in range(600):
            found = re.search(rb"open (http\S+) on any device", b"".join(seen))
            if found:
                keycloak.approve_device(found.group(1).decode(), user, accept=accept)
                return
            threading.Event().wait(0.1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("accept", [True, False], ids=["approved", "denied"])
def test_device_sign_in_from_a_terminal_then_silently(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser, accept: bool
) -> None:
    argv = ["list", *flags(keycloak, keycloak_user)]
    seen: list[bytes] = []
    browser = _approve_when_asked(keycloak, keycloak_user, seen, accept)
    code, output = in_pty(argv, {}, tee=seen)
    browser.join(timeout=60)
    assert_inert(output)
    text = output.decode(errors="replace")
    assert "approve the code" in text
    if not accept:
        assert code == 2, text
        assert "denied" in text
        assert not paths.credentials_file().exists()
        return
    assert code == 0, text
    # Our session is the one the browser made (its address); Keycloak records no device for
    # a session made through the device grant (measured on 26.7).
    [ours] = [line for line in text.splitlines() if line.startswith("This device: ")]
    assert "203.0.113.44" in ours
    silent = cli("list", "--json", *flags(keycloak, keycloak_user))
    assert silent.returncode == 0, silent.stderr
    assert "approve the code" not in silent.stderr


def test_no_terminal_and_no_credentials_says_what_to_set(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    done = subprocess.run(
        [SCRIPT, "list", *flags(keycloak, keycloak_user)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1
    assert "SESSION_TUI_PASSWORD" in done.stderr


async def test_the_dashboard_shows_the_clients_of_a_session(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    phone = keycloak.sign_in(
        keycloak_user, client_id=OTHER_CLIENT, user_agent=IPHONE, ip="2001:db8::7"
    )
    answer = keycloak.sign_in(keycloak_user, user_agent="session-tui", ip=None)
    provider = KeycloakProvider(keycloak.base_url, REALM, TokenSource(realm(), kc_tokens(answer)))
    app = SessionTuiApp([provider], AppOptions(interval=600))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.table.select_id(phone["session_state"])
        body = app.main.query_one("#details-body", Static)
        await until(pilot, lambda: OTHER_CLIENT in rendered_text(body.content), "the details")
        shown = rendered_text(body.content)
        assert "Signed in to" in shown and "Mobile Safari 17 on iOS 17.5" in shown


# -- the dashboard's device sign-in ----------------------------------------------------------


async def test_the_device_screen_shows_link_and_code_and_follows_the_answer() -> None:
    """The screen the dashboard shows while a device sign-in waits (keys, not calls)."""
    prompt = DeviceCodePrompt("acme on https://sso.example.com", "https://sso/x?c=AB", "WDJB-MJHT")
    release = threading.Event()
    app = DeviceSignInApp(prompt, lambda: release.wait(30) and "tokens")
    async with app.run_test(size=(80, 24)) as pilot:
        shown = " ".join(rendered_text(w.content) for w in app.query(Static))
        assert "WDJB-MJHT" in shown and "https://sso/x?c=AB" in shown
        assert "Waiting for your approval" in shown
        release.set()
        await until(pilot, lambda: app.return_value == "tokens", "the approval")
    never = threading.Event()
    cancelled = DeviceSignInApp(prompt, lambda: never.wait(30))
    async with cancelled.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    never.set()
    assert cancelled.cancelled


def test_the_dashboard_signs_in_on_its_own_screen_then_shows_the_sessions(
    keycloak: KeycloakServer, keycloak_user: KeycloakUser
) -> None:
    seen: list[bytes] = []
    browser = threading.Thread(
        target=_approve_on_screen, args=(keycloak, keycloak_user, seen), daemon=True
    )
    browser.start()
    argv = flags(keycloak, keycloak_user)
    code, output = in_pty(argv, {}, tee=seen, answer=(b"connected", b"q"))
    browser.join(timeout=60)
    assert code == 0, output[-3000:]
    shown = re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]", b"", output)
    text = shown.decode(errors="replace")
    assert "approve this code" in text, text[:3000]
    assert "This device" in text, text[-3000:]


def _approve_on_screen(keycloak: KeycloakServer, user: KeycloakUser, seen: list[bytes]) -> None:
    """The user reads the code off the screen and approves it in a browser elsewhere."""
    for _ in range(600):
        text = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", b"".join(seen).decode(errors="replace"))
        found = re.search(r"\b([A-Z]{4}-[A-Z]{4})\b", text)
        if found and "approve this code" in text:
            link = f"{keycloak.base_url}/realms/{REALM}/device?user_code={found.group(1)}"
            keycloak.approve_device(link, user)
            return
        threading.Event().wait(0.1)
