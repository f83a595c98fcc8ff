"""A real Keycloak for the tests: the server distribution from Maven Central, started once per
test session on 127.0.0.1 with an ephemeral port, an in-memory database and one realm.

The distribution is fetched with Maven the first time (`fetch_keycloak`) and unpacked into a
cache outside the checkout (`~/.cache/session-tui-test-servers`, or `SESSION_TUI_TEST_CACHE`),
so a second run on the same machine starts at once. The realm, its users and its clients are
made through the admin REST API with the bootstrap service account, as an admin would.

`X-Forwarded-For` is honoured (`--proxy-headers xforwarded`), so each "device" a test signs in
with gets an address of its own.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
import server_process

VERSION = "26.7.3"
START_TIMEOUT = 240.0
REALM = "sessions"
CLIENT_ID = "session-tui"
OTHER_CLIENT = "other-app"  # an independent OIDC client a user also signs in to
ONCALL_CLIENT = "oncall"
ONCALL_SECRET = f"oncall-{uuid.uuid4().hex}"
WATCHER_CLIENT = "watcher"  # a service account that may only look (view-users, view-events)
WATCHER_SECRET = f"watcher-{uuid.uuid4().hex}"
BOOT_ID, BOOT_SECRET = "boot", f"boot-{uuid.uuid4().hex}"
PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def cache_root() -> Path:
    override = os.environ.get("SESSION_TUI_TEST_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "session-tui-test-servers"


def fetch_keycloak() -> Path:
    """The unpacked distribution, fetched (Maven) and unpacked once per machine."""
    root = cache_root()
    home = root / f"keycloak-{VERSION}"
    if (home / "bin" / "kc.sh").exists():
        return home
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"keycloak-quarkus-dist-{VERSION}.zip"
    if not archive.exists():
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
                f"-Dartifact=org.keycloak:keycloak-quarkus-dist:{VERSION}:zip",
                f"-DoutputDirectory={root}",
            ],
            check=True,
            timeout=900,
        )
    scratch = root / f".unpack-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(scratch)
    for script in (scratch / f"keycloak-{VERSION}" / "bin").glob("*.sh"):
        script.chmod(0o755)
    os.replace(scratch / f"keycloak-{VERSION}", home)  # whole or not at all
    shutil.rmtree(scratch, ignore_errors=True)
    return home


@dataclass
class KeycloakUser:
    username: str
    user_id: str
    password: str = PASSWORD
    email: str = ""


@dataclass
class KeycloakServer:
    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    users: dict[str, KeycloakUser] = field(default_factory=dict)

    # -- the admin side (the bootstrap service account of the master realm) --------------

    def admin_token(self) -> str:
        """Master-realm tokens live 60 s: a fresh one for each step."""
        r = httpx.post(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": BOOT_ID,
                "client_secret": BOOT_SECRET,
            },
        )
        return str(r.raise_for_status().json()["access_token"])

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/admin/realms",
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=30,
        )

    def add_user(self, username: str | None = None) -> KeycloakUser:
        name = username or f"u{uuid.uuid4().hex[:10]}"
        email = f"{name}@example.org"
        with self.admin() as a:
            a.post(
                f"/{REALM}/users",
                json={
                    "username": name,
                    "email": email,
                    "emailVerified": True,
                    "firstName": name.title(),
                    "lastName": "Tester",
                    "enabled": True,
                    "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
                },
            ).raise_for_status()
            user_id = a.get(f"/{REALM}/users", params={"username": name, "exact": "true"})
            user = KeycloakUser(name, user_id.raise_for_status().json()[0]["id"], email=email)
        self.users[name] = user
        return user

    def sessions(self, user: KeycloakUser) -> dict[str, dict[str, Any]]:
        """The user's online sessions, as the admin API tells."""
        with self.admin() as a:
            r = a.get(f"/{REALM}/users/{user.user_id}/sessions").raise_for_status()
        return {s["id"]: s for s in r.json()}

    # -- a client of the realm, as a device would be ------------------------------------

    def sign_in(
        self,
        user: KeycloakUser,
        *,
        client_id: str = CLIENT_ID,
        user_agent: str = FIREFOX,
        ip: str | None = "198.51.100.7",
    ) -> dict[str, Any]:
        """A password sign-in from another device: its own session; the token answer."""
        headers = {"User-Agent": user_agent}
        if ip:
            headers["X-Forwarded-For"] = ip
        r = httpx.post(
            f"{self.base_url}/realms/{REALM}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "username": user.username,
                "password": user.password,
                "scope": "openid",
            },
            headers=headers,
        )
        return dict(r.raise_for_status().json())

    def refresh_works(self, refresh_token: str, client_id: str = CLIENT_ID) -> bool:
        r = httpx.post(
            f"{self.base_url}/realms/{REALM}/protocol/openid-connect/token",
            data={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "refresh_token": refresh_token,
            },
        )
        return r.status_code == 200

    def account_works(self, access_token: str) -> bool:
        r = httpx.get(
            f"{self.base_url}/realms/{REALM}/account/sessions",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        return r.status_code == 200

    def approve_device(
        self, verification_uri_complete: str, user: KeycloakUser, *, accept: bool = True
    ) -> None:
        """Play the user's browser: open the link, sign in on Keycloak's page, consent."""
        headers = {"User-Agent": IPHONE, "X-Forwarded-For": "203.0.113.44"}
        with httpx.Client(headers=headers, follow_redirects=True, timeout=30) as browser:
            page = browser.get(verification_uri_complete).raise_for_status()
            action = urljoin(str(page.url), _form_action(page.text, "kc-form-login"))
            page = browser.post(
                action,
                data={"username": user.username, "password": user.password, "credentialId": ""},
            ).raise_for_status()
            if "consent" in str(page.url) or 'name="accept"' in page.text:
                action = urljoin(str(page.url), _form_action(page.text, None))
                code = re.search(r'name="code"\s+value="([^"]+)"', page.text)
                form = {"code": code.group(1) if code else ""}
                form["accept" if accept else "cancel"] = "Yes" if accept else "No"
                browser.post(action, data=form)

    def stop(self) -> None:
        server_process.stop(self.proc, 30)


def _form_action(text: str, form_id: str | None) -> str:
    pattern = (
        rf'<form[^>]*id="{form_id}"[^>]*action="([^"]+)"'
        if form_id
        else r'<form[^>]*action="([^"]+)"'
    )
    found = re.search(pattern, text) or re.search(r'action="([^"]+)"', text)
    if not found:
        raise AssertionError(f"no form on the page:\n{text[:2000]}")
    return html.unescape(found.group(1))


def _realm() -> dict[str, Any]:
    """The realm as an admin would set it up for session-tui (README: "Keycloak")."""
    return {
        "realm": REALM,
        "enabled": True,
        # The test's "devices" come from public addresses (X-Forwarded-For) over plain http
        # on 127.0.0.1; a real realm keeps the default ("external": https for those).
        "sslRequired": "none",
        "eventsEnabled": True,
        "eventsExpiration": 86400,
        "enabledEventTypes": ["LOGIN", "LOGIN_ERROR", "LOGOUT", "CODE_TO_TOKEN"],
        "clients": [
            {
                "clientId": CLIENT_ID,
                "name": "session-tui",
                "publicClient": True,
                "standardFlowEnabled": False,
                "directAccessGrantsEnabled": True,
                "attributes": {
                    "oauth2.device.authorization.grant.enabled": "true",
                    "oauth2.device.polling.interval": "1",
                    "oauth2.device.code.lifespan": "120",
                },
            },
            {
                "clientId": OTHER_CLIENT,
                "publicClient": True,
                "standardFlowEnabled": False,
                "directAccessGrantsEnabled": True,
            },
            {
                "clientId": ONCALL_CLIENT,
                "publicClient": False,
                "secret": ONCALL_SECRET,
                "serviceAccountsEnabled": True,
                "standardFlowEnabled": False,
            },
            {
                "clientId": WATCHER_CLIENT,
                "publicClient": False,
                "secret": WATCHER_SECRET,
                "serviceAccountsEnabled": True,
                "standardFlowEnabled": False,
            },
        ],
        "users": [
            {
                "username": f"service-account-{ONCALL_CLIENT}",
                "enabled": True,
                "serviceAccountClientId": ONCALL_CLIENT,
                "clientRoles": {
                    "realm-management": [
                        "view-users",
                        "view-events",
                        "view-clients",
                        "manage-users",
                    ]
                },
            },
            {
                "username": f"service-account-{WATCHER_CLIENT}",
                "enabled": True,
                "serviceAccountClientId": WATCHER_CLIENT,
                "clientRoles": {"realm-management": ["view-users", "view-events"]},
            },
        ],
    }


def start_keycloak(workdir: Path) -> KeycloakServer:
    home = fetch_keycloak()
    workdir.mkdir(parents=True, exist_ok=True)
    port = server_process.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KC_BOOTSTRAP_ADMIN_CLIENT_ID": BOOT_ID,
        "KC_BOOTSTRAP_ADMIN_CLIENT_SECRET": BOOT_SECRET,
        "JAVA_OPTS_KC_HEAP": "-Xms128m -Xmx768m",
    }
    log_path = workdir / "keycloak.log"
    command = [
        str(home / "bin" / "kc.sh"),
        "start-dev",
        "--db=dev-mem",
        "--http-host=127.0.0.1",
        f"--http-port={port}",
        f"--hostname={base}",
        "--proxy-headers=xforwarded",
        "--proxy-trusted-addresses=127.0.0.1",
        "--cache=local",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home)
    server = KeycloakServer(base, proc, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"Keycloak exited with {proc.returncode}:\n{tail}")
            try:
                if httpx.get(f"{base}/realms/master", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Keycloak not up after {START_TIMEOUT:.0f} s")
            time.sleep(0.5)
        with httpx.Client(
            base_url=f"{base}/admin/realms",
            headers={"Authorization": f"Bearer {server.admin_token()}"},
            timeout=60,
        ) as admin:
            admin.post("", json=_realm()).raise_for_status()
        return server
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakServer]:
    server = start_keycloak(tmp_path_factory.mktemp("keycloak"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def keycloak_user(keycloak: KeycloakServer) -> KeycloakUser:
    return keycloak.add_user()
