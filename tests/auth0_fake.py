"""A stateful model of Auth0's session endpoints (Management API v2) and its token endpoint,
written by us from Auth0's documented API (read 2026-12-06); real HTTP on 127.0.0.1. The
provider is tested against this, not against Auth0's service, and the README says so.

What it enforces, as documented: a bearer Management API token with the right scopes
(`read:sessions`, `delete:sessions`), issued by `/oauth/token` for client credentials with the
Management API as audience, and refused once it expires (401); checkpoint pages (`take`,
`from`, `next`); error bodies `{"statusCode", "error", "message", "errorCode"}`; 202 for
signing a user out; and, when `throttled`, 429 with `X-RateLimit-Limit/-Remaining/-Reset`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from canned_rest import Answer, serving

CLIENT_ID, CLIENT_SECRET = "m2m-app", f"secret-{uuid.uuid4().hex}"
WATCHER_ID, WATCHER_SECRET = "read-only-app", f"secret-{uuid.uuid4().hex}"
NOW = "2026-12-06T08:00:00.000Z"


def error(status: int, name: str, message: str, code: str = "") -> tuple[int, dict[str, Any]]:
    body = {"statusCode": status, "error": name, "message": message}
    if code:
        body["errorCode"] = code
    return status, body


@dataclass
class Auth0Fake:
    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> session JSON
    tokens: dict[str, tuple[float, set[str]]] = field(default_factory=dict)  # -> (expiry, scopes)
    requests: list[tuple[str, str]] = field(default_factory=list)
    throttled: bool = False
    token_lifetime: int = 86400
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, scopes: set[str], lifetime: int | None = None) -> str:
        token = f"mgmt-{uuid.uuid4().hex}"
        self.tokens[token] = (time.time() + (lifetime or self.token_lifetime), scopes)
        return token

    def sign_in(
        self,
        user_id: str,
        *,
        ip: str = "198.51.100.7",
        agent: str = "curl/8.5.0",
        asn: str = "3320",
        client: str = "web-app",
    ) -> str:
        sid = uuid.uuid4().hex
        self.sessions[sid] = {
            "id": sid,
            "user_id": user_id,
            "created_at": NOW,
            "updated_at": NOW,
            "authenticated_at": NOW,
            "last_interacted_at": NOW,
            "expires_at": "2026-12-09T08:00:00.000Z",
            "idle_expires_at": "2026-12-09T08:00:00.000Z",
            "device": {
                "initial_ip": ip,
                "initial_asn": asn,
                "initial_user_agent": agent,
                "last_ip": ip,
                "last_asn": asn,
                "last_user_agent": agent,
            },
            "clients": [{"client_id": client}],
            "authentication": {"methods": [{"name": "pwd", "timestamp": NOW}]},
            "cookie": {"mode": "persistent"},
        }
        return sid

    def of(self, user_id: str) -> list[str]:
        return sorted(s for s, v in self.sessions.items() if v["user_id"] == user_id)

    def handle(self, method: str, target: str, body: bytes, headers: Message) -> Answer:
        with self.lock:
            self.requests.append((method, target))
            status, payload, extra = self._route(method, target, body, headers)
        raw = b"" if payload is None else json.dumps(payload).encode()
        return status, "application/json", raw, extra

    def _route(self, method: str, target: str, body: bytes, headers: Message) -> Any:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if self.throttled:
            reset = str(int(time.time()) + 9)
            limits = {
                "X-RateLimit-Limit": "50",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            }
            return (*error(429, "Too Many Requests", "Global limit has been reached"), limits)
        if path == "/oauth/token" and method == "POST":
            return self._token(body)
        scopes = self._scopes(headers)
        if scopes is None:
            return (*error(401, "Unauthorized", "Invalid token"), {})
        segments = [unquote(p) for p in path.strip("/").split("/")]
        if segments[:3] == ["api", "v2", "users"] and segments[4:] == ["sessions"]:
            user = segments[3]
            if method == "GET":
                if "read:sessions" not in scopes:
                    return (
                        *error(403, "Forbidden", "Insufficient scope", "insufficient_scope"),
                        {},
                    )
                return self._page(user, query)
            if method == "DELETE":
                if "delete:sessions" not in scopes:
                    return (
                        *error(403, "Forbidden", "Insufficient scope", "insufficient_scope"),
                        {},
                    )
                for sid in self.of(user):
                    del self.sessions[sid]
                return 202, None, {}
        if segments[:3] == ["api", "v2", "sessions"] and len(segments) == 4 and method == "DELETE":
            if "delete:sessions" not in scopes:
                return (*error(403, "Forbidden", "Insufficient scope", "insufficient_scope"), {})
            if self.sessions.pop(segments[3], None) is None:
                return (
                    *error(404, "Not Found", "The session does not exist", "inexistent_session"),
                    {},
                )
            return 204, None, {}
        return (*error(404, "Not Found", "Not Found"), {})

    def _scopes(self, headers: Message) -> set[str] | None:
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        found = self.tokens.get(token)
        if not auth.startswith("Bearer ") or found is None or found[0] < time.time():
            return None
        return found[1]

    def _token(self, body: bytes) -> Any:
        try:
            form = json.loads(body)
        except ValueError:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        pair = (form.get("client_id"), form.get("client_secret"))
        if form.get("grant_type") != "client_credentials" or pair not in (
            (CLIENT_ID, CLIENT_SECRET),
            (WATCHER_ID, WATCHER_SECRET),
        ):
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}, {}
        if form.get("audience") != f"{self.url}/api/v2/":
            return 403, {"error": "access_denied", "error_description": "Service not enabled"}, {}
        scopes = {"read:sessions"} | ({"delete:sessions"} if pair[0] == CLIENT_ID else set())
        token = self.issue(scopes)
        answer = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": " ".join(sorted(scopes)),
        }
        return 200, answer, {}

    def _page(self, user: str, query: dict[str, list[str]]) -> Any:
        take = int((query.get("take") or ["50"])[0])
        start = (query.get("from") or [""])[0]
        ids = [s for s in self.of(user) if s > start] if start else self.of(user)
        page, rest = ids[:take], ids[take:]
        body: dict[str, Any] = {"sessions": [self.sessions[s] for s in page]}
        if rest:
            body["next"] = page[-1]
        return 200, body, {}


@pytest.fixture
def auth0() -> Iterator[Auth0Fake]:
    fake = Auth0Fake()
    with serving(fake.handle) as url:
        fake.url = url
        yield fake
