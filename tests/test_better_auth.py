"""Better Auth: signing in and out, the tokens its listing leaks, freshness, limits, admin mode.

The shared promises are in test_provider_contract.py; this file holds what is Better Auth's
own. Everything runs against the real server on Node.
"""

from __future__ import annotations

import asyncio
import json
import stat
from typing import Any
from urllib.parse import urlsplit

import canned_rest
import httpx
import pytest
from better_auth_server import BaUser, BetterAuthServer
from textual.widgets import Static
from ui_support import settle, until

from session_tui import credentials, paths
from session_tui.cli import build_parser, main
from session_tui.connect import open_accounts
from session_tui.engine.state import Connection
from session_tui.errors import NotAdmin, ProviderError, RateLimited, WrongPassword
from session_tui.providers.better_auth import (
    BetterAuthAdminProvider,
    BetterAuthProvider,
    SessionNotFresh,
)
from session_tui.providers.better_auth_signin import login_sync
from session_tui.ui.app import AppOptions, SessionTuiApp


def args_for(server: BetterAuthServer, user: str, *more: str):
    argv = ["--provider", "better-auth", "--base-url", server.base_url, "--user", user]
    if server.base_path != "/api/auth":
        argv += ["--base-path", server.base_path]
    return build_parser().parse_args([*argv, *more])


def key(server: BetterAuthServer, user: str) -> str:
    return credentials.credential_key(server.api, user, provider="better-auth")


async def test_a_password_sign_in_stores_the_token_and_is_reused(
    better_auth: BetterAuthServer, ba_user: BaUser
) -> None:
    env = {"SESSION_TUI_PASSWORD": ba_user.password}
    opened = open_accounts(args_for(better_auth, ba_user.email), env)
    try:
        [session] = await opened.providers[0].list_sessions()
    finally:
        await opened.providers[0].aclose()
    assert session.is_current and session.expires_at is not None
    path = paths.credentials_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ba_user.password not in path.read_text()
    again = open_accounts(args_for(better_auth, ba_user.email), {})
    try:
        assert len(await again.providers[0].list_sessions()) == 1  # no new session
    finally:
        await again.providers[0].aclose()


def test_a_wrong_password_is_refused(better_auth: BetterAuthServer, ba_user: BaUser) -> None:
    with pytest.raises(WrongPassword):
        open_accounts(args_for(better_auth, ba_user.email), {"SESSION_TUI_PASSWORD": "nope"})


def test_logout_signs_out_on_the_server_and_forgets(
    better_auth: BetterAuthServer, ba_user: BaUser, capsys: pytest.CaptureFixture[str]
) -> None:
    open_accounts(args_for(better_auth, ba_user.email), {"SESSION_TUI_PASSWORD": ba_user.password})
    stored = credentials.load(key(better_auth, ba_user.email))
    assert stored is not None and better_auth.token_works(stored.access_token)
    argv = ["logout", "--provider", "better-auth", "--base-url", better_auth.base_url]
    argv += ["--user", ba_user.email]
    assert main(argv) == 0
    assert not better_auth.token_works(stored.access_token)
    assert credentials.load(key(better_auth, ba_user.email)) is None
    assert "Signed out" in capsys.readouterr().out


async def test_other_sessions_tokens_go_nowhere(
    better_auth: BetterAuthServer, ba_user: BaUser
) -> None:
    """The listing carries every session's live token: none may reach a Session, the screen,
    the history, the audit trail or the credentials file (ours alone is stored there)."""
    for ip in ("198.51.100.7", "133.242.0.3"):
        better_auth.login(ba_user, user_agent="curl/8.5.0", ip=ip)
    opened = open_accounts(
        args_for(better_auth, ba_user.email), {"SESSION_TUI_PASSWORD": ba_user.password}
    )
    provider = opened.providers[0]
    app = SessionTuiApp(opened.providers, AppOptions(interval=600, profile=opened.profile))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        sessions = list(app.accounts[0].sessions.values())
        others = [s.id for s in sessions if not s.is_current]
        await provider.revoke(others[0])  # so the audit trail and history have something
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        screen = app.export_screenshot()
    tokens = {s["token"] for s in better_auth.sessions(ba_user.tokens[others[1]]).values()}
    tokens |= set(ba_user.tokens.values())
    ours = credentials.load(key(better_auth, ba_user.email))
    assert ours is not None
    leaked = tokens - {ours.access_token}
    assert leaked
    seen = [repr(s) + json.dumps(s.extras) for s in sessions] + [screen]
    for path in paths.state_dir().rglob("*"):
        if path.is_file() and path != paths.credentials_file():
            seen.append(path.read_bytes().decode("utf-8", "replace"))
    seen.append(paths.credentials_file().read_text())
    for text in seen:
        assert not any(token in text for token in leaked)
    assert ours.access_token not in screen


