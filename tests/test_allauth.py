"""django-allauth: signing in and out, what the site's settings change, and its error answers.

The shared promises (listing, revoking, the current session) are in test_provider_contract.py;
this file holds what is allauth's own. Everything runs against the real Django site.
"""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from allauth_server import AllauthSite, AllauthUser

from session_tui import credentials, paths
from session_tui.cli import build_parser, main
from session_tui.connect import open_accounts
from session_tui.enrich import Enricher, GeoLocator
from session_tui.errors import (
    AuthExpired,
    ConfigError,
    Forbidden,
    NotFound,
    ProviderError,
    RateLimited,
    WrongPassword,
)
from session_tui.model import Capability
from session_tui.providers.allauth import AllauthProvider, login_sync, raise_for_allauth
from session_tui.ui.widgets.details import NOT_TRACKED, details


def args_for(site: AllauthSite, user: str, *more: str):
    return build_parser().parse_args(
        ["--provider", "allauth", "--base-url", site.base_url, "--user", user, *more]
    )


def stored_key(site: AllauthSite, user: str) -> str:
    return credentials.credential_key(site.base_url, user, provider="allauth")


async def test_a_password_sign_in_stores_the_token_and_is_reused(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    env = {"SESSION_TUI_PASSWORD": allauth_user.password}
    opened = open_accounts(args_for(allauth_site, allauth_user.email), env)
    provider = opened.providers[0]
    try:
        sessions = await provider.list_sessions()
        assert [s.is_current for s in sessions] == [True]
        assert provider.account == allauth_user.email
        assert opened.reconnect is not None
    finally:
        await provider.aclose()
    path = paths.credentials_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert allauth_user.password not in path.read_text()
    stored = credentials.load(stored_key(allauth_site, allauth_user.email))
    assert stored is not None and stored.provider == "allauth"
    assert stored.device_id == sessions[0].id
    # A second start uses the stored token: no new session on the site, no password asked.
    again = open_accounts(args_for(allauth_site, allauth_user.email), {})
    try:
        assert len(await again.providers[0].list_sessions()) == 1
    finally:
        await again.providers[0].aclose()


def test_the_prompt_lets_a_wrong_password_be_retried(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    answers = iter(["not-it", allauth_user.password])
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return next(answers)

    opened = open_accounts(args_for(allauth_site, allauth_user.username), {}, prompt=prompt)
    assert len(asked) == 2 and allauth_user.username in asked[0]
    assert opened.profile == allauth_user.email


def test_a_wrong_password_from_the_environment_is_not_retried(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    with pytest.raises(WrongPassword):
        open_accounts(args_for(allauth_site, allauth_user.username), {"SESSION_TUI_PASSWORD": "x"})


async def test_a_token_from_the_environment_must_belong_to_the_user(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    session = allauth_site.login(allauth_user)
    env = {"SESSION_TUI_TOKEN": allauth_user.tokens[session]}
    opened = open_accounts(args_for(allauth_site, allauth_user.username), env)
    try:
        assert [s.id for s in await opened.providers[0].list_sessions() if s.is_current] == [
            session
        ]
    finally:
        await opened.providers[0].aclose()
    with pytest.raises(ConfigError, match="belongs to"):
        open_accounts(args_for(allauth_site, "somebody-else"), env)
    assert not paths.credentials_file().exists()  # a token from the environment is not stored


def test_logout_ends_the_session_on_the_site_and_forgets_it(
    allauth_site: AllauthSite, allauth_user: AllauthUser, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SESSION_TUI_PASSWORD": allauth_user.password}
    open_accounts(args_for(allauth_site, allauth_user.username), env)
    stored = credentials.load(stored_key(allauth_site, allauth_user.username))
    assert stored is not None and allauth_site.token_works(stored.access_token)
    argv = ["logout", "--provider", "allauth", "--base-url", allauth_site.base_url]
    argv += ["--user", allauth_user.username]
    assert main(argv) == 0
    assert "Signed out" in capsys.readouterr().out
    assert not allauth_site.token_works(stored.access_token)
    assert credentials.load(stored_key(allauth_site, allauth_user.username)) is None
    assert main(argv) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_a_stored_token_ended_elsewhere_leads_to_a_new_sign_in(
    allauth_site: AllauthSite, allauth_user: AllauthUser, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SESSION_TUI_PASSWORD": allauth_user.password}
    open_accounts(args_for(allauth_site, allauth_user.username), env)
    first = credentials.load(stored_key(allauth_site, allauth_user.username))
    assert first is not None
    other = allauth_site.login(allauth_user)
    allauth_site.end(allauth_user.tokens[other], str(first.device_id))
    open_accounts(args_for(allauth_site, allauth_user.username), env)
    second = credentials.load(stored_key(allauth_site, allauth_user.username))
    assert second is not None and second.access_token != first.access_token
    assert allauth_site.token_works(second.access_token)
    assert "no longer works" in capsys.readouterr().err


async def test_a_site_that_does_not_track_activity_says_so(
    allauth_untracked: AllauthSite,
) -> None:
    user = allauth_untracked.new_user()
    login = login_sync(allauth_untracked.base_url, user.username, user.password)
    provider = AllauthProvider(allauth_untracked.base_url, login.token)
    try:
        [session] = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert session.last_active_at is None and session.created_at is not None
    assert Capability.ACTIVITY not in provider.capabilities
    view = Enricher(GeoLocator()).view(session)
    shown = details(
        view,
        is_current=True,
        now=datetime.now(UTC),
        window=timedelta(minutes=5),
        account=None,
        activity_tracked=False,
    ).renderable()
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print(shown)
    assert NOT_TRACKED in console.export_text()


async def test_a_site_that_tracks_activity_reports_last_seen(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    login = login_sync(allauth_site.base_url, allauth_user.username, allauth_user.password)
    provider = AllauthProvider(allauth_site.base_url, login.token)
    try:
        [session] = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert Capability.ACTIVITY in provider.capabilities
    assert session.last_active_at is not None
    assert Capability.EXPIRY not in provider.capabilities and session.expires_at is None


async def test_one_id_that_ended_meanwhile_does_not_stop_the_others(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    """allauth's DELETE is atomic: one unknown id and nothing ends. We send the rest again."""
    gone, alive = allauth_site.login(allauth_user), allauth_site.login(allauth_user)
    login = login_sync(allauth_site.base_url, allauth_user.username, allauth_user.password)
    provider = AllauthProvider(allauth_site.base_url, login.token)
    try:
        await provider.list_sessions()
        allauth_site.end(allauth_user.tokens[alive], gone)
        assert await provider._revoke_many([gone, alive], None) == 2
        assert [s.id for s in await provider.list_sessions()] == [login.session_id]
        with pytest.raises(NotFound):
            await provider.revoke(gone)
    finally:
        await provider.aclose()


async def test_a_wrong_base_url_is_a_clear_error(
    allauth_site: AllauthSite, allauth_user: AllauthUser
) -> None:
    login = login_sync(allauth_site.base_url, allauth_user.username, allauth_user.password)
    provider = AllauthProvider(allauth_site.base_url + "/shop", login.token)
    try:
        with pytest.raises(ProviderError, match="no allauth session API"):
            await provider.list_sessions()  # Django's HTML 404 page
    finally:
        await provider.aclose()


def test_a_rate_limited_sign_in_is_a_typed_error(allauth_limited: AllauthSite) -> None:
    user = allauth_limited.new_user()
    limited: list[RateLimited] = []
    for _ in range(30):  # allauth's default: a handful of failed logins per minute
        try:
            login_sync(allauth_limited.base_url, user.username, "wrong")
        except WrongPassword:
            continue
        except RateLimited as exc:
            limited.append(exc)
            break
    assert limited, "the site never rate limited the failed logins"


def _answer(status: int, body: bytes, content_type: str) -> httpx.Response:
    request = httpx.Request("GET", "https://shop.example.com/_allauth/app/v1/auth/sessions")
    return httpx.Response(
        status, content=body, headers={"content-type": content_type}, request=request
    )


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "words"),
    [
        (
            403,
            b"<h1>Forbidden (403)</h1><p>CSRF verification failed.</p>",
            "text/html",
            Forbidden,
            "HTML",
        ),
        (500, b"<h1>Server Error (500)</h1>", "text/html", ProviderError, "HTTP 500"),
        (429, b'{"status": 429}', "application/json", RateLimited, "rate limiting"),
        (
            410,
            b'{"status": 410, "data": {"flows": []}}',
            "application/json",
            AuthExpired,
            "signed out",
        ),
        (
            401,
            b'{"status": 401, "meta": {"is_authenticated": false}}',
            "application/json",
            AuthExpired,
            "signed out",
        ),
    ],
)
def test_error_answers_are_typed_and_never_echo_html(
    status: int, body: bytes, content_type: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as caught:
        raise_for_allauth(_answer(status, body, content_type), "shop.example.com", "list sessions")
    assert words in str(caught.value)
    assert "<" not in str(caught.value)
