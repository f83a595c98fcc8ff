"""A hostile server of our REST contract: real HTTP on 127.0.0.1, stateful, recording every
request as it arrived. Its ids and names carry escape sequences, formula prefixes, dots and
line breaks; the command-line tests run the installed script against it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import unquote

import pytest
from canned_rest import Answer, serving

TOKEN = "hostile-token-1"
CURRENT = "me-0001"
# id -> device name; every one of them hostile in some way.
SESSIONS: dict[str, str] = {
    CURRENT: "\x1b]0;pwned title\x07My laptop",
    "=cmd|' /C calc'!A0": '=HYPERLINK("http://evil.example","click")',
    "+1": "\x1b[31mred\x1b[0m phone",
    "-rf": "@SUM(1+1)",
    "@at": "\x9b31m8-bit CSI",
    "..": "dots\u202etxt.exe",
    "ok\x1b]0;x\x07id": "escape in the id",
}


@dataclass
class HostileRest:
    url: str = ""
    sessions: dict[str, str] = field(default_factory=lambda: dict(SESSIONS))
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def revoking(self) -> list[tuple[str, str, bytes]]:
        return [r for r in self.requests if r[0] in ("DELETE", "POST")]

    def listing(self) -> dict[str, Any]:
        return {
            "account": {"id": "acct-1", "email": "\x1b[2Jalex@example.com"},
            "sessions": [
                {
                    "id": sid,
                    "current": sid == CURRENT,
                    "device_name": name,
                    "user_agent": "\x1b]8;;https://evil.example\x07curl/8.5\x1b]8;;\x07",
                    "ip": "203.0.113.7",
                    "created_at": "2026-12-01T10:00:00Z",
                    "last_active_at": "2026-12-01T11:00:00Z",
                }
                for sid, name in self.sessions.items()
            ],
        }

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, path, body))
            if path.split("?")[0] == "/v1/sessions" and method == "GET":
                return 200, self.listing()
            if path == "/v1/sessions/revoke-others" and method == "POST":
                asked = json.loads(body or b"{}").get("session_ids") or []
                ended = [i for i in asked if i in self.sessions and i != CURRENT]
                for sid in ended:
                    del self.sessions[sid]
                return 200, {"revoked": len(ended), "session_ids": ended}
            if path.startswith("/v1/sessions/") and method == "DELETE":
                segment = path[len("/v1/sessions/") :]
                sid = unquote(segment)
                if "/" in segment or sid not in self.sessions or sid == CURRENT:
                    return 404, {"error": {"code": "not_found", "message": "No such."}}
                del self.sessions[sid]
                return 204, None
            return 404, {"error": {"code": "not_found", "message": "No such endpoint."}}


@pytest.fixture
def hostile_rest() -> Iterator[HostileRest]:
    state = HostileRest()

    def handle(method: str, path: str, body: bytes, headers: Message) -> Answer:
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            status, payload = 401, {"error": {"code": "unauthorized", "message": "no"}}
        else:
            status, payload = state.handle(method, path, body)
        raw = b"" if payload is None else json.dumps(payload).encode()
        return status, "application/json", raw, {}

    with serving(handle) as url:
        state.url = url
        yield state