async def test_a_session_that_is_no_longer_fresh_signs_in_again(
    better_auth_elsewhere: BetterAuthServer,
) -> None:
    """Better Auth lists sessions only for a recent sign-in; the stale one is signed out."""
    server = better_auth_elsewhere  # at /auth, fresh for one second
    user = server.new_user()
    token, me = login_sync(server.api, user.email, user.password)
    await asyncio.sleep(1.5)
    provider = BetterAuthProvider(server.base_url, token, base_path="/auth")
    try:
        with pytest.raises(SessionNotFresh, match="Sign in again"):
            await provider.list_sessions()
    finally:
        await provider.aclose()
    credentials.save(
        key(server, user.email),
        credentials.StoredCredential(
            homeserver=server.api, user_id=user.email, access_token=token, provider="better-auth"
        ),
    )
    opened = open_accounts(args_for(server, user.email), {"SESSION_TUI_PASSWORD": user.password})
    try:
        listed = await opened.providers[0].list_sessions()
    finally:
        await opened.providers[0].aclose()
    assert [s.is_current for s in listed] == [True]
    assert listed[0].id != me.session_id
    assert not server.token_works(token)  # the stale session did not linger


async def test_a_wrong_base_path_is_a_clear_error(
    better_auth: BetterAuthServer, ba_user: BaUser
) -> None:
    token, _ = login_sync(better_auth.api, ba_user.email, ba_user.password)
    provider = BetterAuthProvider(better_auth.base_url, token, base_path="/auth")
    try:
        with pytest.raises(ProviderError, match="check --base-path"):
            await provider.list_sessions()
    finally:
        await provider.aclose()


def test_the_rate_limit_is_typed_with_its_wait(better_auth_limited: BetterAuthServer) -> None:
    user = better_auth_limited.new_user()
    with pytest.raises(RateLimited) as caught:  # three sign-ins per ten seconds
        for _ in range(6):
            login_sync(better_auth_limited.api, user.email, user.password)
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 10


async def test_a_revoke_the_server_did_not_carry_out_is_not_done(
    better_auth: BetterAuthServer, ba_user: BaUser
) -> None:
    """revoke-session answers 200 whatever happened: only the next listing says it is done."""
    target = better_auth.login(ba_user)
    token, _ = login_sync(better_auth.api, ba_user.email, ba_user.password)

    def in_between(method: str, path: str, body: bytes, headers: Any) -> canned_rest.Answer:
        """Everything reaches the real server, but revoke-session is answered "ok" here."""
        if urlsplit(path).path.endswith("/revoke-session"):
            return 200, "application/json", b'{"status": true}', {}  # said OK, did nothing
        forwarded = {
            k: v for k, v in headers.items() if k.lower() in ("authorization", "content-type")
        }
        with httpx.Client(base_url=better_auth.base_url) as client:
            answer = client.request(method, path, content=body, headers=forwarded)
        ctype = answer.headers.get("content-type", "application/json")
        return answer.status_code, ctype, answer.content, {}

    with canned_rest.serving(in_between) as url:
        provider = BetterAuthProvider(url, token, base_path=better_auth.base_path)
        try:
            with pytest.raises(ProviderError, match="still lists"):
                await provider.revoke(target)
        finally:
            await provider.aclose()
    assert better_auth.token_works(ba_user.tokens[target])


