"""Key latency at 10,000 sessions (issue 23): each key the table answers, from the press until
the screen has been painted with its result, in the real app on the real demo service."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

from inproc import _idle, _painted, _until, large_app
from probes import percentile
from textual import events

from session_tui.ui.app import SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog

KEYS = ("s", "S", "/text", "i", "u", "escape", "space", "R")


async def _press(app: SessionTuiApp, key: str, done: Callable[[], bool]) -> float:
    """Seconds from posting the key (as the terminal driver does) to its result painted."""
    start = time.perf_counter()
    character = key if len(key) == 1 else None
    app.post_message(events.Key(key, character))
    while not done():
        await asyncio.sleep(0.0005)
    await _painted(app)
    return time.perf_counter() - start


async def key_latencies(sessions: int, rounds: int) -> dict[str, list[float]]:
    """For each key of `KEYS`, `rounds` measurements (the app idle between them)."""
    found: dict[str, list[float]] = {key: [] for key in KEYS}
    # As `session-tui` starts the dashboard (cli._run_app): collection held off until the first
    # listing is on screen, then what start-up made frozen (ui/collection.py).
    gc.disable()
    async with large_app(sessions, seed=3) as (_service, _clock, app, pilot):
        table = app.main.table
        for _ in range(rounds):
            column = table.sort_column
            found["s"].append(await _press(app, "s", lambda c=column: table.sort_column != c))
            reverse = table.sort_reverse
            found["S"].append(await _press(app, "S", lambda r=reverse: table.sort_reverse != r))
            await _press(app, "slash", lambda: app.main.filter_input.has_focus)
            for letter in "worke":
                await _press(app, letter, lambda: True)
            found["/text"].append(await _press(app, "r", lambda: table.filter_text == "worker"))
            await _press(app, "enter", lambda: table.has_focus)
            found["escape"].append(await _press(app, "escape", lambda: table.filter_text == ""))
            found["i"].append(await _press(app, "i", lambda: "inactive" in table.quick))
            await _press(app, "i", lambda: "inactive" not in table.quick)
            found["u"].append(await _press(app, "u", lambda: "unrecognised" in table.quick))
            await _press(app, "u", lambda: "unrecognised" not in table.quick)
            marked = len(table.marked)
            found["space"].append(
                await _press(app, "space", lambda m=marked: len(table.marked) != m)
            )
            await _press(app, "escape", lambda: not table.marked)
            found["R"].append(await _press(app, "R", lambda: isinstance(app.screen, ConfirmDialog)))
            await _press(app, "n", lambda: not isinstance(app.screen, ConfirmDialog))
            await _until(pilot, lambda: _idle(app))
    gc.enable()
    return found


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    results = asyncio.run(key_latencies(count, int(sys.argv[2]) if len(sys.argv) > 2 else 5))
    for key, values in results.items():
        shown = " ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{key:8} p95 {p95(values) * 1000:6.0f} ms  ({shown})")
