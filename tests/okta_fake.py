"""A stateful model of the Okta endpoints session-tui uses, written by us from Okta's published
Management API description and System Log documentation (read 2026-12-06); real HTTP on
127.0.0.1. The provider is tested against this, not an Okta org, and the README says so.

What it enforces, as documented: `Authorization: SSWS <token>` (401 `E0000011` otherwise);
users by id or login; the System Log filtered by event type and actor, bounded by `since` and
`until`, newest first with `sortOrder=DESCENDING`, paged by `limit` with `Link: rel="next"`
carrying an `after` cursor; sessions by id (404 `E0000007` once ended); clearing one session
or all of a user's (204, each ending writes `user.session.end` to the log); and, when
`throttled`, 429 `E0000047` with `X-Rate-Limit-Limit/-Remaining/-Reset`.
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
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
from canned_rest import Answer, serving

TOKEN = f"00{uuid.uuid4().hex}"


def error(status: int, code: str, summary: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": uuid.uuid4().hex,
        "errorCauses": [],
    }


def stamp(offset: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + offset))


@dataclass
class OktaFake:
    url: str = ""
    users: dict[str, str] = field(default_factory=dict)  # id -> login
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    requests: list[tuple[str, str]] = field(default_factory=list)
    throttled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, login: str) -> str:
        uid = "00u" + uuid.uuid4().hex[:17]
        self.users[uid] = login
        return uid

    def _event(self, kind: str, uid: str, sid: str, **client: Any) -> None:
        self.log.append(
            {
                "uuid": str(uuid.uuid4()),
                "published": stamp(len(self.log) * 0.001 - 60),
                "eventType": kind,
                "outcome": {"result": "SUCCESS"},
                "actor": {"id": uid, "type": "User", "alternateId": self.users[uid]},
                "client": client or {"ipAddress": None},
                "securityContext": {
                    "asNumber": 3320,
                    "asOrg": "deutsche telekom ag",
                    "isp": "deutsche telekom ag",
                    "domain": "t-ipconnect.de",
                },
                "authenticationContext": {"externalSessionId": sid},
            }
        )

    def sign_in(
        self,
        uid: str,
        *,
        ip: str = "198.51.100.7",
        country: str = "Germany",
        agent: str = "Mozilla/5.0 (Macintosh) Safari/605.1.15",
    ) -> str:
        sid = "idx" + uuid.uuid4().hex[:20]
        self.sessions[sid] = {
            "id": sid,
            "userId": uid,
            "login": self.users[uid],
            "status": "ACTIVE",
            "createdAt": stamp(-60),
            "expiresAt": stamp(7200),
            "amr": ["pwd"],
        }
        self._event(
            "user.session.start",
            uid,
            sid,
            ipAddress=ip,
            userAgent={"rawUserAgent": agent, "os": "Mac OS X", "browser": "SAFARI"},
            geographicalContext={
                "city": "Berlin",
                "state": "Land Berlin",
                "country": country,
                "postalCode": "10115",
                "geolocation": {"lat": 52.52, "lon": 13.405},
            },
        )
        return sid

    def end(self, sid: str) -> None:
        found = self.sessions.pop(sid)
        self._event("user.session.end", found["userId"], sid)

    def live(self, uid: str) -> set[str]:
        return {s for s, v in self.sessions.items() if v["userId"] == uid}

    def handle(self, method: str, target: str, body: bytes, headers: Message) -> Answer:
        with self.lock:
            self.requests.append((method, target))
            status, payload, extra = self._route(method, target, headers)
        raw = b"" if payload is None else json.dumps(payload).encode()
        return status, "application/json", raw, extra

    def _route(self, method: str, target: str, headers: Message) -> Any:
        if headers.get("Authorization") != f"SSWS {TOKEN}":
            return (*error(401, "E0000011", "Invalid token provided"), {})
        if self.throttled:
            limits = {
                "X-Rate-Limit-Limit": "600",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(int(time.time()) + 13),
            }
            return (
                *error(429, "E0000047", "API call exceeded rate limit due to too many requests."),
                limits,
            )
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        pieces = [unquote(p) for p in path.strip("/").split("/")]
        if pieces[:3] == ["api", "v1", "users"] and len(pieces) == 4 and method == "GET":
            key = pieces[3]
            uid = (
                key
                if key in self.users
                else next((u for u, login in self.users.items() if login == key), None)
            )
            if uid is None:
                return (*error(404, "E0000007", f"Not found: Resource not found: {key} (User)"), {})
            return 200, {"id": uid, "status": "ACTIVE", "profile": {"login": self.users[uid]}}, {}
        if (
            pieces[:3] == ["api", "v1", "users"]
            and pieces[4:] == ["sessions"]
            and method == "DELETE"
        ):
            for sid in sorted(self.live(pieces[3])):
                self.end(sid)
            return 204, None, {}
        if path == "/api/v1/logs" and method == "GET":
            return self._logs(query)
        if pieces[:3] == ["api", "v1", "sessions"] and len(pieces) == 4:
            found = self.sessions.get(pieces[3])
            if found is None:
                return (*error(404, "E0000007", "Not found: Resource not found (Session)"), {})
            if method == "GET":
                return 200, found, {}
            if method == "DELETE":
                self.end(pieces[3])
                return 204, None, {}
        return (
            *error(404, "E0000022", "The endpoint does not support the provided HTTP method"),
            {},
        )

    def _logs(self, query: dict[str, list[str]]) -> Any:
        text = (query.get("filter") or [""])[0]
        if "until" not in query or "since" not in query:
            return (*error(400, "E0000001", "Api validation failed: since and until"), {})
        kinds = {k for k in ("user.session.start", "user.session.end") if f'"{k}"' in text}
        actor = text.split('actor.id eq "')[-1].split('"')[0] if "actor.id eq" in text else None
        rows = [
            e
            for e in reversed(self.log)
            if e["eventType"] in kinds and (actor is None or e["actor"]["id"] == actor)
        ]
        limit = int((query.get("limit") or ["100"])[0])
        after = (query.get("after") or [""])[0]
        start = next((i + 1 for i, e in enumerate(rows) if e["uuid"] == after), 0) if after else 0
        page = rows[start : start + limit]
        extra = {}
        if start + limit < len(rows):
            nxt = {k: v[0] for k, v in query.items()} | {"after": page[-1]["uuid"]}
            extra["Link"] = f'<{self.url}/api/v1/logs?{urlencode(nxt)}>; rel="next"'
        return 200, page, extra


@pytest.fixture
def okta() -> Iterator[OktaFake]:
    fake = OktaFake()
    with serving(fake.handle) as url:
        fake.url = url
        yield fake