async def test_admin_mode_watches_and_force_signs_out(better_auth: BetterAuthServer) -> None:
    operator = better_auth.new_user(admin=True)
    bob, carol = better_auth.new_user(), better_auth.new_user()
    for user in (bob, bob, carol):
        better_auth.login(user, user_agent="curl/8.5.0")
    argv = ["--admin", "--watch", bob.email, "--watch", carol.email]
    opened = open_accounts(
        args_for(better_auth, operator.email, *argv), {"SESSION_TUI_PASSWORD": operator.password}
    )
    assert [p.account for p in opened.providers] == [bob.email, carol.email]
    bob_view, carol_view = opened.providers
    assert isinstance(bob_view, BetterAuthAdminProvider)
    try:
        assert len(await bob_view.list_sessions()) == 2
        assert bob_view.acting_as == operator.email
        assert await bob_view.revoke_others() == 2
        assert await bob_view.list_sessions() == []
        assert len(await carol_view.list_sessions()) == 1
    finally:
        for provider in opened.providers:
            await provider.aclose()
    assert not any(better_auth.token_works(t) for t in bob.tokens.values())
    assert all(better_auth.token_works(t) for t in carol.tokens.values())


async def test_watching_yourself_never_signs_out_this_session(
    better_auth: BetterAuthServer,
) -> None:
    operator = better_auth.new_user(admin=True)
    other = better_auth.login(operator)
    opened = open_accounts(
        args_for(better_auth, operator.email, "--admin", "--watch", operator.email),
        {"SESSION_TUI_PASSWORD": operator.password},
    )
    [provider] = opened.providers
    try:
        listed = await provider.list_sessions()
        assert len([s for s in listed if s.is_current]) == 1
        assert await provider.revoke_others() == 1
        assert [s.is_current for s in await provider.list_sessions()] == [True]
    finally:
        await provider.aclose()
    assert not better_auth.token_works(operator.tokens[other])


def test_admin_mode_refuses_a_token_that_is_not_an_admins(
    better_auth: BetterAuthServer, ba_user: BaUser
) -> None:
    with pytest.raises(NotAdmin, match="not an admin"):
        open_accounts(
            args_for(better_auth, ba_user.email, "--admin", "--watch", "x@example.com"),
            {"SESSION_TUI_PASSWORD": ba_user.password},
        )


async def test_the_app_signs_in_again_when_the_session_is_no_longer_fresh(
    better_auth_elsewhere: BetterAuthServer,
) -> None:
    """Not "signed out elsewhere": the session lives, Better Auth wants a newer sign-in."""
    server = better_auth_elsewhere  # fresh for one second
    user = server.new_user(password="pass-word")
    opened = open_accounts(args_for(server, user.email), {"SESSION_TUI_PASSWORD": user.password})
    app = SessionTuiApp(
        opened.providers,
        AppOptions(interval=600, profile=opened.profile),
        reconnect=opened.reconnect,
    )
    try:
        async with app.run_test(size=(120, 32)) as pilot:
            await settle(pilot, app)
            first = app.accounts[0].current_id
            await asyncio.sleep(1.5)
            await pilot.press("ctrl+r")
            await until(pilot, lambda: app.screen.id == "sign-in", "the sign-in dialog")
            question = app.screen.query_one("#dialog-question", Static).render()
            assert "signed in recently" in str(question) and "elsewhere" not in str(question)
            await pilot.press(*user.password, "enter")
            await until(pilot, lambda: app.screen is app.main, "the dialog to close")
            await until(
                pilot, lambda: app.accounts[0].current_id not in (None, first), "a new session"
            )
            await settle(pilot, app)
            assert app.accounts[0].connection is Connection.CONNECTED
    finally:
        opened.close()
    stored = credentials.load(key(server, user.email))
    assert stored is not None and server.token_works(stored.access_token)
    assert len(server.sessions(stored.access_token)) == 1  # the stale session was signed out
