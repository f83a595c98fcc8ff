"""What one poll costs the UI when the account has many sessions, through the real code paths.

The real demo service (HTTP on 127.0.0.1, a frozen clock) gets N extra sessions; the real app
polls it headless. For each poll the script splits the time into HTTP + JSON (`list_sessions`),
enrichment (`MainScreen._views`), the table's own work (`SessionsTable.show`, plus the column
and row measuring DataTable defers to idle) and the tracking write (`TrackingService.observe`
on its worker thread), and counts the DataTable calls each poll makes. Polls measured:

  first      the table is empty; every row is added
  unchanged  ctrl+r with nothing changed: should do almost no table work
  10% active ctrl+r after a tenth of the sessions were active just now (cells change, rows move)
  10% ended  ctrl+r after a tenth of the sessions signed out (rows removed; new ones are
             added back, unmeasured, so every repeat starts from the same size)
  all ended  ctrl+r after every other session ended at once, as after revoke-others (R)
  rebuild    for comparison: the table cleared and refilled from the same views, as a resize
             or a sort change does (`show(reset=True)`), not a poll

Run: python benchmarks/bench_poll.py [N ...] (default 500 2000). Prints timings and ratios from
one run; no thresholds, machines differ. "wall" is ctrl+r until the app is idle again, waited
for with the tests' own helpers (tests/ui_support.py), so it is only good to about 20 ms. History
and audit files go to a temporary directory.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from session_tui.demo import DemoService, ManualClock
from session_tui.providers.rest import RestProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.widgets.sessions_table import SessionsTable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from ui_support import idle, poll, until  # the tests' own waiting helpers

SIZE = (120, 40)
START = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
REPEATS = 3  # each re-poll kind; the median is printed
SHARE = 0.10  # of the sessions changed or ended in the "10%" polls

BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{m} Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.{m} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Mobile Safari/537.36",
    "Element/1.11.{v} (iPhone; iOS 17.{m}; Scale/3.00)",
    "curl/8.{m}.0",
    "python-httpx/0.{v}.0",
]
DEVICE_NAMES = [None, None, "Work laptop", "Phone", "CI runner", "Kitchen tablet"]
IPV6_PREFIXES = ["2a00:1450:4001", "2001:4860:4860", "2606:4700:4700", "2a03:2880:f12f"]

# Methods timed or counted on every instance, by patching the class for the run.
TABLE_TIMED = ("show", "_update_dimensions")
TABLE_COUNTED = ("add_row", "update_cell", "remove_row", "sort", "clear")


class Probe:
    """Time spent and calls made, per name, since the last `reset()`."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if asyncio.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.add(name, time.perf_counter() - start)

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return wrapper


@contextmanager
def table_probed(probe: Probe) -> Iterator[None]:
    """Time and count SessionsTable's calls from the very first poll (which starts on mount)."""
    names = (*TABLE_TIMED, *TABLE_COUNTED)
    own = {name: SessionsTable.__dict__[name] for name in names if name in SessionsTable.__dict__}
    for name in names:
        setattr(SessionsTable, name, probe.wrap(f"table.{name}", getattr(SessionsTable, name)))
    try:
        yield
    finally:
        for name in names:
            if name in own:
                setattr(SessionsTable, name, own[name])
            else:
                delattr(SessionsTable, name)  # DataTable's method shows through again


def add_sessions(service: DemoService, count: int, rng: random.Random) -> None:
    now = START
    for index in range(count):
        template = rng.choice(BROWSERS)
        agent = template.format(v=rng.randint(20, 140), m=rng.randint(0, 9))
        roll = rng.random()
        if roll < 0.8:
            ip: str | None = ".".join(
                str(part) for part in (rng.randint(1, 223), *rng.choices(range(256), k=3))
            )
        elif roll < 0.95:
            ip = f"{rng.choice(IPV6_PREFIXES)}::{rng.randint(1, 0xFFFF):x}"
        else:
            ip = None
        online = rng.random() < 0.05
        last = now - timedelta(minutes=rng.randint(1, 4) if online else rng.randint(10, 43200))
        expires = None if index % 2 else now + timedelta(days=rng.randint(1, 60))
        service.state.add_session(
            user_agent=agent,
            device_name=rng.choice(DEVICE_NAMES),
            ip=ip,
            created_at=last - timedelta(days=rng.randint(0, 90)),
            last_active_at=last,
            expires_at=expires,
        )


