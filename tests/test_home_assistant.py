"""Home Assistant against a real server: refresh tokens as sessions over the websocket API,
revoke one and all others, long-lived tokens shown as API clients, and signing in through the
installed script (password, then the stored refresh token, then logout)."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator

import pytest
from home_assistant_server import HassUser, HomeAssistant
from test_commands import cli

from session_tui import paths
from session_tui.errors import AuthExpired, CurrentSessionProtected, NotFound
from session_tui.providers.hass_auth import Granted, HassTokens
from session_tui.providers.home_assistant import HomeAssistantProvider


@pytest.fixture
async def ours(
    home_assistant: HomeAssistant, hass_user: HassUser
) -> AsyncIterator[tuple[str, HomeAssistantProvider]]:
    sid, answer = home_assistant.device(hass_user)
    granted = Granted(answer["access_token"], answer["refresh_token"], float("inf"))
    provider = HomeAssistantProvider(
        home_assistant.base_url, HassTokens(home_assistant.base_url, granted)
    )
    try:
        yield sid, provider
    finally:
        await provider.aclose()


def flags(home_assistant: HomeAssistant, user: HassUser) -> list[str]:
    return [
        "--provider",
        "home-assistant",
        "--base-url",
        home_assistant.base_url,
        "--user",
        user.username,
    ]


async def test_tokens_are_sessions_with_place_times_and_ours_marked(
    home_assistant: HomeAssistant,
    hass_user: HassUser,
    ours: tuple[str, HomeAssistantProvider],
) -> None:
    sid, provider = ours
    phone, answer = home_assistant.device(hass_user, ip="198.51.100.7")
    long_lived = home_assistant.command(
        answer["access_token"], "auth/long_lived_access_token", client_name="backup", lifespan=30
    )
    sessions = {s.id: s for s in await provider.list_sessions()}
    assert provider.current_id == sid
    assert sessions[phone].ip == "198.51.100.7"
    assert sessions[phone].created_at is not None and sessions[phone].last_active_at is not None
    assert sessions[phone].extras["clients"] == home_assistant.client_id
    assert sessions[phone].display_name == "Web browser"  # Home Assistant's own frontend
    [llat] = [s for s in sessions.values() if s.display_name == "backup"]
    assert "long-lived" in llat.extras["kind"]
    assert isinstance(long_lived, str)


async def test_revoke_one_and_all_others_and_never_ours(
    home_assistant: HomeAssistant,
    hass_user: HassUser,
    ours: tuple[str, HomeAssistantProvider],
) -> None:
    sid, provider = ours
    one, first = home_assistant.device(hass_user, ip="198.51.100.8")
    rest = [home_assistant.device(hass_user, ip="203.0.113.9") for _ in range(2)]
    await provider.revoke(one)
    assert not home_assistant.refresh_works(first["refresh_token"])
    with pytest.raises(CurrentSessionProtected):
        await provider.revoke(sid)
    with pytest.raises(NotFound):
        await provider.revoke(one)  # already gone: a fresh listing says so
    await provider.list_sessions()
    assert await provider.revoke_others() == 2
    assert not any(home_assistant.refresh_works(a["refresh_token"]) for _, a in rest)
    assert [s.id for s in await provider.list_sessions()] == [sid]
    assert home_assistant.refresh_works(hass_user.tokens[sid])


async def test_an_expired_access_token_is_refreshed_and_a_dead_one_says_so(
    home_assistant: HomeAssistant, hass_user: HassUser
) -> None:
    sid, answer = home_assistant.device(hass_user)
    stale = Granted("expired", answer["refresh_token"], 0.0)
    provider = HomeAssistantProvider(
        home_assistant.base_url, HassTokens(home_assistant.base_url, stale)
    )
    try:
        assert provider.current_id is None
        await provider.list_sessions()
        assert provider.current_id == sid
        home_assistant.sign_out(answer["refresh_token"])
        dead = HomeAssistantProvider(
            home_assistant.base_url,
            HassTokens(home_assistant.base_url, Granted("x", answer["refresh_token"], 0.0)),
        )
        with pytest.raises(AuthExpired):
            await dead.list_sessions()
        await dead.aclose()
    finally:
        await provider.aclose()


def test_the_command_line_signs_in_once_then_from_the_stored_token(
    home_assistant: HomeAssistant, hass_user: HassUser
) -> None:
    other, answer = home_assistant.device(hass_user, ip="198.51.100.9")
    first = cli(
        "list",
        "--json",
        *flags(home_assistant, hass_user),
        env={"SESSION_TUI_PASSWORD": hass_user.password},
    )
    assert first.returncode == 0, first.stderr
    stored = paths.credentials_file()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert hass_user.password not in stored.read_text()
    again = cli("list", "--json", *flags(home_assistant, hass_user))
    assert again.returncode == 0, again.stderr
    rows = json.loads(again.stdout)
    assert other in {r["id"] for r in rows}
    assert len([r for r in rows if r["current"]]) == 1
    done = cli("revoke", "--yes", other, *flags(home_assistant, hass_user))
    assert done.returncode == 0, done.stderr
    assert not home_assistant.refresh_works(answer["refresh_token"])
    out = cli("logout", *flags(home_assistant, hass_user))
    assert out.returncode == 0, out.stderr
    assert json.loads(stored.read_text())["credentials"] == {}


def test_a_long_lived_token_from_the_environment(
    home_assistant: HomeAssistant, hass_user: HassUser
) -> None:
    _, answer = home_assistant.device(hass_user)
    token = home_assistant.command(
        answer["access_token"], "auth/long_lived_access_token", client_name="cli", lifespan=1
    )
    done = cli(
        "list", "--json", *flags(home_assistant, hass_user), env={"SESSION_TUI_TOKEN": token}
    )
    assert done.returncode == 0, done.stderr
    [current] = [r for r in json.loads(done.stdout) if r["current"]]
    assert current["name"] == "cli"
    assert token not in done.stdout + done.stderr
