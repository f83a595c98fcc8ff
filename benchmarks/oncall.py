"""On-call mode against a real Synapse with many users: CPU, memory, files and switching.

Run: python benchmarks/oncall.py [--accounts N] [--seconds S]   (default 1000 accounts, 30 s)

Starts Synapse from the installed matrix-synapse package (tests/synapse_server.py), registers
an admin and N users (each with the device registration gives it), then runs the real app in
a pseudo-terminal watching all of them at the default interval. Once every account has had
its first poll it measures, over S seconds: the app's CPU share of one core, its RSS, its open
files and sockets. Account switching is measured in-process (the pilot), while polls run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import select
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from probes import Result, percentile  # noqa: E402
from synapse_server import SynapseServer, start_synapse  # noqa: E402

PASSWORD = "bench-password"
TICKS = os.sysconf("SC_CLK_TCK")


def _users(server: SynapseServer, count: int) -> list[str]:
    with ThreadPoolExecutor(8) as pool:
        made = pool.map(lambda i: server.register(f"watch{i:04d}", PASSWORD), range(count))
        return [user.user_id for user in made]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _files(pid: int) -> tuple[int, int]:
    links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    return len(links), sum(link.startswith("socket:") for link in links)


def _drain(fd: int, seconds: float) -> None:
    """Keep reading the terminal (an app whose output is not read stops drawing)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if ready:
            try:
                os.read(fd, 1 << 16)
            except OSError:
                return


def process_figures(server: SynapseServer, admin: str, watched: list[str], seconds: float) -> dict:
    import pty

    argv = [sys.executable, "-m", "session_tui", "--provider", "matrix", "--admin"]
    argv += ["--homeserver", server.base_url, "--user", admin, "--read-only"]
    for user in watched:
        argv += ["--watch", user]
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "SESSION_TUI_PASSWORD": PASSWORD,
            "SESSION_TUI_CONFIG_DIR": os.path.join(scratch, "config"),
            "SESSION_TUI_STATE_DIR": os.path.join(scratch, "state"),
            "SESSION_TUI_CACHE_DIR": os.path.join(scratch, "cache"),
        }
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe(argv[0], argv, env)
        try:
            settle = 10 + len(watched) / 100  # the first wave, eight accounts at a time
            _drain(fd, settle)
            before, start = _cpu_seconds(pid), time.monotonic()
            _drain(fd, seconds)
            cpu = (_cpu_seconds(pid) - before) / (time.monotonic() - start)
            files, sockets = _files(pid)
            rss = _rss_mib(pid)
        finally:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
            os.close(fd)
    return {"cpu": cpu, "rss": rss, "files": files, "sockets": sockets}


async def switch_latency(
    server: SynapseServer, admin_token: str, watched: list[str]
) -> list[float]:
    from session_tui.providers.synapse_admin import SynapseAdminProvider
    from session_tui.ui.app import AppOptions, SessionTuiApp
    from session_tui.ui.widgets.sessions_table import SessionsTable

    providers = SynapseAdminProvider.watching(server.base_url, admin_token, watched)
    app = SessionTuiApp(providers, AppOptions(interval=5.0, read_only=True))
    rng = random.Random(7)
    times: list[float] = []
    painted: list[float] = []
    paint = SessionsTable.render_line

    def render_line(self: SessionsTable, y: int):  # type: ignore[no-untyped-def]
        painted.append(time.perf_counter())  # the table's rows drawn for the screen
        return paint(self, y)

    SessionsTable.render_line = render_line  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 120
        while not all(a.polls for a in app.accounts) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        for _ in range(60):
            index = rng.randrange(len(watched))
            painted.clear()
            start = time.perf_counter()
            app.main.show_account(index)  # as a key on the account list does
            while not painted:
                await asyncio.sleep(0.001)
            times.append(painted[0] - start)
            await asyncio.sleep(rng.uniform(0.02, 0.2))
    SessionsTable.render_line = paint  # type: ignore[method-assign]
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server = start_synapse(Path(scratch) / "synapse")
        try:
            admin = server.register("oncall-admin", PASSWORD, admin=True)
            started = time.monotonic()
            watched = _users(server, args.accounts)
            print(f"# Synapse with {len(watched)} users ({time.monotonic() - started:.0f} s)")
            figures = process_figures(server, admin.user_id, watched, args.seconds)
            switches = asyncio.run(switch_latency(server, admin.registration_token, watched))
        finally:
            server.stop()
    p95 = percentile(switches, 0.95)
    results = [
        Result(
            f"CPU of one core, {args.accounts} watched accounts, default interval",
            f"{figures['cpu'] * 100:.0f} %",
            None,
            "< 25 %",
            figures["cpu"] < 0.25,
        ),
        Result(
            "open files / sockets",
            f"{figures['files']} / {figures['sockets']}, RSS {figures['rss']:.0f} MiB",
            None,
            "sockets <= 12 (a pool of 8, and the app's own)",
            figures["sockets"] <= 12,
        ),
        Result(
            "account switch until painted, while polls run",
            f"median {statistics.median(switches) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
            None,
            "p95 < 100 ms",
            p95 < 0.1,
        ),
    ]
    for result in results:
        print(result.line())
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
