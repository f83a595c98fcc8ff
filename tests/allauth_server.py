"""A real django-allauth site for the allauth tests: started once per test run, on 127.0.0.1.

Fixtures:
- `allauth_site` (session scope): the minimal Django project in `tests/servers/allauth_site`
  (allauth.headless + allauth.usersessions, activity tracked), migrated into a fresh SQLite
  file and served by `runserver` on an ephemeral port. Stopped through its Popen handle.
- `allauth_untracked` (session scope): the same site with USERSESSIONS_TRACK_ACTIVITY off;
  `allauth_limited`: with allauth's default rate limits.
- `allauth_user`: a fresh account per test (tests never share accounts).

Facts the helpers rely on (measured against django-allauth 65):
- Sign-up through the headless app client creates the user and opens a session at once.
- One X-Forwarded-For hop is trusted, so each sign-in can get its own address.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import server_process

SITE = Path(__file__).parent / "servers" / "allauth_site"
API = "/_allauth/app/v1"
START_TIMEOUT = 60.0
_names = itertools.count(1)


@dataclass
class AllauthUser:
    username: str
    email: str
    password: str
    tokens: dict[str, str] = field(default_factory=dict)  # session id -> session token


class AllauthSite:
    """A running site and helpers that act like the account's other clients."""

    def __init__(self, base_url: str, proc: subprocess.Popen[bytes], workdir: Path) -> None:
        self.base_url = base_url
        self.proc = proc
        self.workdir = workdir

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["X-Session-Token"] = token
        return httpx.Client(base_url=self.base_url + API, headers=headers, timeout=30)

    def new_user(self, *, password: str | None = None, name: str | None = None) -> AllauthUser:
        """A fresh account with a unique name; its sign-up session is ended at once."""
        name = name or f"user{next(_names)}-{uuid.uuid4().hex[:6]}"
        user = AllauthUser(name, f"{name}@example.com", password or f"pw-{uuid.uuid4().hex}")
        body = {"username": user.username, "email": user.email, "password": user.password}
        with self.client() as c:
            answer = c.post("/auth/signup", json=body)
        assert answer.status_code == 200, answer.text
        token = answer.json()["meta"]["session_token"]
        with self.client(token) as c:
            c.delete("/auth/session")
        return user

    def login(self, user: AllauthUser, *, user_agent: str = "pytest", ip: str | None = None) -> str:
        """Sign in as another client would; returns the session id (the token is kept)."""
        headers = {"User-Agent": user_agent}
        if ip:
            headers["X-Forwarded-For"] = ip
        with self.client(**headers) as c:
            r = c.post("/auth/login", json={"username": user.username, "password": user.password})
            assert r.status_code == 200, r.text
            token = r.json()["meta"]["session_token"]
            listed = c.get("/auth/sessions", headers={"X-Session-Token": token})
        session_id = next(str(s["id"]) for s in listed.json()["data"] if s["is_current"])
        user.tokens[session_id] = token
        return session_id

    def sessions(self, token: str) -> dict[str, dict[str, Any]]:
        with self.client(token) as c:
            r = c.get("/auth/sessions")
        assert r.status_code == 200, r.text
        return {str(s["id"]): s for s in r.json()["data"]}

    def end(self, token: str, session_id: str) -> None:
        """End a session from another of the account's clients."""
        with self.client(token) as c:
            r = c.request("DELETE", "/auth/sessions", json={"sessions": [int(session_id)]})
        assert r.status_code == 200, r.text

    def token_works(self, token: str) -> bool:
        with self.client(token) as c:
            r = c.get("/auth/session")
        assert r.status_code in (200, 401, 410), r.text
        return r.status_code == 200

    def stop(self) -> None:
        server_process.stop(self.proc, 10)


def start_site(
    workdir: Path, *, track_activity: bool = True, rate_limits: bool = False
) -> AllauthSite:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_settings",
        "ALLAUTH_SITE_DB": str(workdir / "site.sqlite3"),
        "ALLAUTH_SITE_TRACK_ACTIVITY": "1" if track_activity else "0",
        "ALLAUTH_SITE_RATE_LIMITS": "1" if rate_limits else "0",
    }
    manage = [sys.executable, str(SITE / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=SITE, env=env, check=True)
    port = server_process.free_port()
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=SITE,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    site = AllauthSite(f"http://127.0.0.1:{port}", proc, workdir)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((workdir / "server.log").read_text())
        try:
            if httpx.get(f"{site.base_url}{API}/config", timeout=1).status_code == 200:
                return site
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    site.stop()
    raise TimeoutError("the allauth site did not start")


@pytest.fixture(scope="session")
def allauth_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllauthSite]:
    site = start_site(tmp_path_factory.mktemp("allauth"))
    yield site
    site.stop()


@pytest.fixture(scope="session")
def allauth_untracked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllauthSite]:
    site = start_site(tmp_path_factory.mktemp("allauth-untracked"), track_activity=False)
    yield site
    site.stop()


@pytest.fixture(scope="session")
def allauth_limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllauthSite]:
    """The same site with allauth's default rate limits (a few failed logins: 429)."""
    site = start_site(tmp_path_factory.mktemp("allauth-limited"), rate_limits=True)
    yield site
    site.stop()


@pytest.fixture
def allauth_user(allauth_site: AllauthSite) -> AllauthUser:
    return allauth_site.new_user()
