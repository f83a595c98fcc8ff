"""The demo service: our REST session contract (docs/session-api.yaml) over real HTTP.

Standard library only, so the app can start it in-process with no extra dependency. It binds to
127.0.0.1 only: plain http is fine there (the URL policy allows loopback) and nobody else can
reach the demo token.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from session_tui.demo.answers import Streamed
from session_tui.demo.requests import ApiError, default_code, require_bearer
from session_tui.demo.routes import answer
from session_tui.demo.saved import SavedAccount
from session_tui.demo.state import DemoState
from session_tui.demo.users import USERS_PREFIX, WatchedUsers

API_PREFIX = "/v1/sessions"
MAX_BODY = 4 * 1024 * 1024  # the contract allows 1,000 ids of up to 1,024 characters


class _Server(ThreadingHTTPServer):
    """Remembers open connections so `stop()` really ends keep-alive clients too."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: DemoService) -> None:
        self.service = service
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # http.server sends the headers and the body in two writes; with Nagle's algorithm
        # and the client's delayed ACK that costs 40 ms per answer on loopback.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (the app quit while a poll was in flight) is
        normal; socketserver would print its traceback over the user's terminal."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
            self.open_sockets.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "session-tui-demo"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line is harmless, but a TUI must not get stderr noise."""

    def __getattr__(self, name: str) -> Any:
        """`do_GET`, `do_DELETE`, ... and every other method: http.server looks the method up
        by name and says 501, "not implemented", where there is none. Here each gets an
        answer: the contract's own, or 405 naming what the resource allows in `Allow`."""
        method = name[3:]
        if name.startswith("do_") and method.isascii() and method.isalpha() and method.isupper():
            return lambda: self._dispatch(method)
        raise AttributeError(name)

    # -- plumbing --------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        service = self.server.service
        service.seen(method, self.path)
        try:
            body = self._read_body()
            status, payload = service.handle(
                method, self.path, self.headers.get("Authorization"), body
            )
        except ApiError as err:
            self._send_json(
                err.status,
                {"error": {"code": err.code, "message": err.message}},
                err.headers,
            )
            return
        except Exception:  # a bug in the demo must still answer in the contract's shape
            self._send_json(
                500, {"error": {"code": "internal", "message": "The demo service failed."}}
            )
            return
        if status == HTTPStatus.NO_CONTENT:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send_json(status, payload)

    def _read_body(self) -> bytes:
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise ApiError(400, "invalid_request", "Content-Length is not a number.") from None
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "invalid_request", "The request body is too large.")
        return self.rfile.read(length)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        streamed = isinstance(payload, Streamed)
        raw = b"" if streamed else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if streamed:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":  # an answer to HEAD has the headers of one, never a body
            return
        if not streamed:
            self.wfile.write(raw)
            return
        for chunk in payload.chunks():
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")


class DemoService:
    """The embedded demo: a `DemoState` served over HTTP on 127.0.0.1.

    `live=False` with a fixed `clock` and `seed` gives the same sessions, ids and times on
    every run (for snapshot tests); `live=True` lets activity, sign-ins and expiry happen as
    the clock moves. The token comes from `secrets` unless given.
    """

    def __init__(
        self,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        live: bool = True,
        token: str | None = None,
        *,
        port: int = 0,
        sessions: int | None = None,
        saved: SavedAccount | None = None,
        users: WatchedUsers | None = None,
    ) -> None:
        """`saved` keeps the account in a file every run shares (`demo.saved`); `users` are
        other accounts an operator watches on call (`/v1/users/...`, `--demo --admin`)."""
        self.users = users
        self.clock = clock
        self._saved = saved

        def make() -> DemoState:
            return DemoState(seed=seed, clock=clock, live=live, sessions=sessions)

        self.state = saved.open(make) if saved is not None else make()
        self.token = token or secrets.token_urlsafe(24)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failures: list[tuple[int, str, str, float | None]] = []
        # (method, path) of the latest requests, in order (bounded: the demo may run for days)
        self.requests: deque[tuple[str, str]] = deque(maxlen=10_000)
        self._failures_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = _Server(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="session-tui-demo",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> DemoService:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the demo service is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for `RestProvider` (the API lives under /v1 below it)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def current_id(self) -> str:
        return self.state.current_id

    # -- test helpers ----------------------------------------------------------------------

    def seen(self, method: str, target: str) -> None:
        """Every request received, as (method, path): tests count what a run sent."""
        with self._failures_lock:
            self.requests.append((method, urlsplit(target).path))

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        code: str | None = None,
        message: str = "Injected failure.",
        retry_after: float | None = None,
    ) -> None:
        """Make the next `times` authenticated API requests fail with this status.

        For UI tests of error paths (a revoke that fails leaves the row; 429 backs off).
        """
        code = code or default_code(status)
        with self._failures_lock:
            self._failures.extend([(status, code, message, retry_after)] * times)

    # -- the contract ----------------------------------------------------------------------

    def handle(
        self, method: str, target: str, authorization: str | None, body: bytes
    ) -> tuple[int, Any]:
        """One request to (status, JSON payload); errors are raised as `ApiError`."""
        if self._saved is None:
            return self._answer(method, target, authorization, body)
        with self._saved.turn(self.state):
            return self._answer(method, target, authorization, body)

    def _answer(
        self, method: str, target: str, authorization: str | None, body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        if self.users is not None and path.startswith(USERS_PREFIX):
            self._injected_failure()
            return self.users.answer(method, path, parts.query, authorization, body)
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            raise ApiError(404, "not_found", "No such endpoint.")
        self._authenticate(authorization)
        self._injected_failure()
        state = self.state
        if not state.is_active(state.current_id):
            # The token's own session was ended (from elsewhere): the token dies with it.
            raise ApiError(401, "unauthorized", "This session has ended; sign in again.")
        state.touch(state.current_id)
        return answer(state, state.current_id, method, path[len(API_PREFIX) :], parts.query, body)

    def _authenticate(self, authorization: str | None) -> None:
        require_bearer(authorization, self.token)

    def _injected_failure(self) -> None:
        with self._failures_lock:
            if not self._failures:
                return
            status, code, message, retry_after = self._failures.pop(0)
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        raise ApiError(status, code, message, headers)
