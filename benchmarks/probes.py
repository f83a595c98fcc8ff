"""How `run.py` measures: whole processes in a pseudo-terminal, and the real app headless.

Start-up is timed from `fork` to the first bytes of a painted session row on the terminal
(the text "This device"), the way a user sees it; memory is the process's peak RSS then.
The in-process probes drive the real app through Textual's pilot on the real demo service.
"""

from __future__ import annotations

import fcntl
import math
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = b"This device"


@dataclass(frozen=True)
class Started:
    seconds: float  # until the marker was on the terminal
    rss_mib: float  # peak resident memory of the process, up to when it was stopped


def start_in_pty(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    size: tuple[int, int] = (32, 120),
    linger: float = 0.0,
    timeout: float = 60.0,
) -> Started:
    """Run `argv` on a pty of `size` (rows, columns) until MARKER shows; `linger` seconds
    more (to let a large account settle before memory is read); then stop it (SIGTERM)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child
        try:
            os.execvpe(argv[0], list(argv), env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    start = time.perf_counter()
    seen = b""
    found: float | None = None
    deadline = start + timeout
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if not ready:
            if found is not None and time.perf_counter() - start - found >= linger:
                break
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            break
        if found is None:
            seen = (seen + chunk)[-(1 << 20) :]
            if MARKER in seen:
                found = time.perf_counter() - start
                if not linger:
                    break
    os.kill(pid, signal.SIGTERM)
    _, _, usage = os.wait4(pid, 0)
    os.close(fd)
    if found is None:
        raise RuntimeError(f"{' '.join(argv)} never showed {MARKER!r}")
    return Started(found, usage.ru_maxrss / 1024)


def median_start(
    argv: Sequence[str], env: dict[str, str], runs: int, linger: float = 0.0
) -> Started:
    return interleaved_starts({"only": (argv, env)}, runs, linger)["only"]


def interleaved_starts(
    commands: dict[str, tuple[Sequence[str], dict[str, str]]], runs: int, linger: float = 0.0
) -> dict[str, Started]:
    """The median start of each command, measured in turns (one of each per round): a machine
    that gets busier half-way through a run then slows all of them alike, not only the ones
    measured last, and the ratios between them hold."""
    found: dict[str, list[Started]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            found[name].append(start_in_pty(argv, env=env, linger=linger))
    return {
        name: Started(
            statistics.median(r.seconds for r in results),
            statistics.median(r.rss_mib for r in results),
        )
        for name, results in found.items()
    }


def primed(env: dict[str, str]) -> None:
    """Start the app once and let it settle, so the starts measured after it are later starts
    (a start ends at its first painted row, often before it has written what it learned)."""
    start_in_pty(app_argv(), env=env, linger=1.5)
    if not (Path(env["SESSION_TUI_CACHE_DIR"]) / "devices.json").is_file():
        raise RuntimeError("the priming start wrote no devices.json")


def first_starts(env: dict[str, str], runs: int, beside: Sequence[str]) -> tuple[Started, Started]:
    """Starts of an app that has never run (each with a cache directory of its own), in turns
    with starts of `beside` (the floor it is compared with): both medians."""
    results: list[Started] = []
    floors: list[Started] = []
    for _ in range(runs):
        floors.append(start_in_pty(beside, env=env))
        with tempfile.TemporaryDirectory() as cache:
            results.append(start_in_pty(app_argv(), env={**env, "SESSION_TUI_CACHE_DIR": cache}))
    return tuple(  # type: ignore[return-value]  # two, always
        Started(
            statistics.median(r.seconds for r in found),
            statistics.median(r.rss_mib for r in found),
        )
        for found in (results, floors)
    )


def app_argv(*flags: str) -> list[str]:
    return [sys.executable, "-m", "session_tui", *flags]


def bare_argv() -> list[str]:
    return [sys.executable, str(HERE / "bare_app.py")]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at
    or below it (of 20, the p95 is the 19th; of 12 or fewer, the largest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(share * len(ordered))) - 1)]


@dataclass(frozen=True)
class Result:
    what: str
    measured: str
    ratio: float | None  # the figure the target is about
    target: str
    ok: bool | None  # None: a figure for context, with no target of its own

    def line(self) -> str:
        verdict = "INFO" if self.ok is None else "PASS" if self.ok else "FAIL"
        ratio = "" if self.ratio is None else f"  ratio {self.ratio:.2f}"
        return f"{verdict}  {self.what}: {self.measured}{ratio}  (target {self.target})"
