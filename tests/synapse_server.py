"""A real Synapse homeserver for the Matrix tests: started once per test session, on 127.0.0.1.

Fixtures:
- `synapse` (session scope): a `SynapseServer` running the installed matrix-synapse package
  (SQLite, an ephemeral port, no federation, no outbound traffic) in a temporary directory.
  It is stopped through its Popen handle when the session ends.
- `matrix_user`: a fresh, non-admin account for one test (tests never share accounts, so they
  cannot disturb each other); `matrix_admin`: a fresh server admin.

Facts the helpers rely on (measured against Synapse 1.163):
- Shared-secret registration also creates a device with a live token and no last_seen. That
  device is real; tests count it (`MatrixUser.registration_device`).
- last_seen_* is written by the first *authenticated* request, not by /login, and only once per
  (token, IP) every two minutes; `login` therefore makes one whoami request with the given
  User-Agent and X-Forwarded-For, and each device gets its own address.
- The listener trusts X-Forwarded-For from anyone (fine on loopback, unsafe in production).
- Login rate limits are lifted and bcrypt runs 4 rounds, so logins take milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
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

SHARED_SECRET = "session-tui-test-registration-secret"
CLIENT = "/_matrix/client/v3"
START_TIMEOUT = 90.0
_names = itertools.count(1)


@dataclass
class MatrixUser:
    """A registered account. `password` is a throwaway test password."""

    localpart: str
    user_id: str
    password: str
    registration_device: str
    registration_token: str
    devices: dict[str, str] = field(default_factory=dict)  # device id -> access token


class SynapseServer:
    """A running Synapse and helpers that act like other clients of its accounts."""

    def __init__(self, base_url: str, proc: subprocess.Popen[bytes], workdir: Path) -> None:
        self.base_url = base_url
        self.proc = proc
        self.workdir = workdir
        self.server_name = "localhost"

    @property
    def log_path(self) -> Path:
        return self.workdir / "synapse.log"

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    # -- accounts ------------------------------------------------------------------------

    def register(self, localpart: str, password: str, *, admin: bool = False) -> MatrixUser:
        """Shared-secret registration (HMAC-SHA1 over nonce, user, password, admin flag)."""
        with self.client() as c:
            nonce = c.get("/_synapse/admin/v1/register").raise_for_status().json()["nonce"]
            message = b"\x00".join(
                [
                    nonce.encode(),
                    localpart.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
            mac = hmac.new(SHARED_SECRET.encode(), message, hashlib.sha1).hexdigest()
            answer = (
                c.post(
                    "/_synapse/admin/v1/register",
                    json={
                        "nonce": nonce,
                        "username": localpart,
                        "password": password,
                        "admin": admin,
                        "mac": mac,
                    },
                )
                .raise_for_status()
                .json()
            )
        user = MatrixUser(
            localpart=localpart,
            user_id=answer["user_id"],
            password=password,
            registration_device=answer["device_id"],
            registration_token=answer["access_token"],
        )
        user.devices[answer["device_id"]] = answer["access_token"]
        return user

    def new_user(
        self, *, admin: bool = False, prefix: str = "user", password: str | None = None
    ) -> MatrixUser:
        """A fresh account with a unique name, so each test has the server to itself.

        UI tests pass a short password: the pilot types it one key at a time.
        """
        localpart = f"{prefix}{next(_names)}-{uuid.uuid4().hex[:8]}"
        return self.register(localpart, password or f"pw-{uuid.uuid4().hex}", admin=admin)

    def login(
        self,
        user: MatrixUser,
        *,
        device_name: str | None = None,
        user_agent: str = "pytest",
        ip: str | None = None,
        password: str | None = None,
        device_id: str | None = None,
    ) -> tuple[str, str]:
        """Log in a new device as another client would; returns (device_id, access_token).

        One whoami with the same User-Agent / X-Forwarded-For follows, so the server records
        last_seen for the device.
        """
        headers = {"User-Agent": user_agent, "X-Forwarded-Proto": "http"}
        if ip:
            headers["X-Forwarded-For"] = ip
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user.localpart},
            "password": password or user.password,
        }
        if device_name:
            body["initial_device_display_name"] = device_name
        if device_id is not None:  # a client may choose its own device id (a hostile one too)
            body["device_id"] = device_id
        with self.client(**headers) as c:
            answer = c.post(f"{CLIENT}/login", json=body).raise_for_status().json()
            token = answer["access_token"]
            c.get(
                f"{CLIENT}/account/whoami", headers={"Authorization": f"Bearer {token}"}
            ).raise_for_status()
        user.devices[answer["device_id"]] = token
        return answer["device_id"], token

    # -- what the server says now ----------------------------------------------------------

    def devices(self, user: MatrixUser, token: str | None = None) -> dict[str, dict[str, Any]]:
        """The account's devices by id, read with one of its own live tokens."""
        tokens = [token] if token else list(user.devices.values())
        for candidate in tokens:
            with self.client(candidate) as c:
                r = c.get(f"{CLIENT}/devices")
            if r.status_code == 200:
                return {d["device_id"]: d for d in r.json()["devices"]}
        raise AssertionError(f"no live token left for {user.user_id}")

    def token_works(self, token: str) -> bool:
        with self.client(token) as c:
            r = c.get(f"{CLIENT}/account/whoami")
        if r.status_code == 200:
            return True
        assert r.status_code == 401, r.text
        return False

    def admin_devices(self, admin_token: str, user_id: str) -> dict[str, dict[str, Any]]:
        with self.client(admin_token) as c:
            r = c.get(f"/_synapse/admin/v2/users/{user_id}/devices").raise_for_status()
        return {d["device_id"]: d for d in r.json()["devices"]}

    def stop(self) -> None:
        server_process.stop(self.proc, 20)


def _config(workdir: Path, port: int) -> dict[str, Any]:
    unlimited = {"per_second": 10000, "burst_count": 10000}
    return {
        "server_name": "localhost",
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": True,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
        "media_store_path": str(workdir / "media"),
        "signing_key_path": str(workdir / "signing.key"),
        "report_stats": False,
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": f"macaroon-{uuid.uuid4().hex}",
        "form_secret": f"form-{uuid.uuid4().hex}",
        "enable_registration": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "bcrypt_rounds": 4,
        "rc_login": {"address": unlimited, "account": unlimited, "failed_attempts": unlimited},
        "rc_registration": unlimited,
        "rc_message": unlimited,
    }


def start_synapse(workdir: Path) -> SynapseServer:
    """Start Synapse and wait for /health; on failure the log tail is in the exception."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = server_process.free_port()
    config = workdir / "homeserver.yaml"
    config.write_text(json.dumps(_config(workdir, port), indent=2))  # JSON is valid YAML
    python = os.environ.get("SYNAPSE_PYTHON", sys.executable)
    with open(workdir / "synapse.log", "wb") as log:
        proc = subprocess.Popen(
            [python, "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    server = SynapseServer(f"http://127.0.0.1:{port}", proc, workdir)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                tail = server.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Synapse exited with {proc.returncode}:\n{tail}")
            try:
                if httpx.get(f"{server.base_url}/health", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Synapse not healthy after {START_TIMEOUT:.0f} s")
            time.sleep(0.1)
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    server = start_synapse(tmp_path_factory.mktemp("synapse"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def matrix_user(synapse: SynapseServer) -> MatrixUser:
    return synapse.new_user(prefix="alice")


@pytest.fixture
def matrix_admin(synapse: SynapseServer) -> MatrixUser:
    return synapse.new_user(admin=True, prefix="ops")
