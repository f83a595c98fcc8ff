"""A tiny stdlib HTTP server that answers what a test put in it, per path: for the `rest`
provider's handling of answers the demo service never gives (nonsense, and ones that are
right but unusual)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Canned:
    """What the nonsense server answers: per path, (status, content type, body, headers)."""

    answers: dict[str, tuple[int, str, bytes, dict[str, str]]] = field(default_factory=dict)
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    url: str = ""

    def json(self, path: str, payload: Any, status: int = 200, **headers: str) -> None:
        raw = json.dumps(payload).encode()
        self.answers[path] = (status, "application/json", raw, headers)

    def raw(self, path: str, body: str, status: int = 200, ctype: str = "text/html") -> None:
        self.answers[path] = (status, ctype, body.encode(), {})


Answer = tuple[int, str, bytes, dict[str, str]]  # status, content type, body, headers
Handle = Callable[[str, str, bytes, Message], Answer]  # method, raw path, body, headers


@contextlib.contextmanager
def serving(handle: Handle) -> Iterator[str]:
    """A threaded HTTP/1.1 server on 127.0.0.1 whose every answer is `handle`'s; its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, ctype, raw, headers = handle(self.command, self.path, body, self.headers)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_DELETE = do_PUT = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def canned() -> Iterator[Canned]:
    state = Canned()

    def handle(method: str, path: str, body: bytes, headers: Message) -> Answer:
        state.requests.append((method, path, body))
        return state.answers.get(path.split("?")[0], (404, "text/plain", b"no", {}))

    with serving(handle) as url:
        state.url = url
        yield state


def good_session(**changes: Any) -> dict[str, Any]:
    return {
        "id": "s1",
        "current": True,
        "user_agent": "curl/8.5.0",
        "device_name": None,
        "ip": "91.64.1.2",
        "location": None,
        "created_at": "2026-11-25T10:00:00Z",
        "last_active_at": "2026-11-25T11:00:00+01:00",
        "expires_at": None,
        **changes,
    }


def listing(*sessions: dict[str, Any]) -> dict[str, Any]:
    return {"account": {"id": "a1"}, "sessions": list(sessions)}
