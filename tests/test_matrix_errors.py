"""How Matrix error answers become typed errors, over real HTTP from a tiny canned server.

Synapse itself will not rate-limit or send garbage on demand (the test server's limits are
lifted), so a stdlib HTTP server on 127.0.0.1 replays answers shaped like Synapse's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    Forbidden,
    NotAdmin,
    ProviderError,
    RateLimited,
    WrongPassword,
)
from session_tui.providers.matrix import MatrixProvider, password_login
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
