"""Helpers for driving the real app in tests: build it on the demo, wait until it is quiet.

Waiting is by condition, never by fixed sleeps: polls, tracking (SQLite, audit file) and dialog
actions all run in workers, and a test may look only once they are done.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable

from rich.console import Console
from textual.pilot import Pilot

from session_tui.demo import DemoService
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp

SIZE = (120, 32)
JAPAN_IP = "133.242.0.3"  # a public address in Japan; the demo account has no Japanese session
CURL_UA = "curl/8.5.0"


def demo_app(service: DemoService, **options: object) -> SessionTuiApp:
    """The app on the demo service, polling only when told (ctrl+r), on the service's clock."""
    provider = RestProvider(service.url, service.token)
    opts = AppOptions(interval=600, clock=service.clock, **options)
    return SessionTuiApp([provider], opts)


async def until(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def idle(app: SessionTuiApp) -> bool:
    """No poll, dialog action or tracking job (SQLite, audit file) still running."""
    groups = ("tracking", "confirm", "rename")
    workers = [w for w in (*app.workers, *app.screen.workers) if w.group in groups]
    return app.engine.idle and all(w.is_finished for w in workers)


async def settle(pilot: Pilot[None], app: SessionTuiApp) -> None:
    """Until the first polls and all they set off are done: the tracking jobs, the first
    listing's read of the server's own history included (a test that then makes the server
    fail its next request must not have that read take the failure)."""
    await until(pilot, lambda: all(a.polls or a.error for a in app.accounts), "the first poll")
    await until(pilot, lambda: app.painted.is_set(), "the first listing on screen")
    for _ in range(2):  # idle, and still idle once what was pending had its turn
        await until(pilot, lambda: idle(app), "the app to go idle")
        await pilot.pause()


async def poll(pilot: Pilot[None], app: SessionTuiApp) -> None:
    """One more poll (ctrl+r), and everything it set off."""
    before = app.accounts[0].polls
    await pilot.press("ctrl+r")
    await until(pilot, lambda: app.accounts[0].polls > before, "a poll")
    await until(pilot, lambda: idle(app), "tracking to finish")
    await pilot.pause()


def rendered_text(renderable: object, width: int = 120) -> str:
    """What a renderable shows, as plain text (a pane's content, a dialog's lines)."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def screen_characters(app: SessionTuiApp) -> str:
    """Every character the screen shows, in order: the text of its SVG export."""
    return svg_characters(app.export_screenshot())


def svg_characters(svg: str) -> str:
    """The text of an SVG screenshot's <text> elements."""
    text = html.unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))
    return text.replace("\xa0", " ")  # how the export writes a space


def header_line(app: SessionTuiApp, width: int | None = None) -> str:
    """What the header line says, as plain text, as wide as it is on screen (or `width`)."""
    header = app.main.header
    console = Console(width=width or header.size.width, file=io.StringIO(), record=True)
    console.print(header.render())
    return console.export_text().rstrip("\n")
