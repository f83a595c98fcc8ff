"""`session-tui serve` as a user meets it: the command started as a process, and a page in
Debian's headless Chromium driven by playwright (no browser is downloaded). What the page draws
is read by feeding what its websocket received into a terminal emulator (pyte) the size the page
asked for: xterm.js draws on a canvas, so the screen's text is not in the page's DOM."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyte
import server_process

SCRIPT = Path(sys.executable).with_name("session-tui")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError(
            "The browser test needs Debian's chromium (apt-get install chromium; .ci/run does)."
        )
    return found


@contextmanager
def serving(*argv: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`session-tui serve --port 0 ARGV…` running; yields the URL it printed."""
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", *argv],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert line and line[0].startswith("session-tui serve: "), (line, proc.poll())
        yield line[0].split()[2]
    finally:
        server_process.stop(proc)


@dataclass
class Screen:
    """What one page's terminal shows, rebuilt from the bytes its websocket received."""

    received: list[bytes] = field(default_factory=list)
    size: tuple[int, int] | None = None  # (columns, rows) as the page last asked

    def on_sent(self, payload: str | bytes) -> None:
        try:
            message = json.loads(payload)
        except (TypeError, ValueError):
            return
        if isinstance(message, list) and message and message[0] == "resize":
            self.size = (int(message[1]["width"]), int(message[1]["height"]))

    def on_received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):  # the app's output; text frames are pongs
            self.received.append(payload)

    def render(self) -> pyte.Screen:
        columns, rows = self.size or (80, 24)
        screen = pyte.Screen(columns, rows)
        stream = pyte.ByteStream(screen)
        for chunk in list(self.received):
            stream.feed(chunk)
        return screen

    def text(self) -> str:
        return "\n".join(self.render().display)

    def cursor_row(self) -> str:
        """The table's highlighted row ("" while none is): of the lines under its heading
        that have text where the heading starts, the one whose background under "Last active"
        no other shares (the rows are striped in two)."""
        screen = self.render()
        lines = screen.display
        heads = [
            (line.index("Device"), y)
            for y, line in enumerate(lines)
            if "Device" in line and "Last active" in line
        ]
        if not heads:
            return ""
        column, top = min(heads)
        rows = [y for y in range(top + 1, len(lines)) if lines[y][column : column + 8].strip()]
        probe = lines[top].index("Last active")  # past the labels a row's first cell may have
        backgrounds = [screen.buffer[y][probe].bg for y in rows]
        unique = [y for y, bg in zip(rows, backgrounds, strict=True) if backgrounds.count(bg) == 1]
        return lines[unique[0]][column:].split("│")[0].strip() if len(unique) == 1 else ""


def wait(check: Callable[[], object], what: str, page: object, timeout: float = 30.0) -> None:
    """Until `check()`, letting the page's events in (playwright's sync API delivers them while
    the page waits)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
