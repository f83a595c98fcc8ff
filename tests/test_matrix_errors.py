"""How Matrix error answers become typed errors, over real HTTP from a tiny canned server.

Synapse itself will not rate-limit or send garbage on demand (the test server's limits are
lifted), so a stdlib HTTP server on 127.0.0.1 replays answers shaped like Synapse's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NoAnswer,
    NotAdmin,
    ProviderError,
    RateLimited,
    Unreachable,
    WrongPassword,
)
from session_tui.providers.http import request_failed
from session_tui.providers.matrix import MatrixProvider, password_login, password_login_sync
from session_tui.providers.synapse_admin import SynapseAdminProvider

WHOAMI = {"user_id": "@alice:localhost", "device_id": "TUI", "is_guest": False}
TOKEN = "syt_canned_token_never_shown"


class Canned(ThreadingHTTPServer):
    """Answers GET whoami normally and everything else with `answer` (status, headers, body)."""

    answer: tuple[int, dict[str, str], bytes] = (200, {}, b"{}")


class Handler(BaseHTTPRequestHandler):
    server: Canned

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.endswith("/account/whoami"):
            status, headers, body = 200, {}, json.dumps(WHOAMI).encode()
        else:
            status, headers, body = self.server.answer
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _reply

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def canned() -> Iterator[Canned]:
    server = Canned(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
async def provider(canned: Canned) -> AsyncIterator[MatrixProvider]:
    p = MatrixProvider(f"http://127.0.0.1:{canned.server_address[1]}", TOKEN)
    try:
        yield p
    finally:
        await p.aclose()


def answer(canned: Canned, status: int, body: object, **headers: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    canned.answer = (status, headers, raw)


async def test_rate_limit_honours_retry_after_ms(canned: Canned, provider: MatrixProvider) -> None:
    answer(
        canned, 429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many", "retry_after_ms": 2500}
    )
    with pytest.raises(RateLimited) as caught:
        await provider.list_sessions()
    assert caught.value.retry_after == 2.5


async def test_rate_limit_falls_back_to_the_retry_after_header(
    canned: Canned, provider: MatrixProvider
) -> None:
    answer(canned, 429, {"errcode": "M_LIMIT_EXCEEDED"}, **{"Retry-After": "333"})
    with pytest.raises(RateLimited) as caught:
        await provider.list_sessions()
    assert caught.value.retry_after == 333


@pytest.mark.parametrize("errcode", ["M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"])
async def test_dead_tokens_are_auth_expired(
    canned: Canned, provider: MatrixProvider, errcode: str
) -> None:
    answer(canned, 401, {"errcode": errcode, "error": "Invalid access token passed."})
    with pytest.raises(AuthExpired) as caught:
        await provider.list_sessions()
    assert "signed out" in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_forbidden_keeps_a_clean_server_sentence(
    canned: Canned, provider: MatrixProvider
) -> None:
    answer(canned, 403, {"errcode": "M_FORBIDDEN", "error": "No\x1b[31m way\n"})
    with pytest.raises(Forbidden) as caught:
        await provider.rename("X", "new")
    assert "\x1b" not in str(caught.value) and "\n" not in str(caught.value)


async def test_uia_answers(canned: Canned, provider: MatrixProvider) -> None:
    flows = {"flows": [{"stages": ["m.login.password"]}], "params": {}, "session": "s"}
    answer(canned, 401, {**flows, "errcode": "M_FORBIDDEN", "error": "Invalid password"})
    with pytest.raises(WrongPassword):
        await provider.revoke("OTHER", password="nope")
    answer(canned, 401, {"flows": [{"stages": ["m.login.sso"]}], "params": {}, "session": "s"})
    with pytest.raises(ProviderError) as caught:
        await provider.revoke("OTHER", password="pw")
    assert "single sign-on" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html>oops</html>", "not JSON"),
        ({"devices": [{"device_id": "A", "last_seen_ts": "x"}]}, "last_seen_ts"),
        ({"nothing": []}, "devices"),
    ],
)
async def test_malformed_answers_are_bad_responses(
    canned: Canned, provider: MatrixProvider, body: object, words: str
) -> None:
    answer(canned, 200, body)
    with pytest.raises(BadResponse) as caught:
        await provider.list_sessions()
    assert words in str(caught.value)


async def test_login_refusal_is_a_wrong_password(canned: Canned) -> None:
    answer(canned, 403, {"errcode": "M_FORBIDDEN", "error": "Invalid username or password"})
    with pytest.raises(WrongPassword):
        await password_login(f"http://127.0.0.1:{canned.server_address[1]}", "@a:b", "pw")


async def test_admin_403_is_not_admin(canned: Canned) -> None:
    answer(canned, 403, {"errcode": "M_FORBIDDEN", "error": "You are not a server admin"})
    p = SynapseAdminProvider(f"http://127.0.0.1:{canned.server_address[1]}", TOKEN, "@bob:x")
    try:
        with pytest.raises(NotAdmin) as caught:
            await p.list_sessions()
        assert "@alice:localhost is not a server admin" in str(caught.value)
    finally:
        await p.aclose()


# -- answers that are not well-formed HTTP or JSON, for the async and the sync sender ----------

PASSWORD = "correct horse battery staple"


async def test_a_body_that_fails_its_content_encoding_is_a_bad_response(
    canned: Canned, provider: MatrixProvider
) -> None:
    answer(canned, 200, b"not gzip at all", **{"Content-Encoding": "gzip"})
    with pytest.raises(BadResponse, match="cannot be decoded") as caught:
        await provider.revoke("OTHER", password=PASSWORD)
    assert PASSWORD not in str(caught.value) and TOKEN not in str(caught.value)


async def test_json_nested_too_deeply_is_a_bad_response(
    canned: Canned, provider: MatrixProvider
) -> None:
    answer(canned, 200, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(BadResponse, match="nested too deeply"):
        await provider.revoke("OTHER", password=PASSWORD)
    answer(canned, 403, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(Forbidden):  # the status still speaks when the body cannot
        await provider.revoke("OTHER", password=PASSWORD)


def test_the_sync_sign_in_maps_the_same_failures(canned: Canned) -> None:
    url = f"http://127.0.0.1:{canned.server_address[1]}"
    answer(canned, 200, b"not gzip at all", **{"Content-Encoding": "gzip"})
    with pytest.raises(BadResponse, match="cannot be decoded") as caught:
        password_login_sync(url, "@alice:localhost", PASSWORD)
    assert PASSWORD not in str(caught.value)
    answer(canned, 200, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(BadResponse, match="nested too deeply"):
        password_login_sync(url, "@alice:localhost", PASSWORD)


def test_failures_without_an_answer_and_with_a_broken_one_are_told_apart() -> None:
    request = httpx.Request("GET", f"https://example.org/?access_token={TOKEN}")
    cases = [
        (httpx.ConnectError("refused", request=request), Unreachable),
        (httpx.ConnectTimeout("no route", request=request), Unreachable),
        # Sent, maybe acted on, but no answer: a revoke's outcome is then unknown.
        (httpx.ReadTimeout("slow", request=request), NoAnswer),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), NoAnswer),
        (httpx.RemoteProtocolError("illegal status line", request=request), BadResponse),
        (httpx.TooManyRedirects(f"loop via {request.url}", request=request), BadResponse),
        (httpx.DecodingError("incorrect header check", request=request), BadResponse),
    ]
    for exc, kind in cases:
        error = request_failed(exc, "example.org")
        assert type(error) is kind, exc
        assert TOKEN not in str(error) and "example.org" in str(error)


HOSTILE = "[bold]EVIL[/] \x1b[31mred\x1b]0;pwned\x07 \u2028line2 \u202eevil \ufeffbom"


async def test_server_sentences_lose_whole_escape_sequences_and_invisible_characters(
    canned: Canned, provider: MatrixProvider
) -> None:
    answer(canned, 403, {"errcode": "M_FORBIDDEN", "error": HOSTILE})
    with pytest.raises(Forbidden) as caught:
        await provider.rename("X", "new")
    text = str(caught.value)
    for leftover in ("[31m", "pwned", "\u2028", "\u202e", "\ufeff", "\x1b"):
        assert leftover not in text
    assert "[bold]EVIL[/] red line2 evil bom" in text
