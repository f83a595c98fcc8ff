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
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

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
)


async def shoot(
    out: Path, stem: str, size: tuple[int, int], row: int | None, keys: Sequence[str]
) -> Path:
    with DemoService(seed=DEMO_SEED, clock=ManualClock(DEMO_NOW), live=False) as service:
        provider = RestProvider(service.url, service.token)
        provider.server = "127.0.0.1 (demo)"  # not the ephemeral port
        app = SessionTuiApp([provider], AppOptions(interval=600, clock=lambda: DEMO_NOW))
        async with app.run_test(size=size) as pilot:
            for _ in range(250):
                await pilot.pause(0.02)
                if app.accounts[0].polls and not app.accounts[0].in_flight:
                    break
            else:
                raise SystemExit("the app never finished its first poll")
            if row is not None:
                app.main.query_one("#sessions", SessionsTable).move_cursor(row=row)
            for key in keys:
                await pilot.press(key)
            if keys:
                for _ in range(100):
                    await pilot.pause(0.02)
                    if isinstance(app.screen, ConfirmDialog):
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
    subprocess.run([converter, str(svg), "-o", str(png)], check=True)
    return png


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, size, row, keys in SHOTS:
        svg = asyncio.run(shoot(args.out, stem, size, row, keys))
        png = to_png(svg)
        print(svg, png or "(no PNG: install librsvg2-bin for rsvg-convert)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
