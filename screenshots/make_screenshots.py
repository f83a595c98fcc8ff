"""Redraw the README screenshots from the real app on the embedded demo service.

    python screenshots/make_screenshots.py [--out DIR]

The demo runs frozen (fixed seed and clock), so the pictures only change when the app does.
Each screen is saved as SVG (Textual's own export) and, when `rsvg-convert` (librsvg2-bin) is
installed, as PNG beside it. Fonts matter for the PNG: install Fira Code (fonts-firacode) and an
emoji font (fonts-noto-color-emoji) for flags.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from session_tui.demo import DemoService, ManualClock
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog
from session_tui.ui.widgets.sessions_table import SessionsTable

DEMO_NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
DEMO_SEED = 20261125

# (file stem, terminal size, row to select, keys to press)
SHOTS: tuple[tuple[str, tuple[int, int], int | None, tuple[str, ...]], ...] = (
    ("main", (120, 32), 2, ()),
    ("revoke-all", (120, 32), None, ("R",)),
    ("history", (160, 40), None, ("h",)),
    ("alerts", (120, 32), None, ("a",)),
    ("wide", (200, 50), None, ()),  # history and alerts docked under the table
    ("map", (120, 32), None, ()),  # the world map, the demo's impossible journey selected
)


async def _poll(pilot: Pilot[None], app: SessionTuiApp) -> None:
    """ctrl+r, then wait for the poll and the tracking it sets off (SQLite, in workers)."""
    before = app.accounts[0].polls
    await pilot.press("ctrl+r")
    for _ in range(250):
        await pilot.pause(0.02)
        busy = any(w.group in ("tracking", "confirm") and not w.is_finished for w in app.workers)
        if app.accounts[0].polls > before and not app.accounts[0].in_flight and not busy:
            return
    raise SystemExit("the poll did not finish")


async def _sign_ins(pilot: Pilot[None], app: SessionTuiApp, service: DemoService) -> str:
    """Two sign-ins the account never saw the like of, and one from a known device and place."""
    service.clock.advance(minutes=7)  # type: ignore[union-attr]
    service.state.add_session(
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ip="95.91.195.72",
    )
    japan = service.state.add_session(user_agent="curl/8.5.0", ip="133.242.0.3")
    service.clock.advance(minutes=2)  # type: ignore[union-attr]
    service.state.add_session(
        user_agent="Wget/1.21.4", ip="95.91.195.72", device_name="nightly backup"
    )
    await _poll(pilot, app)
    return japan


async def _alerts_scene(pilot: Pilot[None], app: SessionTuiApp, service: DemoService) -> None:
    await _sign_ins(pilot, app, service)


async def _history_scene(pilot: Pilot[None], app: SessionTuiApp, service: DemoService) -> None:
    """A sign-in revoked from here, one that ended elsewhere, and the API's own history."""
    japan = await _sign_ins(pilot, app, service)
    service.clock.advance(minutes=4)  # type: ignore[union-attr]
    gone = [s.id for s in service.state.sessions() if s.device_name == "Work laptop"]
    for sid in gone:
        service.state.remove_session(sid, reason="unknown")  # no reason the API would name
    await _poll(pilot, app)
    service.clock.advance(minutes=3)  # type: ignore[union-attr]
    app.main.query_one("#sessions", SessionsTable).select_id(japan)
    await pilot.press("r")
    for _ in range(100):
        await pilot.pause(0.02)
        if isinstance(app.screen, ConfirmDialog):
            break
    await pilot.press("y")
    await _poll(pilot, app)


async def _map_scene(pilot: Pilot[None], app: SessionTuiApp, service: DemoService) -> None:
    """The demo's impossible journey selected, and the map opened (`m`)."""
    from session_tui.enrich.risk import RiskCode
    from session_tui.ui.screens.world_map import MapScreen

    account = app.accounts[0]
    for _ in range(250):  # the risks are judged after the first listing, with its history
        await pilot.pause(0.02)
        journeys = [s for s, r in account.risks.items() if RiskCode.IMPOSSIBLE_TRAVEL in r.codes]
        if journeys:
            break
    else:
        raise SystemExit("the demo's journey was never judged")
    app.main.query_one("#sessions", SessionsTable).select_id(journeys[0])
    await pilot.press("m")
    for _ in range(100):
        await pilot.pause(0.02)
        if isinstance(app.screen, MapScreen):
            return
    raise SystemExit("the map did not open")


# Shots that need something to have happened first (history and alerts start empty).
SCENES: dict[str, Callable[[Pilot[None], SessionTuiApp, DemoService], Awaitable[None]]] = {
    "history": _history_scene,
    "alerts": _alerts_scene,
    "wide": _history_scene,
    "map": _map_scene,
}


async def shoot(
    out: Path, stem: str, size: tuple[int, int], row: int | None, keys: Sequence[str]
) -> Path:
    # A fresh history per picture, and never the user's own state dir.
    os.environ["SESSION_TUI_STATE_DIR"] = tempfile.mkdtemp(prefix="session-tui-shots-")
    clock = ManualClock(DEMO_NOW)
    with DemoService(seed=DEMO_SEED, clock=clock, live=False) as service:
        provider = RestProvider(service.url, service.token)
        provider.server = "127.0.0.1 (demo)"  # not the ephemeral port
        app = SessionTuiApp([provider], AppOptions(interval=600, clock=clock))
        async with app.run_test(size=size) as pilot:
            for _ in range(250):
                await pilot.pause(0.02)
                if app.accounts[0].polls and not app.accounts[0].in_flight:
                    break
            else:
                raise SystemExit("the app never finished its first poll")
            scene = SCENES.get(stem)
            if scene is not None:
                await scene(pilot, app, service)
            if row is not None:
                app.main.query_one("#sessions", SessionsTable).move_cursor(row=row)
            for key in keys:
                await pilot.press(key)
            if keys:
                for _ in range(100):
                    await pilot.pause(0.02)
                    if isinstance(app.screen, ConfirmDialog):
                        break
            for _ in range(100):  # panes load in workers
                await pilot.pause(0.02)
                if not any(w.group == "tracking" and not w.is_finished for w in app.workers):
                    break
            await pilot.pause(0.1)
            await pilot.wait_for_scheduled_animations()
            path = out / f"{stem}.svg"
            path.write_text(app.export_screenshot(title="session-tui"), encoding="utf-8")
            return path


def to_png(svg: Path) -> Path | None:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        return None
    png = svg.with_suffix(".png")
    # Textual writes runs of spaces as &#160;, which librsvg collapses at the start of a text
    # element unless told to preserve them: lines would shift. Convert a preserving copy.
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    with tempfile.TemporaryDirectory() as tmp:
        preserved = Path(tmp) / svg.name
        preserved.write_text(text, encoding="utf-8")
        subprocess.run([converter, str(preserved), "-o", str(png)], check=True)
    return png


def convert_all(svgs: Sequence[Path]) -> None:
    """A PNG beside each SVG (where rsvg-convert is installed), and a line for each."""
    for svg in svgs:
        png = to_png(svg)
        print(svg, png or "(no PNG: install librsvg2-bin for rsvg-convert)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    convert_all([asyncio.run(shoot(args.out, *shot)) for shot in SHOTS])
    return 0


if __name__ == "__main__":
    sys.exit(main())
