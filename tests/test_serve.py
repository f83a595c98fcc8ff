"""`session-tui serve` (issue 25): the dashboard in headless Chromium, every asset from this
server; a key moves the cursor; without --allow-revoke revoking is refused and nothing reaches
the server; off loopback every page needs the token, and another site cannot drive it."""

from __future__ import annotations

import asyncio
import os
import stat
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
from browser_support import Screen, chromium, serving, wait
from playwright.sync_api import sync_playwright
from test_commands import REVOKING

from session_tui.demo import DemoService


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _open_page(browser, url: str) -> tuple[object, Screen, list[str]]:
    """A page on `url`, its terminal read into a `Screen`; and the requests it made elsewhere."""
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    screen = Screen()
    elsewhere: list[str] = []
    origin = url.split("?")[0].rstrip("/")
    page.on("request", lambda r: r.url.startswith(origin) or elsewhere.append(r.url))

    def on_socket(socket) -> None:
        socket.on("framesent", screen.on_sent)
        socket.on("framereceived", screen.on_received)

    page.on("websocket", on_socket)
    page.goto(url)
    wait(lambda: "This device" in screen.text(), "This device on the page", page)
    wait(screen.cursor_row, "the table's cursor", page)
    page.focus("textarea.xterm-helper-textarea")
    return page, screen, elsewhere


def _to_another_session(page, screen: Screen) -> str:
    """j until the cursor is on a session that is not this device's (j moves it: checked)."""
    for _ in range(3):
        before = screen.cursor_row()
        if not before.startswith("This device"):
            return before
        page.keyboard.press("j")
        wait(lambda b=before: screen.cursor_row() not in ("", b), "j to move the cursor", page)
    raise AssertionError("the cursor never left this device")


def test_the_browser_view_shows_the_dashboard_and_refuses_to_revoke(
    demo_service: DemoService,
) -> None:
    flags = ["--provider", "rest", "--url", demo_service.url]
    with (
        serving(*flags, env={"SESSION_TUI_TOKEN": demo_service.token}) as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page, screen, elsewhere = _open_page(browser, url)
            assert "read-only" in screen.text()
            assert elsewhere == []  # the script, styles and font all came from this server
            first = screen.cursor_row()
            page.keyboard.press("j")
            wait(lambda: screen.cursor_row() not in ("", first), "j to move the cursor", page)
            chosen = _to_another_session(page, screen)

            page.keyboard.press("r")
            wait(lambda: "Read-only mode" in screen.text(), "the refusal", page)
            assert screen.cursor_row() == chosen  # the session is still listed
            assert [r for r in demo_service.requests if r[0] in REVOKING] == []
            # The pages' stderr goes to a private file, not raw to the serving terminal.
            errors = Path(os.environ["SESSION_TUI_STATE_DIR"]) / "serve-pages.log"
            assert stat.S_IMODE(errors.stat().st_mode) == 0o600
        finally:
            browser.close()


def test_with_allow_revoke_the_browser_revokes_after_the_confirm(
    demo_service: DemoService,
) -> None:
    flags = ["--provider", "rest", "--url", demo_service.url, "--allow-revoke"]
    env = {"SESSION_TUI_TOKEN": demo_service.token}
    with serving(*flags, env=env) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page, screen, _ = _open_page(browser, url)
            assert "read-only" not in screen.text()
            chosen = _to_another_session(page, screen)
            page.keyboard.press("r")
            wait(lambda: "Revoke" in screen.text() and "Cancel" in screen.text(), "confirm", page)
            page.keyboard.press("y")
            wait(lambda: any(r[0] == "DELETE" for r in demo_service.requests), "the revoke", page)
            wait(lambda: "Revoked " in screen.text(), "the app to say it is done", page)
            wait(lambda: chosen[:24] not in screen.text(), "the row to go", page)
        finally:
            browser.close()


def test_off_loopback_every_page_needs_the_token_and_no_other_site_drives_it() -> None:
    with serving("--host", "0.0.0.0") as url:
        assert "?token=" in url
        token = url.split("?token=")[1]
        port = url.split(":")[2].split("/")[0]
        base = f"http://127.0.0.1:{port}"
        assert _status(f"{base}/") == 403
        assert _status(f"{base}/?token=wrong{token[5:]}") == 403
        assert _status(f"{base}/?token={token}") == 200
        assert _status(f"{base}/static/js/textual.js") == 200  # the library's script: public
        assert asyncio.run(_socket(f"{base}/ws", None)) == 403
        assert asyncio.run(_socket(f"{base}/ws/{token}", "https://evil.example")) == 403
    with serving() as url:  # loopback: no token, but only by its own name and from its page
        assert "token" not in url
        assert _status(url, {"Host": "evil.example"}) == 421  # DNS rebinding
        assert asyncio.run(_socket(url + "ws", "http://evil.example")) == 403
        assert asyncio.run(_socket(url + "ws", url.rstrip("/"))) == 101


async def _socket(url: str, origin: str | None) -> int:
    """The status a websocket handshake gets (101: it was let in)."""
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url.replace("http", "ws", 1), headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_a_page_that_cannot_sign_in_ends_and_the_log_says_why() -> None:
    flags = ["--provider", "matrix", "--homeserver", "http://127.0.0.1:9", "--user", "@a:b"]
    with serving(*flags) as url:  # no token, no stored sign-in, no terminal: it cannot
        assert asyncio.run(_closed_after_start(url)) is True
    log = Path(os.environ["SESSION_TUI_STATE_DIR"]) / "serve-pages.log"
    assert "No credentials and no terminal to ask for a password" in log.read_text()


async def _closed_after_start(url: str) -> bool:
    """Whether the page's websocket is closed by the server (its app ended) within 30 s."""
    async with aiohttp.ClientSession() as session:
        socket = url.replace("http", "ws", 1) + "ws?width=80&height=24"
        async with session.ws_connect(socket, headers={"Origin": url.rstrip("/")}) as ws:
            async with asyncio.timeout(30):
                async for _ in ws:
                    pass
            return ws.closed