def others(service: DemoService) -> list[str]:
    return sorted(service.state.session_ids() - {service.state.current_id})


@contextmanager
def private_dirs() -> Iterator[None]:
    """History (SQLite) and the audit file in a throwaway place, never the user's own."""
    saved = {
        key: os.environ.get(key) for key in ("SESSION_TUI_CONFIG_DIR", "SESSION_TUI_STATE_DIR")
    }
    with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
        os.environ["SESSION_TUI_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["SESSION_TUI_STATE_DIR"] = str(Path(tmp) / "state")
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.1f}"


HEADER = (
    f"  {'poll':<11}{'wall ms':>9}{'http ms':>9}{'enrich':>9}{'table':>9}{'deferred':>9}"
    f"{'track ms':>9}   table calls"
)


def row(label: str, samples: list[tuple[float, Probe]]) -> dict[str, float]:
    """Print the median of each measure over `samples`; return the table's part."""

    def med(name: str) -> float:
        return statistics.median(p.seconds.get(name, 0.0) for _, p in samples)

    wall = statistics.median(w for w, _ in samples)
    last = samples[-1][1]
    calls = ", ".join(
        f"{name.removeprefix('table.')} {last.calls[name]}"
        for name in (f"table.{n}" for n in TABLE_COUNTED)
        if last.calls[name]
    )
    table, deferred = med("table.show"), med("table._update_dimensions")
    track = med("tracking.observe") + med("tracking.unseen")
    print(
        f"  {label:<11}{ms(wall) if wall else '       —'} {ms(med('http'))} {ms(med('enrich'))}"
        f" {ms(table)} {ms(deferred)} {ms(track)}   {calls or 'none'}"
    )
    return {"table": table, "deferred": deferred}


async def measure(count: int) -> None:
    rng = random.Random(count)
    clock = ManualClock(START)
    service = DemoService(seed=1, live=False, clock=clock)
    add_sessions(service, count, rng)
    total = len(service.state.session_ids())
    probe = Probe()
    service.start()
    try:
        provider = RestProvider(service.url, service.token)
        provider.list_sessions = probe.wrap("http", provider.list_sessions)  # type: ignore[method-assign]
        options = AppOptions(interval=3600, clock=clock, bell=False)
        app = SessionTuiApp([provider], options)
        app.main._views = probe.wrap("enrich", app.main._views)  # type: ignore[method-assign]
        tracker = app.tracking.service
        tracker.observe = probe.wrap("tracking.observe", tracker.observe)  # type: ignore[method-assign]
        tracker.unseen_alerts = probe.wrap("tracking.unseen", tracker.unseen_alerts)  # type: ignore[method-assign]
        with table_probed(probe):
            started = time.perf_counter()
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: app.accounts[0].polls, "the first poll")
                await until(pilot, lambda: idle(app), "the first poll's tracking")
                await pilot.pause()
                first_wall = time.perf_counter() - started
                table = app.main.table
                assert table.row_count == total, (table.row_count, total)
                print(
                    f"\n{total} sessions ({count} added to the demo account), {SIZE[0]}x{SIZE[1]}"
                )
                print(HEADER)
                row("first*", [(first_wall, _copy(probe))])
                results = {
                    "unchanged": await repoll(pilot, app, probe, lambda: None),
                    "10% active": await repoll(pilot, app, probe, lambda: touch(service, rng)),
                    "rebuild": await rebuild(pilot, app, probe),
                    "10% ended": await repoll(
                        pilot,
                        app,
                        probe,
                        lambda: end(service, rng),
                        restore=lambda: add_sessions(
                            service, total - len(others(service)) - 1, rng
                        ),
                    ),
                }
                memory_line = await memory(pilot, app)
                service.state.revoke_others()  # what R does: every other session ends at once
                results["all ended"] = await repoll(pilot, app, probe, lambda: None, repeats=1)
                table_parts = {label: row(label, s) for label, s in results.items()}
                print("  * wall for the first poll includes starting the app; 'deferred' is")
                print(f"    DataTable measuring new rows on idle; medians of {REPEATS} runs")
                whole = {k: v["table"] + v["deferred"] for k, v in table_parts.items()}
                ratios = ", ".join(
                    f"{label} {whole[label] / whole['rebuild']:.2f}x"
                    for label in ("unchanged", "10% active", "10% ended", "all ended")
                )
                print(f"  table work (show + deferred) as a share of a rebuild: {ratios}")
                print(memory_line)
    finally:
        service.stop()


