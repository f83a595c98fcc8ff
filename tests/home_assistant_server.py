"""A real Home Assistant for the tests, in a virtual environment of its own.

Home Assistant 2024.3.3 is the newest that runs on Python 3.11. It is installed once per
machine, with every package it would otherwise install at run time pinned up front, into
`~/.cache/session-tui-test-servers/home-assistant-VERSION` (or under `SESSION_TUI_TEST_CACHE`),
and always started with `--skip-pip`. One server per test session, on 127.0.0.1 with an
ephemeral port, onboarded with an owner; `X-Forwarded-For` from 127.0.0.1 is trusted, so each
"device" a test signs in with gets an address of its own.
"""

from __future__ import annotations

import json
import shutil
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
from keycloak_server import cache_root
from websockets.sync.client import connect

VERSION = "2024.3.3"
PINS = [
    f"homeassistant=={VERSION}",
    "home-assistant-frontend==20240307.0",
    "pyotp==2.8.0",
    "PyQRCode==1.2.1",
    "josepy<2",  # acme 2.8 with josepy 2 turns every HTTP request into a 500
    "Pillow==10.2.0",
    "janus==1.0.0",
    "psutil-home-assistant==0.0.1",
    "securetar==2024.2.1",
    "SQLAlchemy==2.0.27",
    "fnv-hash-fast==0.5.0",
]
START_TIMEOUT = 180.0
OWNER, OWNER_PASSWORD = "owner", f"pw-{uuid.uuid4().hex}"


def install_home_assistant() -> Path:
    """The virtual environment's `hass`, installed once per machine (a few minutes); a
    half-made one (no `.complete` mark) is made again."""
    venv = cache_root() / f"home-assistant-{VERSION}"
    hass = venv / "bin" / "hass"
    if hass.exists() and (venv / ".complete").exists():
        return hass
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *PINS],
        check=True,
        timeout=1800,
    )
    (venv / ".complete").write_text(VERSION)
    return hass


@dataclass
class HassUser:
    username: str
    password: str
    tokens: dict[str, str] = field(default_factory=dict)  # refresh token id -> refresh token


@dataclass
class HomeAssistant:
    base_url: str
    proc: subprocess.Popen[bytes]
    workdir: Path
    owner_refresh: str = ""

    @property
    def owner_access(self) -> str:
        """A fresh access token of the owner (they live 30 minutes)."""
        r = httpx.post(
            f"{self.base_url}/auth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.owner_refresh,
                "client_id": self.client_id,
            },
        )
        return str(r.raise_for_status().json()["access_token"])

    @property
    def client_id(self) -> str:
        return f"{self.base_url}/"

    def sign_in(self, user: HassUser, *, ip: str | None = None) -> dict[str, Any]:
        """A sign-in from another device (its own refresh token); the token answer."""
        headers = {"X-Forwarded-For": ip} if ip else {}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as c:
            flow = c.post(
                "/auth/login_flow",
                json={
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": f"{self.client_id}?auth_callback=1",
                },
            ).raise_for_status()
            step = c.post(
                f"/auth/login_flow/{flow.json()['flow_id']}",
                json={
                    "client_id": self.client_id,
                    "username": user.username,
                    "password": user.password,
                },
            ).raise_for_status()
            answer = c.post(
                "/auth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": step.json()["result"],
                    "client_id": self.client_id,
                },
            ).raise_for_status()
        return dict(answer.json())

    def command(self, access_token: str, kind: str, **fields: Any) -> Any:
        """One websocket command as `access_token`'s user; its result (or the error)."""
        with connect(f"{self.ws_url}", proxy=None) as ws:
            ws.recv(timeout=10)
            ws.send(json.dumps({"type": "auth", "access_token": access_token}))
            if json.loads(ws.recv(timeout=10)).get("type") != "auth_ok":
                raise PermissionError("auth_invalid")
            ws.send(json.dumps({"id": 1, "type": kind, **fields}))
            answer = json.loads(ws.recv(timeout=10))
        return answer.get("result") if answer.get("success") else answer.get("error")

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/api/websocket"

    def token_ids(self, access_token: str) -> set[str]:
        """The user's sessions (their refresh tokens, Home Assistant's own left out)."""
        listed = self.command(access_token, "auth/refresh_tokens")
        return {t["id"] for t in listed if t.get("type") != "system"}

    def device(self, user: HassUser, *, ip: str | None = None) -> tuple[str, dict[str, Any]]:
        """A sign-in from another device: its refresh token's id, and the token answer."""
        answer = self.sign_in(user, ip=ip)
        listed = self.command(answer["access_token"], "auth/refresh_tokens")
        [ours] = [t["id"] for t in listed if t.get("is_current")]
        user.tokens[ours] = answer["refresh_token"]
        return ours, answer

    def sign_out(self, refresh_token: str) -> None:
        httpx.post(
            f"{self.base_url}/auth/token", data={"action": "revoke", "token": refresh_token}
        ).raise_for_status()

    def refresh_works(self, refresh_token: str) -> bool:
        r = httpx.post(
            f"{self.base_url}/auth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            },
        )
        return r.status_code == 200

    def add_user(self) -> HassUser:
        name = f"u{uuid.uuid4().hex[:8]}"
        user = HassUser(name, f"pw-{uuid.uuid4().hex}")
        owner = self.owner_access
        created = self.command(owner, "config/auth/create", name=name, group_ids=["system-users"])
        self.command(
            owner,
            "config/auth_provider/homeassistant/create",
            user_id=created["user"]["id"],
            username=name,
            password=user.password,
        )
        return user

    def stop(self) -> None:
        server_process.stop(self.proc, 20)


def _config(port: int) -> str:
    return "\n".join(
        [
            "homeassistant:",
            "  name: Test home",
            "  time_zone: UTC",
            "  country: US",
            "  unit_system: metric",
            "http:",
            "  server_host: 127.0.0.1",
            f"  server_port: {port}",
            "  use_x_forwarded_for: true",
            "  trusted_proxies: [127.0.0.1]",
            "onboarding:",
            "",
        ]
    )


def start_home_assistant(workdir: Path) -> HomeAssistant:
    hass = install_home_assistant()
    config = workdir / "config"
    config.mkdir(parents=True, exist_ok=True)
    port = server_process.free_port()
    (config / "configuration.yaml").write_text(_config(port))
    log = workdir / "hass.log"
    with open(workdir / "stdout.log", "wb") as out:
        proc = subprocess.Popen(
            [str(hass), "-c", str(config), "--skip-pip", "--log-file", str(log)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = HomeAssistant(f"http://127.0.0.1:{port}", proc, workdir)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
                raise RuntimeError(f"Home Assistant exited with {proc.returncode}:\n{tail}")
            try:
                if httpx.get(f"{server.base_url}/api/onboarding", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Home Assistant not up after {START_TIMEOUT:.0f} s")
            time.sleep(0.3)
        created = httpx.post(
            f"{server.base_url}/api/onboarding/users",
            json={
                "client_id": server.client_id,
                "name": "Owner",
                "username": OWNER,
                "password": OWNER_PASSWORD,
                "language": "en",
            },
            timeout=30,
        ).raise_for_status()
        tokens = httpx.post(
            f"{server.base_url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": created.json()["auth_code"],
                "client_id": server.client_id,
            },
            timeout=30,
        ).raise_for_status()
        server.owner_refresh = tokens.json()["refresh_token"]
        return server
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    server = start_home_assistant(tmp_path_factory.mktemp("home-assistant"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hass_user(home_assistant: HomeAssistant) -> HassUser:
    return home_assistant.add_user()
