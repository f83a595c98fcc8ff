"""Redraw the README's Keycloak and Home Assistant screenshots from real, local servers.

    python screenshots/make_idp_screenshots.py [--out DIR]

Needs Java 17+ and Maven (Keycloak, fetched on first use) and the Home Assistant virtual
environment the tests install on first use (tests/home_assistant_server.py). The script starts
both servers the way the tests do, signs Alice in from the browsers, apps and places she would
use (each from a public address in its own country, through X-Forwarded-For), signs
session-tui in from her home address too, and opens the app as `session-tui --provider
keycloak|home-assistant ...` does (the token through SESSION_TUI_TOKEN). It saves
keycloak.svg and home-assistant.svg, and PNGs beside them as make_screenshots.py does; and
oncall-auth0.svg, on-call mode on our model of Auth0's Management API (tests/auth0_fake.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from session_tui.providers.base import SessionProvider

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from home_assistant_server import HomeAssistant, start_home_assistant  # noqa: E402
from keycloak_server import OTHER_CLIENT, REALM, KeycloakServer, start_keycloak  # noqa: E402
from make_screenshots import convert_all  # noqa: E402
from make_site_screenshots import CLIENTS, HOME_IP, OUR_AGENT  # noqa: E402
from shooting import shoot  # noqa: E402


def stage_as(host: str) -> object:
    def stage(provider: SessionProvider) -> None:
        provider.server = host  # the header names a real-looking host, not 127.0.0.1

    return stage


def keycloak_shot(server: KeycloakServer, out: Path) -> list[Path]:
    alice = server.add_user("alice")
    ids = []
    for index, (agent, ip, _, _) in enumerate(CLIENTS):
        client = OTHER_CLIENT if index % 2 else "session-tui"
        ids.append(
            server.sign_in(alice, client_id=client, user_agent=agent, ip=ip)["session_state"]
        )
    ours = server.sign_in(alice, user_agent=OUR_AGENT, ip=HOME_IP)
    argv = ["--provider", "keycloak", "--base-url", server.base_url, "--realm", REALM]
    argv += ["--user", alice.username]
    env = {"SESSION_TUI_TOKEN": ours["access_token"]}
    return asyncio.run(
        shoot(out, argv, env, [("keycloak", ())], select=ids[1], stage=stage_as("sso.example.com"))
    )


def home_assistant_shot(server: HomeAssistant, out: Path) -> list[Path]:
    alice = server.add_user()
    ids = [server.device(alice, ip=ip)[0] for _, ip, _, _ in CLIENTS[:4]]
    _, answer = server.device(alice, ip=HOME_IP)
    server.command(
        answer["access_token"],
        "auth/long_lived_access_token",
        client_name="Backup job",
        lifespan=365,
    )
    argv = ["--provider", "home-assistant", "--base-url", server.base_url, "--user", alice.username]
    env = {"SESSION_TUI_TOKEN": ""}
    token = server.command(
        answer["access_token"],
        "auth/long_lived_access_token",
        client_name="session-tui",
        lifespan=1,
    )
    env["SESSION_TUI_TOKEN"] = str(token)
    return asyncio.run(
        shoot(
            out,
            argv,
            env,
            [("home-assistant", ())],
            select=ids[1],
            stage=stage_as("homeassistant.local:8123"),
        )
    )


def hosted_shot(out: Path) -> list[Path]:
    """On call on a hosted provider: two Auth0 users, on our model of Auth0's API."""
    from auth0_fake import CLIENT_ID, CLIENT_SECRET, Auth0Fake
    from canned_rest import serving

    fake = Auth0Fake()
    with serving(fake.handle) as url:
        fake.url = url
        alice, bob = "auth0|64f1c0ffee", "google-oauth2|10934"
        for agent, ip, _, _ in CLIENTS:
            fake.sign_in(alice, agent=agent, ip=ip, asn="3320", client="shop-web")
        for agent, ip, _, _ in CLIENTS[1:3]:
            fake.sign_in(bob, agent=agent, ip=ip, asn="15169", client="shop-ios")
        argv = ["--provider", "auth0", "--base-url", url, "--admin", "--client-id", CLIENT_ID]
        argv += ["--watch", alice, "--watch", bob]
        env = {"SESSION_TUI_CLIENT_SECRET": CLIENT_SECRET}
        return asyncio.run(
            shoot(out, argv, env, [("oncall-auth0", ())], stage=stage_as("acme.eu.auth0.com"))
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    svgs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="session-tui-idp-") as tmp:
        keycloak = start_keycloak(Path(tmp) / "keycloak")
        try:
            svgs += keycloak_shot(keycloak, args.out)
        except httpx.HTTPError as exc:
            raise SystemExit(f"the Keycloak server failed: {exc}") from exc
        finally:
            keycloak.stop()
        hass = start_home_assistant(Path(tmp) / "home-assistant")
        try:
            svgs += home_assistant_shot(hass, args.out)
        finally:
            hass.stop()
    svgs += hosted_shot(args.out)
    convert_all(svgs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
