"""A stateful model of authentik's authenticated-session endpoints (API v3), written by us from
authentik's published API description as its generated client `authentik-client` 2026.8.5
shows it (read 2026-12-06); real HTTP on 127.0.0.1. The provider is tested against this, not a
running authentik, and the README says so.

What it enforces, as documented: a bearer API token; a user's own token lists only that user's
sessions (`current` on the token's session), an admin's lists everyone's (filter
`user__username`); `page`/`page_size` pages with `pagination.next` (0 on the last page);
`DELETE .../{uuid}/` (204, 404 unknown); `DELETE .../bulk_delete/?user_pks=` answering
`{"deleted": N}` (absent when `old_server`, as before 2026.x); `{"detail": ...}` errors.
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

BASE = "/api/v3/core/authenticated_sessions/"


@dataclass
class AuthentikFake:
    url: str = ""
    users: dict[int, str] = field(default_factory=dict)  # pk -> username
    tokens: dict[str, tuple[int, bool, str | None]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    old_server: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, username: str) -> int:
        pk = len(self.users) + 1
        self.users[pk] = username
        return pk

    def sign_in(
        self,
        pk: int,
        *,
        ip: str = "198.51.100.7",
        country: str | None = "DE",
        agent: str = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Firefox/130.0",
    ) -> str:
        sid = str(uuid.uuid4())
        self.sessions[sid] = {
            "uuid": sid,
            "user": pk,
            "last_ip": ip,
            "last_user_agent": agent,
            "last_used": "2026-12-06T08:00:00.000000Z",
            "expires": "2026-12-07T08:00:00.000000Z",
            "user_agent": {
                "device": {"brand": None, "family": "Other", "model": None},
                "os": {
                    "family": "Linux",
                    "major": None,
                    "minor": None,
                    "patch": None,
                    "patch_minor": None,
                },
                "user_agent": {"family": "Firefox", "major": "130", "minor": "0", "patch": ""},
                "string": agent,
            },
            "geo_ip": {
                "continent": "EU",
                "country": country,
                "lat": 52.5,
                "long": 13.4,
                "city": "Berlin",
            }
            if country
            else None,
            "asn": {"asn": 3320, "as_org": "Deutsche Telekom AG", "network": "91.0.0.0/10"},
        }
        return sid

    def token_for(self, pk: int, *, admin: bool = False, session: str | None = None) -> str:
        token = f"ak-{uuid.uuid4().hex}"
        self.tokens[token] = (pk, admin, session)
        return token

    def of(self, pk: int) -> list[str]:
        return sorted(s for s, v in self.sessions.items() if v["user"] == pk)

    def handle(self, method: str, target: str, body: bytes, headers: Message) -> Answer:
        with self.lock:
            self.requests.append((method, target))
            status, payload = self._route(method, target, headers)
        raw = b"" if payload is None else json.dumps(payload).encode()
        return status, "application/json", raw, {}

    def _route(self, method: str, target: str, headers: Message) -> tuple[int, Any]:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        caller = self.tokens.get(token)
        if caller is None:
            return 403, {"detail": "Authentication credentials were not provided."}
        pk, admin, ours = caller
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        path = parts.path
        if path == BASE and method == "GET":
            size = int((query.get("page_size") or ["20"])[0])
            page = int((query.get("page") or ["1"])[0])
            wanted = (query.get("user__username") or [None])[0]
            rows = [
                v
                for v in sorted(self.sessions.values(), key=lambda v: v["uuid"])
                if (admin or v["user"] == pk)
                and (wanted is None or self.users.get(v["user"]) == wanted)
            ]
            pages = max(1, -(-len(rows) // size))
            chunk = rows[(page - 1) * size : page * size]
            results = [{**v, "current": v["uuid"] == ours} for v in chunk]
            pagination = {
                "next": page + 1 if page < pages else 0,
                "previous": page - 1,
                "count": len(rows),
                "current": page,
                "total_pages": pages,
                "start_index": (page - 1) * size + 1,
                "end_index": (page - 1) * size + len(chunk),
            }
            return 200, {"pagination": pagination, "results": results, "autocomplete": {}}
        if path == f"{BASE}bulk_delete/" and method == "DELETE":
            if self.old_server:
                return 404, {"detail": "Not found."}
            if not admin:
                return 403, {"detail": "You do not have permission to perform this action."}
            pks = {int(p) for p in query.get("user_pks", [])}
            gone = [s for s, v in self.sessions.items() if v["user"] in pks]
            for sid in gone:
                del self.sessions[sid]
            return 200, {"deleted": len(gone)}
        if path.startswith(BASE) and method == "DELETE":
            sid = unquote(path[len(BASE) :].rstrip("/"))
            found = self.sessions.get(sid)
            if found is None or not (admin or found["user"] == pk):
                return 404, {"detail": "Not found."}
            del self.sessions[sid]
            return 204, None
        return 404, {"detail": "Not found."}


@pytest.fixture
def authentik() -> Iterator[AuthentikFake]:
    fake = AuthentikFake()
    with serving(fake.handle) as url:
        fake.url = url
        yield fake