def _copy(probe: Probe) -> Probe:
    snapshot = Probe()
    snapshot.seconds.update(probe.seconds)
    snapshot.calls.update(probe.calls)
    return snapshot


def touch(service: DemoService, rng: random.Random) -> None:
    ids = others(service)
    for sid in rng.sample(ids, k=int(len(ids) * SHARE)):
        service.state.touch(sid, START)  # active "just now" on the frozen clock


def end(service: DemoService, rng: random.Random) -> None:
    ids = others(service)
    for sid in rng.sample(ids, k=int(len(ids) * SHARE)):
        service.state.remove_session(sid)


async def repoll(
    pilot: Pilot[None],
    app: SessionTuiApp,
    probe: Probe,
    change: Callable[[], None],
    restore: Callable[[], None] | None = None,
    repeats: int = REPEATS,
) -> list[tuple[float, Probe]]:
    """`change`, then one measured ctrl+r poll; `restore` (unmeasured) keeps the size the same."""
    samples = []
    for _ in range(repeats):
        change()
        probe.reset()
        start = time.perf_counter()
        await poll(pilot, app)
        samples.append((time.perf_counter() - start, _copy(probe)))
        if restore is not None:
            restore()
            await poll(pilot, app)
    return samples


async def rebuild(
    pilot: Pilot[None], app: SessionTuiApp, probe: Probe
) -> list[tuple[float, Probe]]:
    """The same views, the table cleared and refilled (what a resize or a sort change does)."""
    table = app.main.table
    views = app.main._views(app.accounts[0])
    samples = []
    for _ in range(REPEATS):
        probe.reset()
        table.show(
            views,
            current_id=app.accounts[0].current_id,
            now=app.now(),
            window=app.options.online_window,
            reset=True,
        )
        await pilot.pause()  # let DataTable measure the new rows
        samples.append((0.0, _copy(probe)))
    return samples


async def memory(pilot: Pilot[None], app: SessionTuiApp) -> str:
    """Memory the filled table holds (retained) and needs at most while filling (peak)."""
    table = app.main.table
    views = app.main._views(app.accounts[0])
    table.clear()
    await pilot.pause()
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    table.show(
        views,
        current_id=app.accounts[0].current_id,
        now=app.now(),
        window=app.options.online_window,
        reset=True,
    )
    await pilot.pause()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = table.row_count
    return (
        f"  memory for {rows} rows (tracemalloc): retained {(current - base) / 2**20:.1f} MiB "
        f"({(current - base) / rows / 1024:.1f} KiB/row), peak {(peak - base) / 2**20:.1f} MiB"
    )


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [500, 2000]
    for count in sizes:
        with private_dirs():
            asyncio.run(measure(count))


if __name__ == "__main__":
    main()
