"""The `rest` provider over real HTTP: against the demo service, and against a server that
answers nonsense on purpose (a tiny stdlib server in this file)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest
from canned_rest import Canned, good_session, listing
from demo_fixtures import DEMO_NOW

from session_tui.demo import DemoService
from session_tui.errors import (
    AuthExpired,
    BadResponse,
    CurrentSessionProtected,
    Forbidden,
    InsecureURLError,
    NotFound,
    ProviderError,
    RateLimited,
    ServerBusy,
    Unreachable,
)
from session_tui.model import Capability, EndReason
from session_tui.providers.base import SessionProvider
from session_tui.providers.rest import RestProvider

# -- against the demo service ----------------------------------------------------------------


async def test_listing_maps_the_contract(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    sessions = await demo_provider.list_sessions()
    assert isinstance(demo_provider, SessionProvider)
    assert demo_provider.kind == "rest"
    assert demo_provider.account == "alex@example.com"
    assert demo_provider.server == f"127.0.0.1:{demo_service.port}"
    assert demo_provider.capabilities == {
        Capability.EXPIRY,
        Capability.HISTORY,
        Capability.BULK_REVOKE,
        Capability.ACTIVITY,
    }
    assert {s.id for s in sessions} == demo_service.state.session_ids()
    current = [s for s in sessions if s.is_current]
    assert [s.id for s in current] == [demo_service.current_id]
    assert demo_provider.current_id == demo_service.current_id
    assert current[0].last_active_at == DEMO_NOW
    assert all(s.created_at is not None and s.created_at.tzinfo == UTC for s in sessions)
    located = [s for s in sessions if s.location is not None]
    assert located and len(located) < len(sessions)
    assert all(s.location.source == "provider" and s.location.country_code for s in located)
    curl = next(s for s in sessions if s.user_agent == "curl/8.5.0")
    assert curl.display_name == "deploy script" and curl.expires_at is None


async def test_unknown_fields_go_to_extras(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    sid = demo_service.state.add_session(user_agent="x", extra={"mfa": True, "os_hint": "BeOS"})
    session = next(s for s in await demo_provider.list_sessions() if s.id == sid)
    assert session.extras == {"mfa": True, "os_hint": "BeOS"}


async def test_revoke_removes_it_on_the_server(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    sessions = await demo_provider.list_sessions()
    victim = next(s for s in sessions if not s.is_current)
    await demo_provider.revoke(victim.id)
    assert victim.id not in demo_service.state.session_ids()
    assert victim.id not in {s.id for s in await demo_provider.list_sessions()}
    with pytest.raises(NotFound):
        await demo_provider.revoke(victim.id)


async def test_revoking_the_current_session_is_refused_by_us(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    with pytest.raises(CurrentSessionProtected):
        await demo_provider.revoke(demo_service.current_id)  # no listing yet: it lists first
    assert demo_service.current_id in demo_service.state.session_ids()


async def test_and_by_the_server_when_asked_directly(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    with pytest.raises(CurrentSessionProtected):
        await demo_provider._revoke_one(demo_service.current_id, None)  # past our guard
    assert demo_service.current_id in demo_service.state.session_ids()


async def test_revoke_others_leaves_exactly_the_current_one(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    before = len(await demo_provider.list_sessions())
    assert await demo_provider.revoke_others() == before - 1
    remaining = await demo_provider.list_sessions()
    assert [s.id for s in remaining] == [demo_service.current_id]
    assert demo_service.state.session_ids() == {demo_service.current_id}
    assert await demo_provider.revoke_others() == 0


async def test_revoke_others_only_touches_what_the_user_saw(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    seen = [s.id for s in await demo_provider.list_sessions() if not s.is_current]
    newcomer = demo_service.state.add_session(user_agent="curl/8.5.0")  # after the dialog opened
    assert await demo_provider.revoke_others(only=[*seen[:3], demo_service.current_id]) == 3
    assert demo_service.state.session_ids() == ({demo_service.current_id, newcomer} | set(seen[3:]))


async def test_history_records_reasons(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    sessions = [s for s in await demo_provider.list_sessions() if not s.is_current]
    await demo_provider.revoke(sessions[0].id)
    demo_service.state.remove_session(sessions[1].id)
    ended = await demo_provider.history()
    by_id = {e.session.id: e for e in ended}
    assert by_id[sessions[0].id].reason is EndReason.REVOKED
    assert by_id[sessions[1].id].reason is EndReason.SIGNED_OUT
    assert by_id[sessions[1].id].ended_at == DEMO_NOW
    assert by_id[sessions[1].id].session.user_agent == sessions[1].user_agent
    assert {e.reason for e in ended} >= {EndReason.EXPIRED}
    assert not any(e.session.is_current for e in ended)
    assert len(await demo_provider.history(limit=1)) == 1


async def test_bad_token_is_auth_expired_and_never_echoed(demo_service: DemoService) -> None:
    provider = RestProvider(demo_service.url, "wrong-token-s3cr3t")
    try:
        with pytest.raises(AuthExpired) as caught:
            await provider.list_sessions()
    finally:
        await provider.aclose()
    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in repr(provider)


async def test_injected_statuses_become_typed_errors(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    demo_service.fail_next(429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        await demo_provider.list_sessions()
    assert limited.value.retry_after == 7
    demo_service.fail_next(403)
    with pytest.raises(Forbidden):
        await demo_provider.list_sessions()
    demo_service.fail_next(503, message="maintenance", retry_after=12)
    with pytest.raises(ServerBusy) as failed:
        await demo_provider.list_sessions()
    assert failed.value.retry_after == 12  # Retry-After counts on 503 as on 429
    assert "503" in str(failed.value) and "maintenance" in str(failed.value)
    demo_service.fail_next(500, message="bug")
    with pytest.raises(ProviderError) as crashed:
        await demo_provider.list_sessions()
    assert type(crashed.value) is ProviderError and "bug" in str(crashed.value)
    assert len(await demo_provider.list_sessions()) > 1  # recovered


async def test_stopped_service_is_unreachable(
    demo_service: DemoService, demo_provider: RestProvider
) -> None:
    await demo_provider.list_sessions()
    port = demo_service.port
    demo_service.stop()
    with pytest.raises(Unreachable) as caught:
        await demo_provider.list_sessions()
    assert f"127.0.0.1:{port}" in str(caught.value)  # which local server


async def test_live_service_changes_as_its_clock_moves(live_demo_service: DemoService) -> None:
    provider = RestProvider(live_demo_service.url, live_demo_service.token)
    try:
        first = {s.id: s for s in await provider.list_sessions()}
        live_demo_service.clock.advance(minutes=5)
        second = {s.id: s for s in await provider.list_sessions()}
        ended = await provider.history()
    finally:
        await provider.aclose()
    assert set(second) - set(first), "new sign-ins appear"
    assert set(first) - set(second), "short-lived sessions expire"
    assert live_demo_service.current_id in second
    expired = {e.session.id for e in ended if e.reason is EndReason.EXPIRED}
    assert set(first) - set(second) <= expired


@pytest.mark.parametrize(
    "url",
    [
        "http://sessions.example.com",
        "ftp://127.0.0.1",
        "https://user:pw@example.com",
        "ftp://u:secretpw@example.com",
        "ftp:u:secretpw@example.com",
        "https://u:secret/pw@example.com",
        "http://127.0.0.1:notaport",
        "http://[::1",
    ],
)
def test_insecure_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(InsecureURLError) as caught:
        RestProvider(url, "t")
    assert "secret" not in str(caught.value)


async def test_plain_http_elsewhere_only_when_asked() -> None:
    provider = RestProvider("http://sessions.example.com/", "t", allow_insecure_http=True)
    assert provider.base_url == "http://sessions.example.com"
    await provider.aclose()


# -- against a server that answers nonsense ------------------------------------------------


async def listed(canned: Canned) -> list:
    provider = RestProvider(canned.url, "tok-123")
    try:
        return await provider.list_sessions()
    finally:
        await provider.aclose()


async def test_canned_good_answer_is_read(canned: Canned) -> None:
    canned.json("/v1/sessions", listing(good_session(location={"country": "de"})))
    (session,) = await listed(canned)
    assert session.last_active_at is not None
    assert session.last_active_at.isoformat() == "2026-11-25T10:00:00+00:00"
    assert session.location is not None and session.location.country_code == "DE"
    method, path, _ = canned.requests[0]
    assert (method, path) == ("GET", "/v1/sessions")


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        ([good_session()], "object"),
        ({"account": {"id": "a1"}}, "'sessions'"),
        ({"account": {"id": "a1"}, "sessions": {}}, "'sessions'"),
        ({"sessions": [good_session()]}, "'account'"),
        ({"account": {"id": 5}, "sessions": []}, "'account.id'"),
        (listing("s1"), "sessions[0]"),
        (listing(good_session(id=7)), "'sessions[0].id'"),
        (listing(good_session(id="")), "'sessions[0].id'"),
        (listing(good_session(current="yes")), "'sessions[0].current'"),
        (listing({"id": "s1"}), "'sessions[0].current'"),
        (listing(good_session(user_agent=["x"])), "'sessions[0].user_agent'"),
        (listing(good_session(created_at=1764064800)), "'sessions[0].created_at'"),
        (listing(good_session(expires_at="2026-11-25T10:00:00")), "'sessions[0].expires_at'"),
        (listing(good_session(last_active_at="yesterday")), "'sessions[0].last_active_at'"),
        (listing(good_session(ip="not-an-ip")), "'sessions[0].ip'"),
        (listing(good_session(location="Berlin")), "'sessions[0].location'"),
        (listing(good_session(location={"country": "Germany"})), "'sessions[0].location.country'"),
        (listing(good_session(location={"city": 3})), "'sessions[0].location.city'"),
        (listing(good_session(), good_session(id="s2")), "current"),
        (listing(good_session(), good_session(current=False)), "twice"),
        (listing(good_session(current=False)), "marked no session as current"),
        ({"account": {"id": "a1"}, "sessions": []}, "listed no sessions at all"),
    ],
)
async def test_wrong_shapes_are_bad_responses_naming_the_field(
    canned: Canned, payload: Any, names: str
) -> None:
    canned.json("/v1/sessions", payload)
    with pytest.raises(BadResponse) as caught:
        await listed(canned)
    assert names in str(caught.value)


async def test_html_instead_of_json_is_a_bad_response(canned: Canned) -> None:
    canned.raw("/v1/sessions", "<html><body>Welcome to nginx!</body></html>")
    with pytest.raises(BadResponse, match="not JSON"):
        await listed(canned)


async def test_html_error_page_keeps_its_status(canned: Canned) -> None:
    canned.raw("/v1/sessions", "<html>Bad Gateway</html>", status=502)
    with pytest.raises(ProviderError, match="502") as caught:
        await listed(canned)
    assert type(caught.value) is ProviderError


async def test_429_with_http_date_and_error_body(canned: Canned) -> None:
    canned.json(
        "/v1/sessions",
        {"error": {"code": "rate_limited", "message": "slow down"}},
        status=429,
        **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    with pytest.raises(RateLimited) as caught:
        await listed(canned)
    assert caught.value.retry_after == 0


async def test_server_messages_are_cleaned_and_never_carry_our_token(canned: Canned) -> None:
    canned.json(
        "/v1/sessions",
        {"error": {"code": "unauthorized", "message": "bad token tok-123\x1b[2J" + "x" * 500}},
        status=401,
    )
    with pytest.raises(AuthExpired) as caught:
        await listed(canned)
    text = str(caught.value)
    assert "tok-123" not in text and "\x1b" not in text
    assert len(text) < 400


async def test_409_other_than_current_is_a_plain_error(canned: Canned) -> None:
    canned.json("/v1/sessions", listing(good_session(), good_session(id="s2", current=False)))
    canned.json("/v1/sessions/s2", {"error": {"code": "conflict", "message": "busy"}}, status=409)
    provider = RestProvider(canned.url, "tok-123")
    try:
        with pytest.raises(ProviderError, match="409") as caught:
            await provider.revoke("s2")
    finally:
        await provider.aclose()
    assert not isinstance(caught.value, CurrentSessionProtected)


async def test_bulk_revoke_sends_one_request_with_the_ids(canned: Canned) -> None:
    canned.json(
        "/v1/sessions",
        listing(
            good_session(),
            good_session(id="s2", current=False),
            good_session(id="s/3", current=False),
        ),
    )
    canned.json("/v1/sessions/revoke-others", {"revoked": 2, "session_ids": ["s2", "s/3"]})
    provider = RestProvider(canned.url, "tok-123")
    try:
        assert await provider.revoke_others() == 2
    finally:
        await provider.aclose()
    posts = [r for r in canned.requests if r[0] == "POST"]
    assert len(posts) == 1
    assert json.loads(posts[0][2]) == {"session_ids": ["s2", "s/3"]}


@pytest.mark.parametrize(
    "answer",
    [
        {"revoked": "2"},
        {"revoked": True},
        {"revoked": -1},
        {"revoked": 1, "session_ids": "s2"},
        {"revoked": 2, "session_ids": ["s1", "s2"]},  # claims it ended the current one
        [],
    ],
)
async def test_bulk_revoke_answer_is_checked(canned: Canned, answer: Any) -> None:
    canned.json("/v1/sessions", listing(good_session(), good_session(id="s2", current=False)))
    canned.json("/v1/sessions/revoke-others", answer)
    provider = RestProvider(canned.url, "tok-123")
    try:
        with pytest.raises(BadResponse):
            await provider.revoke_others()
    finally:
        await provider.aclose()


async def test_revoke_one_quotes_the_id(canned: Canned) -> None:
    canned.json("/v1/sessions", listing(good_session(), good_session(id="a/b?c", current=False)))
    canned.raw("/v1/sessions/a%2Fb%3Fc", "", status=204, ctype="text/plain")
    provider = RestProvider(canned.url, "tok-123")
    try:
        await provider.revoke("a/b?c")
    finally:
        await provider.aclose()
    assert ("DELETE", "/v1/sessions/a%2Fb%3Fc", b"") in canned.requests


async def test_history_mapping_and_unknown_reasons(canned: Canned) -> None:
    ended = {k: v for k, v in good_session().items() if k != "current"}
    canned.json(
        "/v1/sessions/history",
        {
            "sessions": [
                {**ended, "ended_at": "2026-11-25T11:30:00Z", "end_reason": "signed_out"},
                {**ended, "id": "s2", "ended_at": None, "end_reason": "admin_wiped"},
            ]
        },
    )
    provider = RestProvider(canned.url, "tok-123")
    try:
        first, second = await provider.history()
        canned.json("/v1/sessions/history", {"sessions": [{**ended, "end_reason": 3}]})
        with pytest.raises(BadResponse, match="end_reason"):
            await provider.history()
        canned.json("/v1/sessions/history", {"sessions": [{**ended, "ended_at": 3}]})
        with pytest.raises(BadResponse, match="ended_at"):
            await provider.history()
    finally:
        await provider.aclose()
    assert first.reason is EndReason.SIGNED_OUT
    assert first.ended_at is not None and first.ended_at.hour == 11
    assert second.reason is EndReason.ENDED_ELSEWHERE and second.ended_at is None


# -- answers that are not well-formed HTTP or JSON --------------------------------------------


async def test_a_body_that_fails_its_content_encoding_is_a_bad_response(canned: Canned) -> None:
    canned.answers["/v1/sessions"] = (
        200,
        "application/json",
        b"not gzip at all",
        {"Content-Encoding": "gzip"},
    )
    with pytest.raises(BadResponse, match="cannot be decoded") as caught:
        await listed(canned)
    assert "tok-123" not in str(caught.value)


async def test_json_nested_too_deeply_is_a_bad_response(canned: Canned) -> None:
    canned.raw("/v1/sessions", "[" * 100_000 + "]" * 100_000, ctype="application/json")
    with pytest.raises(BadResponse, match="nested too deeply"):
        await listed(canned)


async def test_an_error_body_nested_too_deeply_keeps_its_status(canned: Canned) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    canned.raw("/v1/sessions", nested, status=500, ctype="application/json")
    with pytest.raises(ProviderError, match="500") as caught:
        await listed(canned)
    assert type(caught.value) is ProviderError


HOSTILE = "[bold]EVIL[/] \x1b[31mRED\x1b]0;pwned\x07 \u2028L2 \u202eRTL \ufeffBOM \x9b31m"


async def test_server_messages_lose_whole_escape_sequences_and_invisible_characters(
    canned: Canned,
) -> None:
    canned.json("/v1/sessions", {"error": {"code": "x", "message": HOSTILE}}, status=500)
    with pytest.raises(ProviderError) as caught:
        await listed(canned)
    text = str(caught.value)
    for leftover in ("[31m", "pwned", "31m", "\u2028", "\u202e", "\ufeff", "\x1b", "\x9b"):
        assert leftover not in text
    assert "[bold]EVIL[/] RED L2 RTL BOM" in text  # markup stays literal, words stay


async def test_our_token_split_by_an_invisible_character_is_still_redacted(
    canned: Canned,
) -> None:
    canned.json(
        "/v1/sessions", {"error": {"code": "x", "message": "you sent tok\u200b-123"}}, status=401
    )
    with pytest.raises(AuthExpired) as caught:
        await listed(canned)
    assert "tok-123" not in str(caught.value) and "[token]" in str(caught.value)


def test_a_plain_http_client_trusts_no_certificate_authority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No CA bundle is loaded for an http:// server (3 MiB and 20 ms of start-up); should a
    request through that client ever reach TLS, no certificate verifies: it fails closed.
    For https, httpx's own roots, or those SSL_CERT_FILE names (our clients ignore the rest of
    the environment, proxies included, so this one is read by us)."""
    import ssl

    from session_tui.providers.http import _tls

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    plain_http = _tls("http://127.0.0.1:8080")
    assert isinstance(plain_http, ssl.SSLContext)
    assert plain_http.verify_mode is ssl.CERT_REQUIRED and plain_http.check_hostname
    assert plain_http.cert_store_stats()["x509_ca"] == 0
    assert _tls("https://sessions.example.org") is True
    import certifi

    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    chosen = _tls("https://sessions.example.org")
    assert isinstance(chosen, ssl.SSLContext) and chosen.cert_store_stats()["x509_ca"] > 0
