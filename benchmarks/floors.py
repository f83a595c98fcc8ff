"""What the prescribed stack alone costs, set against issue 11's start-up and memory targets.

Run: python benchmarks/floors.py [--runs N]   (about two minutes)

The targets compare session-tui with a bare Textual app (`bare_app.py`). These floors are
that bare app doing only what no session dashboard can skip (`floor_apps.py`): getting its
rows over HTTP with httpx, and at 10,000 sessions keeping the parsed listing and describing
its user agents with ua-parser's native resolver. Where a floor is past a target, no app on
this stack meets the target on this machine, however little else it does; session-tui's
own figures are printed beside them. Measured in one run, like `run.py`, as ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from probes import HERE, Started, app_argv, bare_argv, first_starts, median_start, primed
from run import LARGE, _env, as_installed


def _floor(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "floor_apps.py"), *args]


def _line(what: str, started: Started, bare: Started, figure: str) -> str:
    if figure == "seconds":
        ratio = started.seconds / bare.seconds
        return f"  {what:<58} {started.seconds:.3f} s   {ratio:.2f}x"
    ratio = started.rss_mib / bare.rss_mib
    return f"  {what:<58} {started.rss_mib:5.0f} MiB {ratio:.2f}x"


def start_up(env: dict[str, str], runs: int) -> None:
    bare = median_start(bare_argv(), env, runs)
    primed(env)
    print(f"start to the first painted row (target <= 1.30x; bare app {bare.seconds:.3f} s)")
    for what, argv in (
        ("floor: rows from one httpx request (async client)", _floor("start-async")),
        ("floor: rows from one httpx request (blocking, on a thread)", _floor("start-sync")),
        ("session-tui on the embedded demo (a later start)", app_argv()),
    ):
        print(_line(what, median_start(argv, env, runs), bare, "seconds"), flush=True)
    never, _beside = first_starts(env, runs, beside=bare_argv())
    print(_line("session-tui, its very first start (empty cache)", never, bare, "seconds"))


def memory(env: dict[str, str], runs: int) -> None:
    bare = median_start(bare_argv(), env, runs)
    print(f"peak RSS at {LARGE:,} sessions (target <= 2.00x; bare app {bare.rss_mib:.0f} MiB)")
    server = subprocess.Popen(_floor("serve", "0", str(LARGE)), stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url, token = server.stdout.readline().split()
        served = {**env, "FLOOR_TOKEN": token, "SESSION_TUI_TOKEN": token}
        linger = 3.0  # as run.py: memory is read 3 s after the first row
        for what, argv in (
            ("floor: the listing fetched with httpx and kept", _floor("memory", url)),
            ("floor: that, and its user agents described (native)", _floor("memory", url, "ua")),
            (
                "session-tui, the demo a process of its own",
                app_argv("--provider", "rest", "--url", url),
            ),
            ("session-tui, the embedded demo", app_argv("--demo-sessions", str(LARGE))),
        ):
            started = median_start(argv, served, max(runs // 2, 1), linger)
            print(_line(what, started, bare, "rss"), flush=True)
    finally:
        server.kill()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    runs = parser.parse_args().runs
    as_installed()
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(scratch)
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {runs} runs")
        start_up(env, runs)
        memory(env, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
