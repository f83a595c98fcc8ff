"""A real Better Auth server for the Better Auth tests: started once per test run, on 127.0.0.1.

Fixtures:
- `better_auth` (session scope): `tests/servers/better_auth/server.mjs` (better-auth from npm,
  memory store, e-mail and password, admin and bearer plugins) on Node, on an ephemeral port.
  Its packages come from the committed lockfile: `npm ci` runs there when `node_modules` is
  missing (`.ci/run` does it up front). Stopped through its Popen handle.
- `better_auth_elsewhere`: mounted at /auth, sessions fresh for one second (freshAge);
  `better_auth_limited`: the built-in rate limiter on.
- `ba_user`: a fresh account per test (its sign-up session is signed out again).

Needs Node.js 20 or newer and npm on PATH.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import server_process

SERVER_DIR = Path(__file__).parent / "servers" / "better_auth"
API = "/api/auth"
START_TIMEOUT = 60.0
_names = itertools.count(1)


@dataclass
class BaUser:
    email: str
    password: str
    tokens: dict[str, str] = field(default_factory=dict)  # session id -> token


def ensure_installed() -> None:
    if (SERVER_DIR / "node_modules" / "better-auth" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("The Better Auth tests need Node.js 20+ and npm on PATH.")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SERVER_DIR, check=True
    )


class BetterAuthServer:
    """A running server and helpers that act like the account's other clients."""

    def __init__(self, proc: subprocess.Popen[str], base_url: str, api: str = API) -> None:
        self.proc = proc
        self.base_url = base_url
        self.base_path = api
        self.api = base_url + api

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.api, headers=headers, timeout=30)

    def new_user(
        self, *, password: str | None = None, admin: bool = False, name: str | None = None
    ) -> BaUser:
        name = name or f"user{next(_names)}-{uuid.uuid4().hex[:6]}"
        user = BaUser(f"{name}@example.com", password or f"pw-{uuid.uuid4().hex}")
        with self.client() as c:
            r = c.post(
                "/sign-up/email",
                json={"email": user.email, "password": user.password, "name": name},
            )
            assert r.status_code == 200, r.text
        with self.client(r.json()["token"]) as c:  # a fresh client: no cookie, no Origin check
            c.post("/sign-out").raise_for_status()
        if admin:
            with httpx.Client(base_url=self.base_url, timeout=30) as c:
                c.post("/test-only/role", json={"email": user.email}).raise_for_status()
        return user

    def login(self, user: BaUser, *, user_agent: str = "pytest", ip: str | None = None) -> str:
        """Sign in as another client would; returns the session id (the token is kept)."""
        headers = {"User-Agent": user_agent}
        if ip:
            headers["X-Forwarded-For"] = ip
        with self.client(**headers) as c:
            r = c.post("/sign-in/email", json={"email": user.email, "password": user.password})
            assert r.status_code == 200, r.text
            token = r.json()["token"]
            me = c.get("/get-session", headers={"Authorization": f"Bearer {token}"}).json()
        user.tokens[me["session"]["id"]] = token
        return me["session"]["id"]

    def age(self, token: str, seconds: float) -> None:
        """Move a session's sign-in and expiry into the past (a test hook of our server)."""
        with httpx.Client(base_url=self.base_url, timeout=30) as c:
            c.post("/test-only/age", json={"token": token, "seconds": seconds}).raise_for_status()

    def sessions(self, token: str) -> dict[str, dict[str, Any]]:
        with self.client(token) as c:
            r = c.get("/list-sessions")
        assert r.status_code == 200, r.text
        return {s["id"]: s for s in r.json()}

    def end(self, token: str, session_id: str) -> None:
        """End a session from another of the account's clients (revoke by its token)."""
        target = self.sessions(token)[session_id]["token"]
        with self.client(token) as c:
            c.post("/revoke-session", json={"token": target}).raise_for_status()

    def token_works(self, token: str) -> bool:
        with self.client(token) as c:
            r = c.get("/get-session", params={"disableRefresh": "true"})
        assert r.status_code == 200, r.text
        return r.json() is not None

    def stop(self) -> None:
        server_process.stop(self.proc, 10)


def start_server(env: dict[str, str] | None = None) -> BetterAuthServer:
    ensure_installed()
    proc = subprocess.Popen(
        ["node", "server.mjs", "0"],
        cwd=SERVER_DIR,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:  # keeps reading so node never blocks on a full pipe
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ready ") and not ready.is_set():
                found.append(line.split()[1])
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.wait(0.05):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the Better Auth server did not start")
    return BetterAuthServer(proc, found[0], (env or {}).get("BA_BASE_PATH", API))


@pytest.fixture(scope="session")
def better_auth() -> Iterator[BetterAuthServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def better_auth_elsewhere() -> Iterator[BetterAuthServer]:
    """Mounted at /auth instead of /api/auth, and a session is "fresh" for one second only."""
    server = start_server({"BA_BASE_PATH": "/auth", "BA_FRESH_AGE": "1"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def better_auth_limited() -> Iterator[BetterAuthServer]:
    """With Better Auth's rate limiter on (three sign-ins per ten seconds)."""
    server = start_server({"BA_RATE_LIMIT": "1"})
    yield server
    server.stop()


@pytest.fixture
def ba_user(better_auth: BetterAuthServer) -> BaUser:
    return better_auth.new_user()
