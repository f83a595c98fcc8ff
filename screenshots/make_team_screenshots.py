"""Redraw the README's team screenshots: two operators on one PostgreSQL, and the browser view.

    python screenshots/make_team_screenshots.py [--out DIR]

Needs Debian's postgresql (started as the tests start it) and, for the browser view, chromium
(driven by playwright, as the tests drive it). The demo service answers for four on-call
users. A colleague's instance (bob@ops-2) polls them first; alice's dashboard then joins on the
same store, so it follows what bob recorded for the accounts he keeps and says so in the header.
A sign-in from a Tor exit is an alert; bob acknowledges it, and alice's feed says who and when.
Saves team.svg and team-alerts.svg (PNGs beside them as make_screenshots.py does), and
browser.png: `session-tui serve` on the embedded demo, in headless Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from make_screenshots import convert_all  # noqa: E402
from postgres_server import running_postgres  # noqa: E402
from shooting import SIZE  # noqa: E402

from session_tui.demo import DemoService  # noqa: E402
from session_tui.demo.users import WatchedUsers  # noqa: E402
from session_tui.engine.core import Engine, EngineOptions  # noqa: E402
from session_tui.providers.rest_admin import RestAdminProvider  # noqa: E402
from session_tui.ui.app import AppOptions, SessionTuiApp  # noqa: E402

USERS = ("sam", "mei", "ana", "raj")
TOR_EXIT = "185.220.101.7"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def _until(check, what: str, pause, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pause(0.05)
    raise SystemExit(f"timed out waiting for {what}")


async def team_shots(out: Path, store: str) -> list[Path]:
    users = WatchedUsers.demo(USERS, kept=False)
    with DemoService(seed=3, users=users) as service:
        bob = Engine(
            [RestAdminProvider(service.url, users.token, name) for name in USERS],
            EngineOptions(interval=1, background_interval=2, store=store, operator="bob@ops-2"),
        )
        bob.start()
        try:
            await _until(lambda: all(a.polls for a in bob.accounts), "bob", asyncio.sleep)
            providers = [RestAdminProvider(service.url, users.token, name) for name in USERS]
            options = AppOptions(interval=1, store=store, operator="alice@ops-1")
            app = SessionTuiApp(providers, options)
            async with app.run_test(size=SIZE) as pilot:
                await _until(lambda: all(a.polls for a in app.accounts), "alice", pilot.pause)
                await _until(  # the fair share: two accounts each
                    lambda: sum(a.polled_by == "bob@ops-2" for a in app.accounts) == 2
                    and sum(a.polled_by == "" for a in app.accounts) == 2,
                    "the leases to settle",
                    pilot.pause,
                )
                followed = next(a for a in app.accounts if a.polled_by == "bob@ops-2")
                await pilot.press("tab")  # the account list, then down it to that account
                for _ in range(len(USERS)):
                    if app.main.account is followed:
                        break
                    await pilot.press("j")
                    await pilot.pause(0.3)
                await pilot.press("shift+tab")
                state = users.accounts[followed.provider.watched_user][0]  # type: ignore[attr-defined]
                state.add_session(user_agent=FIREFOX, ip=TOR_EXIT)
                await _until(lambda: app.main.header.unseen_alerts > 0, "the alert", pilot.pause)
                await pilot.pause(1.0)
                saved = [out / "team.svg"]
                saved[0].write_text(app.export_screenshot(title="session-tui"), encoding="utf-8")
                entries, _ = await bob.feed(10, mark_seen=False)
                await bob.acknowledge([e.event.event_id for e in entries if e.event.is_alert])
                await pilot.press("a")
                await pilot.pause(1.5)
                saved.append(out / "team-alerts.svg")
                saved[1].write_text(app.export_screenshot(title="session-tui"), encoding="utf-8")
                return saved
        finally:
            await bob.aclose()


def browser_shot(out: Path) -> Path:
    from browser_support import Screen, chromium, serving, wait
    from playwright.sync_api import sync_playwright

    path = out / "browser.png"
    with tempfile.TemporaryDirectory() as scratch:
        env = {"SESSION_TUI_STATE_DIR": scratch, "SESSION_TUI_CONFIG_DIR": scratch}
        with serving(env=env) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            screen = Screen()
            page.on("websocket", lambda s: s.on("framereceived", screen.on_received))
            page.goto(url)
            wait(lambda: "This device" in screen.text(), "the dashboard", page)
            page.focus("textarea.xterm-helper-textarea")  # in use: a blurred app hides its keys
            page.wait_for_timeout(1500)
            page.screenshot(path=str(path))
            browser.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["SESSION_TUI_STATE_DIR"] = str(Path(scratch) / "state")
        os.environ["SESSION_TUI_CONFIG_DIR"] = str(Path(scratch) / "config")
        with running_postgres() as server:
            svgs = asyncio.run(team_shots(args.out, server.url(server.create_database())))
    convert_all(svgs)
    print(browser_shot(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
