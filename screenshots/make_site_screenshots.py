"""Redraw the README's django-allauth and Better Auth screenshots from real, local servers.

    python screenshots/make_site_screenshots.py [--out DIR]

Needs the test extra (Django, django-allauth) and Node.js with npm (the Better Auth server in
tests/servers/better_auth, installed from its lockfile on first use). The script starts both
servers the way the tests do, signs Alice in from the browsers and places she would use (each
from a public address in its own country, through X-Forwarded-For), signs session-tui in from
her home address too, and opens the app as `session-tui --provider allauth|better-auth ...`
does (the token through SESSION_TUI_TOKEN). It saves allauth.svg and better-auth.svg, and PNGs
beside them as make_screenshots.py does.

Staging, so the pictures look like a week of use: django-allauth's rows are moved back in time
in the site's database; Better Auth's in-memory sessions through the test server's own
/test-only/age hook. The header names shop.example.com, not 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from session_tui.providers.base import SessionProvider

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from allauth_server import AllauthSite, start_site  # noqa: E402
from better_auth_server import BetterAuthServer, start_server  # noqa: E402
from make_screenshots import convert_all  # noqa: E402
from shooting import shoot  # noqa: E402

SHOWN_HOST = "shop.example.com"
HOME_IP = "95.91.195.72"  # Alice at home (Germany); where session-tui runs too
OUR_AGENT = "session-tui/0.1.0"
HOUR = 3600.0

# (user agent, address, hours since sign-in, hours since last seen)
CLIENTS = (
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        HOME_IP,
        50.0,
        0.02,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "151.24.0.5",
        120.0,
        0.4,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "81.2.69.160",
        30.0,
        3.0,
    ),
    ("python-httpx/0.28.1", "88.198.0.1", 100.0, 0.2),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        "133.242.0.3",
        160.0,
        150.0,
    ),
)


def stage(provider: SessionProvider) -> None:
    """The header names shop.example.com; our own requests come from Alice's home (a site
    that tracks activity records the address of each request)."""
    provider.server = SHOWN_HOST
    client = getattr(provider, "_client", None)
    if isinstance(client, httpx.AsyncClient):
        client.headers["X-Forwarded-For"] = HOME_IP


def allauth_shot(site: AllauthSite, workdir: Path, out: Path) -> list[Path]:
    alice = site.new_user(password=f"screens-{time.time_ns()}", name="alice")
    ids = [site.login(alice, user_agent=ua, ip=ip) for ua, ip, _, _ in CLIENTS]
    ours = site.login(alice, user_agent=OUR_AGENT, ip=HOME_IP)
    now = time.time()
    with sqlite3.connect(workdir / "site.sqlite3") as conn:
        for sid, (_, _, signed_in, seen) in zip(ids, CLIENTS, strict=True):
            conn.execute(
                "UPDATE usersessions_usersession SET created_at = ?, last_seen_at = ? WHERE id = ?",
                (_sql_time(now - signed_in * HOUR), _sql_time(now - seen * HOUR), int(sid)),
            )
        conn.execute(
            "UPDATE usersessions_usersession SET created_at = ? WHERE id = ?",
            (_sql_time(now - 2 * HOUR), int(ours)),
        )
    argv = ["--provider", "allauth", "--base-url", site.base_url, "--user", alice.username]
    env = {"SESSION_TUI_TOKEN": alice.tokens[ours]}
    return asyncio.run(shoot(out, argv, env, [("allauth", ())], select=ids[1], stage=stage))


def better_auth_shot(server: BetterAuthServer, out: Path) -> list[Path]:
    alice = server.new_user(password=f"screens-{time.time_ns()}", name="alice")
    ids = [server.login(alice, user_agent=ua, ip=ip) for ua, ip, _, _ in CLIENTS]
    ours = server.login(alice, user_agent=OUR_AGENT, ip=HOME_IP)
    for sid, (_, _, signed_in, _) in zip(ids, CLIENTS, strict=True):
        server.age(alice.tokens[sid], signed_in * HOUR)
    server.age(alice.tokens[ours], 2 * HOUR)
    argv = ["--provider", "better-auth", "--base-url", server.base_url, "--user", alice.email]
    env = {"SESSION_TUI_TOKEN": alice.tokens[ours]}
    return asyncio.run(shoot(out, argv, env, [("better-auth", ())], select=ids[1], stage=stage))


def _sql_time(epoch: float) -> str:
    """Django's SQLite datetime format (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1e6):06d}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    svgs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="session-tui-allauth-") as tmp:
        site = start_site(Path(tmp))
        try:
            svgs += allauth_shot(site, Path(tmp), args.out)
        finally:
            site.stop()
    server = start_server()
    try:
        svgs += better_auth_shot(server, args.out)
    except httpx.HTTPError as exc:
        raise SystemExit(f"the Better Auth server failed: {exc}") from exc
    finally:
        server.stop()
    convert_all(svgs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
