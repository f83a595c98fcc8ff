"""session-tui's speed and memory targets (issues 11 and 23), each measured in one run.

Run: python benchmarks/run.py [--quick]   (kept out of the test run; takes a few minutes)

Every figure comes from the real app and the real demo service over HTTP: start-up and memory
from whole processes on a pseudo-terminal (`probes.py`), poll cost and key latency from the app
driven by Textual's pilot, enrichment and tracking from their own code on a 10,000-session
account (`inproc.py`). Ratios compare two things measured side by side in this run, so they
hold across machines better than seconds do. `benchmarks/README.md` keeps the latest output.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inproc
from keys import key_latencies
from probes import Result, app_argv, bare_argv, first_starts, interleaved_starts, primed

LARGE = 10_000


def _env(scratch: str) -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "SESSION_TUI_CONFIG_DIR": os.path.join(scratch, "config"),
        "SESSION_TUI_STATE_DIR": os.path.join(scratch, "state"),
        "SESSION_TUI_CACHE_DIR": os.path.join(scratch, "cache"),
    }


def as_installed() -> None:
    """Give our modules the bytecode an installed copy has, as the bare app's Textual has.

    pip compiles a package's modules when it installs it; an editable install does not, and
    where PYTHONDONTWRITEBYTECODE is set (these machines set it) nothing is ever cached, so
    every start would compile all of session-tui's source again (~60 ms) while Textual, from
    site-packages, is loaded compiled: not what a user's start costs, nor a fair comparison.
    """
    import compileall

    import session_tui

    compileall.compile_dir(str(Path(session_tui.__file__).parent), quiet=1)


def _floor(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve().parent / "floor_apps.py"), *args]


def start_up(runs: int) -> list[Result]:
    """Start-up against the floor of the stack (issue 23 restated issue 11's targets): the bare
    app whose rows come from one async httpx request (`floor_apps.py start-async`)."""
    as_installed()
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(scratch)
        primed(env)
        # In turns (one of each per round): the ratios hold when the machine's load changes.
        starts = interleaved_starts(
            {
                "bare": (bare_argv(), env),
                "floor": (_floor("start-async"), env),
                "app": (app_argv(), env),
            },
            runs,
        )
        bare, floor, app = starts["bare"], starts["floor"], starts["app"]
        never, floor_beside = first_starts(env, runs, beside=_floor("start-async"))
    later, first = app.seconds / floor.seconds, never.seconds / floor_beside.seconds
    return [
        Result(
            "a later start to the first painted row (demo) vs the floor: a bare app's rows from"
            " one async httpx request",
            f"{app.seconds:.3f} s vs {floor.seconds:.3f} s (bare app, no request:"
            f" {bare.seconds:.3f} s)",
            later,
            "<= 1.10",
            later <= 1.10,
        ),
        Result(
            "the very first start (no devices.json) vs the same floor",
            f"{never.seconds:.3f} s vs {floor_beside.seconds:.3f} s (the floor, in turns with it)",
            first,
            "<= 1.30",
            first <= 1.30,
        ),
    ]


def large_start(runs: int) -> list[Result]:
    """At 10,000 sessions, the demo a process of its own (as a real server is): the first row
    and memory against the floor "fetch and parse the listing with httpx (and describe its user
    agents)", and the embedded demo against that plus what building its account costs."""
    from session_tui.demo import DemoService

    build = time.perf_counter()
    DemoService(seed=1, live=False, sessions=LARGE)
    build = time.perf_counter() - build
    linger = 3.0  # memory is read 3 s after the first row, when the account has settled
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(scratch)
        primed(env)
        server = subprocess.Popen(
            [*app_argv("--demo-server", "--demo-sessions", str(LARGE))],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[-1]
            token = server.stdout.readline().split()[-1]
            served = {**env, "FLOOR_TOKEN": token, "SESSION_TUI_TOKEN": token}
            # In turns (one of each per round), the embedded demo too (the server idles then).
            starts = interleaved_starts(
                {
                    "fetched": (_floor("memory", url), served),
                    "described": (_floor("memory", url, "ua"), served),
                    "rest": (app_argv("--provider", "rest", "--url", url), served),
                    "embedded": (app_argv("--demo-sessions", str(LARGE)), env),
                },
                runs,
                linger,
            )
        finally:
            server.terminate()
            server.wait()
    fetched, described = starts["fetched"], starts["described"]
    rest, embedded = starts["rest"], starts["embedded"]
    row = rest.seconds / fetched.seconds
    own = embedded.seconds / (rest.seconds + build)
    memory = rest.rss_mib / described.rss_mib
    extra = embedded.rss_mib - rest.rss_mib
    return [
        Result(
            f"first painted row at {LARGE:,} (demo in its own process) vs the floor: the listing"
            " fetched and parsed with httpx alone",
            f"{rest.seconds:.2f} s vs {fetched.seconds:.2f} s",
            row,
            "<= 1.50",
            row <= 1.5,
        ),
        Result(
            f"(context) the floor's first row at {LARGE:,} when it also describes every user"
            " agent with ua-parser (native), as the app must before it can show one",
            f"{described.seconds:.2f} s vs {fetched.seconds:.2f} s",
            described.seconds / fetched.seconds,
            "none",
            None,
        ),
        Result(
            f"first painted row at {LARGE:,} on the embedded demo vs the line above plus building"
            " the demo's account",
            f"{embedded.seconds:.2f} s vs {rest.seconds:.2f} + {build:.2f} s",
            own,
            "<= 1.00",
            own <= 1.0,
        ),
        Result(
            f"peak RSS at {LARGE:,} (demo in its own process) vs the floor: the listing kept and"
            " its user agents described (native resolver)",
            f"{rest.rss_mib:.0f} MiB vs {described.rss_mib:.0f} MiB",
            memory,
            "<= 1.20",
            memory <= 1.2,
        ),
        Result(
            "what the embedded demo adds to that",
            f"{embedded.rss_mib:.0f} MiB vs {rest.rss_mib:.0f} MiB",
            None,
            "<= 10 MiB",
            extra <= 10,
        ),
    ]


def keys(rounds: int) -> list[Result]:
    found = asyncio.run(key_latencies(LARGE, rounds))
    results = []
    for key, values in found.items():
        worst = inproc.p95(values)
        results.append(
            Result(
                f"{key} at {LARGE:,} sessions, from the press until painted"
                f" ({len(values)} presses)",
                f"median {statistics.median(values) * 1000:.0f} ms, p95 {worst * 1000:.0f} ms,"
                f" max {max(values) * 1000:.0f} ms",
                None,
                "p95 <= 100 ms",
                worst <= 0.1,
            )
        )
    return results


def polls(presses: int) -> list[Result]:
    poll, rebuild = asyncio.run(inproc.poll_cost(LARGE))
    latencies = asyncio.run(inproc.key_latency(LARGE, presses))
    p95 = inproc.p95(latencies)
    full, changed = inproc.table_rows(LARGE)
    return [
        Result(
            f"main-thread CPU of a poll changing 1% of {LARGE:,} vs a full table rebuild",
            f"{poll * 1000:.0f} ms vs {rebuild * 1000:.0f} ms",
            poll / rebuild,
            "<= 0.10",
            poll / rebuild <= 0.10,
        ),
        Result(
            "the table's row bookkeeping for that poll vs ordering every row afresh",
            f"{changed * 1000:.1f} ms vs {full * 1000:.0f} ms",
            changed / full,
            "<= 0.10",
            changed / full <= 0.10,
        ),
        Result(
            f"j/k pressed during such polls, until handled ({len(latencies)} presses)",
            f"median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms",
            None,
            "p95 < 100 ms",
            p95 < 0.1,
        ),
    ]


def large_account() -> list[Result]:
    cold, moved = inproc.enrichment(LARGE)
    first, changed = inproc.tracking(LARGE)
    requests = asyncio.run(inproc.revoke_requests(1000))
    return [
        Result(
            f"enrichment of {LARGE:,} distinct user agents and IPs, cold (parser built too)",
            f"{cold:.2f} s",
            None,
            "<= 1 s",
            cold <= 1.0,
        ),
        Result(
            f"enrichment when all {LARGE:,} last_active moved vs cold",
            f"{moved * 1000:.0f} ms vs {cold * 1000:.0f} ms",
            moved / cold,
            "~0 (<= 0.05)",
            moved / cold <= 0.05,
        ),
        Result(
            f"tracking (Tracker.observe) of a 1% change at {LARGE:,} vs the first listing",
            f"{changed * 1000:.0f} ms vs {first * 1000:.0f} ms",
            changed / first,
            "O(changes) (<= 0.10)",
            changed / first <= 0.10,
        ),
        Result(
            "requests to revoke all others of 1,000 sessions (the current one known)",
            f"{requests}",
            None,
            "1",
            requests == 1,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough look)")
    args = parser.parse_args()
    print(f"# session-tui benchmarks on {platform.platform()}, Python {platform.python_version()}")
    print(f"# {os.cpu_count()} CPUs; {'quick' if args.quick else 'full'} run")
    results: list[Result] = []
    for section in (
        lambda: start_up(3 if args.quick else 11),
        lambda: large_start(2 if args.quick else 5),
        lambda: polls(20 if args.quick else 60),
        lambda: keys(5 if args.quick else 20),
        large_account,
    ):
        for result in section():
            print(result.line(), flush=True)
            results.append(result)
    print("# on-call mode at 1,000 watched accounts: python benchmarks/oncall.py (real Synapse)")
    targets = [r for r in results if r.ok is not None]
    failed = [r for r in targets if not r.ok]
    print(f"# {len(targets) - len(failed)} of {len(targets)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
