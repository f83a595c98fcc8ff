"""A misbehaving session API for the fault tests: our REST contract, with faults on demand.

`FaultServer` listens on 127.0.0.1 and forwards every request to a real demo service, unless its
`mode` says to misbehave. The test switches modes while the real app runs:

- "ok": forward as is;
- "slow": answer after `delay` seconds; "trickle": send the headers, then one byte of the body
  every `delay` seconds; "hang": accept and never answer;
- "500", "503" (with Retry-After: `retry_after`), "429" (likewise): the contract's error shape;
- "html": an HTML error page with 200; "truncated": half of the real JSON; "huge": a valid
  answer of `size` bytes (a giant device name); "wrong-types": ids as numbers;
- "revoke-lies": revocations answered `{"revoked": 0}` (and not done); "revoke-timeout": the
  revocation is done, then the connection hangs up without an answer; "revoke-404": "not found"
  (and not done); "revoke-404-gone": "not found", the session ending all the same.

Listings are always fetched from the demo, so "revoke-*" modes leave polls truthful.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import server_process

from session_tui.demo import DemoService


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, demo: DemoService) -> None:
        super().__init__(("127.0.0.1", server_process.free_port()), _Handler)
        self.demo = demo
        self.mode = "ok"
        self.delay = 2.0
        self.retry_after = 7
        self.size = 8 * 1024 * 1024
        self.requests: list[tuple[str, str, str]] = []  # (mode, method, path)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        server = self.server
        mode = server.mode
        server.requests.append((mode, method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        revoking = method in ("POST", "DELETE")
        if mode == "revoke-lies" and revoking:
            return self._json(200, {"revoked": 0, "session_ids": []})
        if mode in ("revoke-404", "revoke-404-gone") and revoking:
            if mode == "revoke-404-gone":
                self._forward(method, body)  # it ends, whatever the answer says
            return self._json(404, {"error": {"code": "not_found", "message": "No such."}})
        if mode == "revoke-timeout" and revoking:
            self._forward(method, body)  # done on the server...
            self.close_connection = True  # ...and no answer comes back
            return None
        if revoking or mode in (
            "ok",
            "revoke-lies",
            "revoke-404",
            "revoke-404-gone",
            "revoke-timeout",
        ):
            status, headers, content = self._forward(method, body)
            return self._raw(status, content, headers.get("content-type", "application/json"))
        if mode == "hang":
            time.sleep(3600)
        if mode == "slow":
            time.sleep(server.delay)
            status, headers, content = self._forward(method, body)
            return self._raw(status, content, "application/json")
        if mode == "trickle":
            return self._trickle()
        if mode in ("500", "503", "429"):
            extra = {"Retry-After": str(server.retry_after)} if mode != "500" else {}
            return self._json(int(mode), {"error": {"code": "x", "message": f"mode {mode}"}}, extra)
        if mode == "html":
            return self._raw(200, b"<html><body><h1>Gateway</h1></body></html>", "text/html")
        _, _, content = self._forward(method, body)
        if mode == "truncated":
            return self._raw(200, content[: len(content) // 2], "application/json")
        data = json.loads(content)
        if mode == "wrong-types":
            for item in data["sessions"]:
                item["id"] = 12345
            return self._json(200, data)
        if mode == "huge":
            data["sessions"][1]["device_name"] = "A" * server.size
            return self._json(200, data)
        raise AssertionError(f"unknown mode {mode}")

    def _forward(self, method: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        demo = self.server.demo
        headers = {"Authorization": self.headers.get("Authorization", "")}
        if body:
            headers["Content-Type"] = "application/json"
        # Every listing whole (`since` left out): the faults here rewrite full listings, and
        # a server that ignores `since` is within the contract.
        path = self.path
        if urlsplit(path).path == "/v1/sessions":
            path = "/v1/sessions"
        with httpx.Client(base_url=demo.url, timeout=30) as client:
            answer = client.request(method, path, content=body or None, headers=headers)
        return answer.status_code, dict(answer.headers), answer.content

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(data).encode(), "application/json", headers)

    def _raw(
        self, status: int, content: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if content and status != 204:
            self.wfile.write(content)

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(100000):
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(self.server.delay)


@pytest.fixture
def faulty(demo_service: DemoService) -> Iterator[FaultServer]:
    server = FaultServer(demo_service)
    yield server
    server.stop()
