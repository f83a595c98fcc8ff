"""A stateful model of Ory Kratos's session API, written by us from Kratos's published API
description (`spec/api.json`, read 2026-12-06) and its documented behaviour; real HTTP on
127.0.0.1. Kratos is a Go server we do not run here: this is what the provider is tested
against, and the README says so.

What it enforces, as documented: the `X-Session-Token` header on the public API and a bearer
API key on the admin API (401 `errorGeneric` otherwise); keyset pages (`page_size`,
`page_token`, `Link` with `rel="first"` and `rel="next"`); `GET /sessions` leaving the current
session out; 400 for revoking the current session through `DELETE /sessions/{id}`; 404 for
an unknown one; `DELETE /sessions` answering `{"count": N}`; a revoked session's token
refused at once; and, when `throttled`, 429 answers with `Retry-After`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from canned_rest import Answer, serving

API_KEY = f"ory_pat_{uuid.uuid4().hex}"
NOW = "2026-12-06T08:00:00Z"
EXPIRES = "2026-12-07T08:00:00Z"
DEFAULT_PAGE = 250


def error(code: int, status: str, message: str, reason: str = "") -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if reason:
        body["reason"] = reason
    return code, {"error": body}


@dataclass
class FakeSession:
    id: str
    identity_id: str
    token: str
    active: bool = True
    devices: list[dict[str, str]] = field(default_factory=list)


@dataclass
class KratosFake:
    url: str = ""
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> identity
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # email -> (id, pw)
    sessions: dict[str, FakeSession] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    throttled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what tests set up, as other clients and admins would -----------------------------

    def add_identity(self, email: str, password: str = "pw") -> str:
        ident = str(uuid.uuid4())
        self.identities[ident] = {
            "id": ident,
            "schema_id": "default",
            "state": "active",
            "traits": {"email": email},
        }
        self.passwords[email] = (ident, password)
        return ident

    def sign_in(
        self,
        identity_id: str,
        *,
        ip: str = "198.51.100.7",
        agent: str = "curl/8.5.0",
        place: str | None = None,
    ) -> FakeSession:
        device = {"id": str(uuid.uuid4()), "ip_address": ip, "user_agent": agent}
        if place:
            device["location"] = place
        session = FakeSession(str(uuid.uuid4()), identity_id, f"ory_st_{uuid.uuid4().hex}")
        session.devices.append(device)
        self.sessions[session.id] = session
        return session

    def live(self, session_id: str) -> bool:
        found = self.sessions.get(session_id)
        return found is not None and found.active

    # -- the API ---------------------------------------------------------------------------

    def to_json(self, session: FakeSession) -> dict[str, Any]:
        return {
            "id": session.id,
            "active": session.active,
            "authenticated_at": NOW,
            "issued_at": NOW,
            "expires_at": EXPIRES,
            "authenticator_assurance_level": "aal1",
            "authentication_methods": [{"method": "password", "completed_at": NOW}],
            "devices": session.devices,
            "identity": self.identities[session.identity_id],
        }

    def _by_token(self, headers: Message) -> FakeSession | None:
        token = headers.get("X-Session-Token")
        return next(
            (s for s in self.sessions.values() if s.active and token and s.token == token), None
        )

    def _page(self, path: str, items: list[FakeSession], query: dict[str, list[str]]) -> Answer:
        size = int((query.get("page_size") or [str(DEFAULT_PAGE)])[0])
        start = (query.get("page_token") or [""])[0]
        ordered = sorted(items, key=lambda s: s.id)
        if start:
            ordered = [s for s in ordered if s.id > start]
        page, rest = ordered[:size], ordered[size:]
        links = [f'<{path}?{urlencode({"page_size": size, "page_token": ""})}>; rel="first"']
        if rest:
            token = page[-1].id
            links.append(
                f'<{path}?{urlencode({"page_size": size, "page_token": token})}>; rel="next"'
            )
        raw = json.dumps([self.to_json(s) for s in page]).encode()
        return 200, "application/json", raw, {"Link": ",".join(links)}

    def handle(self, method: str, target: str, body: bytes, headers: Message) -> Answer:
        with self.lock:
            self.requests.append((method, target))
            status, payload, extra = self._route(method, target, body, headers)
        if isinstance(status, tuple):  # a page, already made
            return status
        raw = b"" if payload is None else json.dumps(payload).encode()
        return status, "application/json", raw, extra

    def _route(self, method: str, target: str, body: bytes, headers: Message) -> Any:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if self.throttled:
            code, err = error(429, "Too Many Requests", "rate limit exceeded")
            return code, err, {"Retry-After": "7"}
        if path.startswith("/admin/"):
            if headers.get("Authorization") != f"Bearer {API_KEY}":
                return (*error(401, "Unauthorized", "access credentials are invalid"), {})
            return self._admin(method, path, query)
        if path == "/self-service/login/api" and method == "GET":
            return 200, {"id": str(uuid.uuid4()), "type": "api", "ui": {"nodes": []}}, {}
        if path == "/self-service/login" and method == "POST":
            return self._login(body)
        if path == "/self-service/logout/api" and method == "DELETE":
            token = json.loads(body or b"{}").get("session_token")
            found = next((s for s in self.sessions.values() if s.token == token), None)
            if found is None or not found.active:
                return (*error(401, "Unauthorized", "no valid session"), {})
            found.active = False
            return 204, None, {}
        me = self._by_token(headers)
        if me is None:
            return (*error(401, "Unauthorized", "No valid session credentials found."), {})
        if path == "/sessions/whoami" and method == "GET":
            return 200, self.to_json(me), {}
        if path == "/sessions" and method == "GET":
            others = [
                s
                for s in self.sessions.values()
                if s.identity_id == me.identity_id and s.active and s.id != me.id
            ]
            return self._page(path, others, query), None, {}
        if path == "/sessions" and method == "DELETE":
            count = 0
            for s in self.sessions.values():
                if s.identity_id == me.identity_id and s.active and s.id != me.id:
                    s.active, count = False, count + 1
            return 200, {"count": count}, {}
        if path.startswith("/sessions/") and method == "DELETE":
            sid = path.removeprefix("/sessions/")
            if sid == me.id:
                return (*error(400, "Bad Request", "cannot revoke current session"), {})
            target_session = self.sessions.get(sid)
            if target_session is None or target_session.identity_id != me.identity_id:
                return (*error(404, "Not Found", "Unable to locate the resource"), {})
            target_session.active = False
            return 204, None, {}
        return (*error(404, "Not Found", "Unable to locate the resource"), {})

    def _login(self, body: bytes) -> Any:
        form = json.loads(body or b"{}")
        known = self.passwords.get(form.get("identifier", ""))
        if form.get("method") != "password" or known is None or known[1] != form.get("password"):
            flow = {
                "id": "flow",
                "ui": {
                    "messages": [
                        {
                            "id": 4000006,
                            "type": "error",
                            "text": "The provided credentials are invalid.",
                        }
                    ]
                },
            }
            return 400, flow, {}
        session = self.sign_in(known[0], agent="session-tui/0.1.0", ip="127.0.0.1")
        return 200, {"session_token": session.token, "session": self.to_json(session)}, {}

    def _admin(self, method: str, path: str, query: dict[str, list[str]]) -> Any:
        parts = path.strip("/").split("/")
        if parts[:2] == ["admin", "identities"] and len(parts) >= 3:
            identity = self.identities.get(parts[2])
            if identity is None:
                return (*error(404, "Not Found", "Unable to locate the resource"), {})
            if len(parts) == 3 and method == "GET":
                return 200, identity, {}
            if parts[3:] == ["sessions"] and method == "GET":
                active = (query.get("active") or [""])[0]
                mine = [
                    s
                    for s in self.sessions.values()
                    if s.identity_id == parts[2] and (active != "true" or s.active)
                ]
                return self._page(path, mine, query), None, {}
            if parts[3:] == ["sessions"] and method == "DELETE":
                for s in self.sessions.values():
                    if s.identity_id == parts[2]:
                        s.active = False
                return 204, None, {}
        if parts[:2] == ["admin", "sessions"] and len(parts) == 3 and method == "DELETE":
            found = self.sessions.get(parts[2])
            if found is None:
                return (*error(404, "Not Found", "Unable to locate the resource"), {})
            found.active = False
            return 204, None, {}
        return (*error(404, "Not Found", "Unable to locate the resource"), {})


@pytest.fixture
def kratos() -> Iterator[KratosFake]:
    fake = KratosFake()
    with serving(fake.handle) as url:
        fake.url = url
        yield fake
