"""On call as a team (issue 25): three instances on one PostgreSQL share the polls.

Run: python benchmarks/team.py [--accounts N] [--interval S] [--intervals K]
     (default 1,000 accounts, a 20 s background interval, 3 intervals measured)

The demo service answers for N watched users (the on-call admin API over HTTP, in this
process); each instance is a real `session-tui watch --admin --watch …` process with its own
config, state and operator, all on one PostgreSQL started here (Debian's package, as the tests
start it). Two runs, measured the same way:
- one instance alone;
- three instances at once.
Each run first waits out the start-up: every instance lists every account once itself (that is
how it knows its own session, so a burst of N requests per instance), then the leases settle.
Then, over K intervals: the listings the server answered, and each instance's CPU time.

Targets: three instances send as many listings per interval as one does (ratio <= 1.1), and
each of the three uses less CPU than the one alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from postgres_server import running_postgres  # noqa: E402

from session_tui.demo import DemoService  # noqa: E402
from session_tui.demo.users import WatchedUsers  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


class Counted:
    """Stands in for the demo's request log: counts listings, keeps nothing."""

    def __init__(self) -> None:
        self.listings = 0

    def append(self, request: tuple[str, str]) -> None:
        method, path = request
        if method == "GET" and path.endswith("/sessions"):
            self.listings += 1

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def start_instance(
    scratch: Path, name: str, service: DemoService, users: WatchedUsers, store: str, interval: float
) -> subprocess.Popen[bytes]:
    config = scratch / name / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'operator = "{name}@bench"\n')
    env = {
        **os.environ,
        "SESSION_TUI_CONFIG_DIR": str(config),
        "SESSION_TUI_STATE_DIR": str(scratch / name / "state"),
        "SESSION_TUI_CACHE_DIR": str(scratch / name / "cache"),
        "SESSION_TUI_TOKEN": users.token,
    }
    argv = [sys.executable, "-m", "session_tui", "watch", "--provider", "rest"]
    argv += ["--url", service.url, "--admin", "--store", store]
    argv += ["--interval", str(interval / 4), "--background-interval", str(interval)]
    for user in users.accounts:
        argv += ["--watch", user]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(2)  # Ctrl-C: watch leaves cleanly, handing its leases back
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(
    count: int, accounts: int, interval: float, intervals: int, store: str
) -> tuple[float, list[float]]:
    """(listings per interval over the whole team, each instance's CPU seconds per interval)."""
    users = WatchedUsers.demo(tuple(f"u{i:04d}" for i in range(accounts)), kept=False)
    with DemoService(seed=5, users=users) as service, tempfile.TemporaryDirectory() as scratch:
        counted = Counted()
        service.requests = counted  # type: ignore[assignment]
        procs = [
            start_instance(Path(scratch), f"op{i}", service, users, store, interval)
            for i in range(count)
        ]
        try:
            deadline = time.monotonic() + 600
            while counted.listings < accounts * count:  # the start-up burst
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError(f"instances did not start: {_errors(procs)}")
                time.sleep(0.5)
            time.sleep(interval * 1.5)  # leases settle: each account with one poller
            listed, cpu = counted.listings, [cpu_seconds(p.pid) for p in procs]
            time.sleep(interval * intervals)
            listings = (counted.listings - listed) / intervals
            used = [(cpu_seconds(p.pid) - c) / intervals for p, c in zip(procs, cpu, strict=True)]
            return listings, used
        finally:
            for proc in procs:
                stop(proc)


def _errors(procs: list[subprocess.Popen[bytes]]) -> str:
    out = []
    for proc in procs:
        if proc.poll() is not None and proc.stderr is not None:
            out.append(proc.stderr.read().decode(errors="replace")[-400:])
    return " | ".join(out) or "(still running)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=20.0, help="background interval (s)")
    parser.add_argument("--intervals", type=int, default=3, help="how many are measured")
    args = parser.parse_args()
    with running_postgres() as server:
        alone_db, team_db = server.create_database(), server.create_database()
        alone, (alone_cpu,) = measure(1, args.accounts, args.interval, args.intervals,
                                      server.url(alone_db))  # fmt: skip
        team, team_cpu = measure(3, args.accounts, args.interval, args.intervals,
                                 server.url(team_db))  # fmt: skip
    ratio = team / alone
    print(f"# {args.accounts} accounts, background interval {args.interval:g} s, "
          f"{args.intervals} intervals measured after start-up")  # fmt: skip
    print(f"listings per interval: one instance {alone:.0f}, three instances {team:.0f} "
          f"(ratio {ratio:.2f}; target <= 1.10) {'MET' if ratio <= 1.1 else 'MISSED'}")  # fmt: skip
    print(f"CPU seconds per interval: one instance alone {alone_cpu:.2f}")
    for index, used in enumerate(team_cpu):
        verdict = "MET" if used < alone_cpu else "MISSED"
        print(f"  instance {index + 1} of three: {used:.2f} "
              f"({used / alone_cpu:.0%} of alone; target < 100%) {verdict}")  # fmt: skip
    met = ratio <= 1.1 and all(used < alone_cpu for used in team_cpu)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
