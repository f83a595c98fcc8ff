"""Redraw the README's Matrix screenshots from the real app on a real, local Synapse.

    python screenshots/make_matrix_screenshots.py [--out DIR]

Needs matrix-synapse installed (it is in the dev environment). The script starts a throwaway
Synapse in a temporary directory (tests/synapse_server.py, server name example.org so user ids
read like a real deployment), registers @alice, @bob, @carol and an admin @ops, and logs in the
clients they would use, each from a public address in its own country (X-Forwarded-For). Then
it opens the accounts exactly as `session-tui --provider matrix ...` does (connect.open_accounts,
password login through SESSION_TUI_PASSWORD) and saves:

- matrix.svg: Alice's sessions, a device other than this one selected;
- matrix-revoke.svg: the revoke dialog asking for her password (nothing typed);
- oncall.svg: `--admin --watch @bob --watch @carol`, the watched accounts in the sidebar.

Staging, so the pictures look like a day's use rather than one second's:
- Synapse records last_seen at the moment of each request, so with the server stopped the
  script moves the devices' last_seen back in the database (minutes to days), then restarts it.
- The app's own requests come from 127.0.0.1; they carry an X-Forwarded-For too, so our own
  device shows Alice's home address rather than "Private network".
- The header names the homeserver `matrix.example.org` instead of 127.0.0.1 and a random port.

Times are real (the app clock is the real clock), so the pictures differ a little between runs.
SVG to PNG, and the fonts that matter for it, as in make_screenshots.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from session_tui.providers.base import SessionProvider
from session_tui.providers.matrix import MatrixProvider

HERE = Path(__file__).resolve().parent
# The PNG conversion is make_screenshots.py's; the homeserver is the one the tests run.
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
import synapse_server  # noqa: E402
from make_screenshots import convert_all  # noqa: E402
from shooting import shoot  # noqa: E402
from synapse_server import MatrixUser, SynapseServer  # noqa: E402

SERVER_NAME = "example.org"
SHOWN_HOST = "matrix.example.org"
HOME_IP = "95.91.195.72"  # Alice at home (Germany); also where session-tui runs

DESKTOP_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Element/1.11.85 Chrome/130.0.6723.152 Electron/33.2.1 Safari/537.36"
)
DESKTOP_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Element/1.11.85 Chrome/130.0.6723.152 Electron/33.2.1 Safari/537.36"
)
ELEMENT_IOS = "Element/1.11.26 (iPhone15,2; iOS 17.5; Scale/3.00)"
ELEMENT_ANDROID = (
    "Element/1.6.20 (Google Pixel 8; Android 14; UQ1A.240205.004; Flavour GooglePlay; "
    "MatrixAndroidSdk2 1.6.20)"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass(frozen=True, slots=True)
class Device:
    """A client someone logged in, and how long ago it was last active."""

    name: str
    user_agent: str
    ip: str
    idle: timedelta


DEVICES: dict[str, tuple[Device, ...]] = {
    "alice": (
        Device("Element Desktop: macOS", DESKTOP_MAC, HOME_IP, timedelta(minutes=2)),
        Device("Alice's iPhone", ELEMENT_IOS, "151.24.0.5", timedelta(minutes=26)),
        Device(
            "app.element.io: Firefox on Linux", FIREFOX_LINUX, "81.2.69.160", timedelta(hours=3)
        ),
        Device("backup-bot", "python-httpx/0.28.1", "88.198.0.1", timedelta(minutes=12)),
        Device("Element Android", ELEMENT_ANDROID, "133.242.0.3", timedelta(days=9)),
    ),
    "bob": (
        Device("Element Desktop: Windows", DESKTOP_WINDOWS, "62.4.0.1", timedelta(minutes=1)),
        Device("Bob's iPhone", ELEMENT_IOS, "5.39.0.1", timedelta(hours=2)),
        Device("curl", "curl/8.5.0", "84.17.0.1", timedelta(minutes=6)),
    ),
    "carol": (
        Device("Element Android", ELEMENT_ANDROID, "200.160.2.3", timedelta(minutes=4)),
        Device("app.element.io: Chrome on macOS", CHROME_MAC, "151.101.1.1", timedelta(days=2)),
    ),
}


def start_synapse(workdir: Path) -> SynapseServer:
    """tests/synapse_server.py's Synapse, named example.org instead of localhost."""
    original = synapse_server._config

    def named(where: Path, port: int) -> dict[str, object]:
        return {**original(where, port), "server_name": SERVER_NAME}

    synapse_server._config = named
    try:
        server = synapse_server.start_synapse(workdir)
    finally:
        synapse_server._config = original
    server.server_name = SERVER_NAME
    return server


