"""A stateful model of Clerk's Backend API session endpoints, written by us from Clerk's
published OpenAPI description (`bapi/2026-05-12.yml`, read 2026-12-06); real HTTP on
127.0.0.1. The provider is tested against this, not Clerk's service, and the README says so.

What it enforces, as documented: `Authorization: Bearer sk_...` (401 `ClerkErrors`
otherwise); `GET /v1/sessions` filtered by `user_id` and `status`, paged by `limit` (1 to 500)
and `offset`; `POST /v1/sessions/{id}/revoke` answering the session as `revoked` (404 for an
unknown id); times in Unix milliseconds; and, when asked, a failing revoke (`broken`) or 429s
with `Retry-After` (`throttled`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from canned_rest import Answer, serving

SECRET = f"sk_test_{uuid.uuid4().hex}"
NOW_MS = 1_796_550_000_000


def errors(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"errors": [{"message": message, "long_message": message, "code": code}]}


@dataclass
class ClerkFake:
    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    throttled: bool = False
    broken: set[str] = field(default_factory=set)  # ids whose revoke fails with a 500
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sign_in(
        self,
        user_id: str,
        *,
        ip: str = "198.51.100.7",
        city: str = "Berlin",
        country: str = "DE",
        browser: str = "Chrome",
        mobile: bool = False,
    ) -> str:
        sid = f"sess_{uuid.uuid4().hex}"
        self.sessions[sid] = {
            "object": "session",
            "id": sid,
            "user_id": user_id,
            "client_id": f"client_{uuid.uuid4().hex[:12]}",
            "actor": None,
            "status": "active",
            "last_active_organization_id": None,
            "last_active_at": NOW_MS,
            "latest_activity": {
                "object": "session_activity",
                "id": f"sess_activity_{uuid.uuid4().hex[:12]}",
                "device_type": "iPhone" if mobile else "Macintosh",
                "is_mobile": mobile,
                "browser_name": browser,
                "browser_version": "131.0.0.0",
                "ip_address": ip,
                "city": city,
                "country": country,
            },
            "expire_at": NOW_MS + 7 * 86_400_000,
            "abandon_at": NOW_MS + 30 * 86_400_000,
            "updated_at": NOW_MS,
            "created_at": NOW_MS - 3_600_000,
            "tasks": None,
        }
        return sid

    def active(self, user_id: str) -> list[str]:
        return sorted(
            s
            for s, v in self.sessions.items()
            if v["user_id"] == user_id and v["status"] == "active"
        )

    def handle(self, method: str, target: str, body: bytes, headers: Message) -> Answer:
        with self.lock:
            self.requests.append((method, target))
            status, payload, extra = self._route(method, target, headers)
        return status, "application/json", json.dumps(payload).encode(), extra

    def _route(self, method: str, target: str, headers: Message) -> Any:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if headers.get("Authorization") != f"Bearer {SECRET}":
            return (*errors(401, "authentication_invalid", "Invalid authentication"), {})
        if self.throttled:
            return (*errors(429, "too_many_requests", "Too many requests"), {"Retry-After": "11"})
        path = parts.path
        if path == "/v1/sessions" and method == "GET":
            limit = int((query.get("limit") or ["10"])[0])
            offset = int((query.get("offset") or ["0"])[0])
            if not 1 <= limit <= 500:
                return (*errors(422, "form_param_value_invalid", "limit must be 1 to 500"), {})
            user = (query.get("user_id") or [None])[0]
            status = (query.get("status") or [None])[0]
            found = sorted(
                (
                    v
                    for v in self.sessions.values()
                    if (user is None or v["user_id"] == user)
                    and (status is None or v["status"] == status)
                ),
                key=lambda v: v["id"],
            )
            return 200, found[offset : offset + limit], {}
        pieces = path.strip("/").split("/")
        if len(pieces) == 4 and pieces[:2] == ["v1", "sessions"] and pieces[3] == "revoke":
            sid = unquote(pieces[2])
            if method != "POST":
                return (*errors(405, "method_not_allowed", "Method not allowed"), {})
            if sid in self.broken:
                return (*errors(500, "internal_clerk_error", "Something went wrong"), {})
            found = self.sessions.get(sid)
            if found is None:
                return (*errors(404, "resource_not_found", "Resource not found"), {})
            found["status"] = "revoked"
            return 200, found, {}
        return (*errors(404, "resource_not_found", "Resource not found"), {})


@pytest.fixture
def clerk() -> Iterator[ClerkFake]:
    fake = ClerkFake()
    with serving(fake.handle) as url:
        fake.url = url
        yield fake