def populate(server: SynapseServer, password: str) -> dict[str, dict[str, Device]]:
    """Register everyone, log in their clients; returns device id -> Device per localpart.

    Shared-secret registration leaves a device of its own (never used, no last_seen): it is
    logged out, as nobody would have it.
    """
    users: dict[str, MatrixUser] = {}
    for localpart in (*DEVICES, "ops"):
        users[localpart] = server.register(localpart, password, admin=localpart == "ops")
    logged: dict[str, dict[str, Device]] = {}
    for localpart, devices in DEVICES.items():
        user = users[localpart]
        logged[localpart] = {}
        for device in devices:
            device_id, _ = server.login(
                user, device_name=device.name, user_agent=device.user_agent, ip=device.ip
            )
            logged[localpart][device_id] = device
    for user in users.values():
        with server.client(user.registration_token) as client:
            client.post("/_matrix/client/v3/logout").raise_for_status()
    return logged


def wait_for_last_seen(db: Path, expected: int) -> None:
    """Synapse writes last_seen to the database in batches (every few seconds)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM devices WHERE last_seen IS NOT NULL"
            ).fetchone()
        if count >= expected:
            return
        time.sleep(0.2)
    raise SystemExit("Synapse never wrote the devices' last_seen to its database")


def age(db: Path, logged: dict[str, dict[str, Device]]) -> None:
    """Move each device's last activity back by its idle time (the server must be stopped)."""
    now_ms = int(time.time() * 1000)
    with sqlite3.connect(db) as conn:
        for localpart, devices in logged.items():
            user_id = f"@{localpart}:{SERVER_NAME}"
            for device_id, device in devices.items():
                seen = now_ms - int(device.idle.total_seconds() * 1000)
                for table in ("devices", "user_ips"):
                    conn.execute(
                        f"UPDATE {table} SET last_seen = ? WHERE user_id = ? AND device_id = ?",
                        (seen, user_id, device_id),
                    )


def device_id(devices: dict[str, Device], name: str) -> str:
    return next(i for i, d in devices.items() if d.name == name)


def stage(provider: SessionProvider) -> None:
    """The header names matrix.example.org; our own requests come from Alice's home."""
    provider.server = SHOWN_HOST
    if isinstance(provider, MatrixProvider):
        provider._client.headers["X-Forwarded-For"] = HOME_IP


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    password = f"screens-{os.urandom(8).hex()}"  # throwaway, for a throwaway server
    with tempfile.TemporaryDirectory(prefix="session-tui-synapse-") as tmp:
        workdir = Path(tmp)
        server = start_synapse(workdir)
        try:
            logged = populate(server, password)
            wait_for_last_seen(workdir / "homeserver.db", sum(map(len, logged.values())))
            server.stop()
            age(workdir / "homeserver.db", logged)
            server = start_synapse(workdir)
            hs = ["--provider", "matrix", "--homeserver", server.base_url]
            alice = [*hs, "--user", f"@alice:{SERVER_NAME}"]
            iphone = device_id(logged["alice"], "Alice's iPhone")
            curl = device_id(logged["bob"], "curl")
            oncall = [*hs, "--user", f"@ops:{SERVER_NAME}", "--admin"]
            for who in ("bob", "carol"):
                oncall += ["--watch", f"@{who}:{SERVER_NAME}"]
            mine = [("matrix", ()), ("matrix-revoke", ("r",))]
            env = {"SESSION_TUI_PASSWORD": password}
            svgs = asyncio.run(shoot(args.out, alice, env, mine, select=iphone, stage=stage))
            svgs += asyncio.run(
                shoot(args.out, oncall, env, [("oncall", ())], select=curl, stage=stage)
            )
        finally:
            server.stop()
    convert_all(svgs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
