"""The in-process probes of `run.py`: the real app (headless, Textual's pilot) on the real demo
service over HTTP, and the real enrichment and tracking code on a large account."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from probes import percentile
from textual import events
from textual.pilot import Pilot

from session_tui.demo import DemoService, ManualClock, data
from session_tui.enrich import Enricher
from session_tui.model import Session
from session_tui.providers.rest import RestProvider
from session_tui.tracking.tracker import Tracker
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.table_rows import TableRows

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SIZE = (120, 32)


async def _until(pilot: Pilot[None], condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the app did not get there in time")
        await pilot.pause(0.005)


def _idle(app: SessionTuiApp) -> bool:
    """No poll or recording left in the engine, no pane load in the app."""
    workers = [w for w in app.workers if w.group == "tracking"]
    return app.engine.idle and all(w.is_finished for w in workers)


def _touch(service: DemoService, clock: ManualClock, count: int, rng: random.Random) -> None:
    clock.advance(seconds=30)
    state = service.state
    others = sorted(state.session_ids() - {service.current_id})
    for sid in rng.sample(others, count):
        state.touch(sid)


async def _quietly_until(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait without driving the app: each of the pilot's pauses costs the UI thread ~2 ms of
    its own (and a key press ~4 ms), which is the measuring, not the poll measured."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the app did not get there in time")
        await asyncio.sleep(0.005)


async def _painted(app: SessionTuiApp) -> None:
    """Until the screen has been refreshed with what is pending: `call_after_refresh`, where
    the pilot's pause would first ping every widget on the screen (~2 ms of the UI thread)."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


@contextlib.asynccontextmanager
async def large_app(
    sessions: int, *, seed: int
) -> AsyncIterator[tuple[DemoService, ManualClock, SessionTuiApp, Pilot[None]]]:
    """The app on a frozen demo account of `sessions` (its clock moves only when told),
    after its first listing has been painted and recorded."""
    clock = ManualClock(START)
    with DemoService(seed=seed, clock=clock, live=False, sessions=sessions) as service:
        provider = RestProvider(service.url, service.token)
        app = SessionTuiApp([provider], AppOptions(interval=3600, clock=clock))
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.accounts[0].polls and _idle(app))
            yield service, clock, app, pilot


async def poll_cost(sessions: int, share: float = 0.01) -> tuple[float, float]:
    """Main-thread CPU seconds of one poll that changes `share` of the sessions (started as
    the app's timer starts one, until idle and painted), and of a full rebuild of the table
    from the same views (median of 5).

    Each starts after a full garbage collection, so each pays for the collections its own
    garbage causes and not for the other's (a rebuild leaves 10,000 rows of it)."""
    clock = ManualClock(START)
    rng = random.Random(11)
    with DemoService(seed=1, clock=clock, live=False, sessions=sessions) as service:
        provider = RestProvider(service.url, service.token)
        app = SessionTuiApp([provider], AppOptions(interval=3600, clock=clock))
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.accounts[0].polls and _idle(app))
            await pilot.pause()
            polls, rebuilds = [], []
            for _ in range(5):
                _touch(service, clock, int(sessions * share), rng)
                before = app.accounts[0].polls
                gc.collect()
                cpu = time.thread_time()
                app.refresh_now()
                await _quietly_until(lambda b=before: app.accounts[0].polls > b and _idle(app))
                await _painted(app)
                polls.append(time.thread_time() - cpu)
            # The rebuilds after the polls: a rebuild puts the cursor back on the first row,
            # and the next poll would then also scroll after that session.
            table = app.main.table
            views = list(table.rows.views.values())
            now, window = clock(), app.options.online_window
            for _ in range(5):
                gc.collect()
                cpu = time.thread_time()
                table.show(views, current_id=service.current_id, now=now, window=window, reset=True)
                await _painted(app)
                rebuilds.append(time.thread_time() - cpu)
    return statistics.median(polls), statistics.median(rebuilds)


async def key_latency(sessions: int, presses: int = 60) -> list[float]:
    """Seconds from a j/k press to the cursor having moved, each pressed while a poll that
    changes 1% of the sessions is under way."""
    rng = random.Random(5)
    latencies: list[float] = []
    async with large_app(sessions, seed=2) as (service, clock, app, pilot):
        table = app.main.table
        for n in range(presses):
            _touch(service, clock, sessions // 100, rng)
            app.refresh_now()
            await asyncio.sleep(rng.uniform(0, 0.25))  # somewhere inside the poll
            key = "j" if n % 2 == 0 else "k"
            before = table.cursor_row
            start = time.perf_counter()
            app.post_message(events.Key(key, key))  # as the terminal driver does
            while table.cursor_row == before:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - start)
            await _until(pilot, lambda: _idle(app))
    return latencies


def _distinct_fleet(count: int) -> list[Session]:
    rng = random.Random(3)
    places = list(data.PLACES.values())
    return [
        Session(
            id=f"s{i}",
            user_agent=f"{data.fleet_device(rng, i).user_agent} build/{i}",
            ip=data.address_in(rng.choice(places), rng),
            created_at=START - timedelta(days=3),
            last_active_at=START - timedelta(minutes=i % 600),
        )
        for i in range(count)
    ]


def enrichment(count: int) -> tuple[float, float]:
    """Seconds to build the views of `count` sessions with distinct user agents and addresses
    (cold: the parser is built too), and again after every `last_active` moved."""
    sessions = _distinct_fleet(count)
    start = time.perf_counter()
    enricher = Enricher()
    enricher.warm(sessions)
    cold = time.perf_counter() - start
    moved = [dataclasses.replace(s, last_active_at=START) for s in sessions]
    start = time.perf_counter()
    enricher.warm(moved)
    return cold, time.perf_counter() - start


def table_rows(count: int) -> tuple[float, float]:
    """The table's own bookkeeping: a fresh order of `count` rows, then one with 1% changed."""
    sessions = _distinct_fleet(count)
    enricher = Enricher()
    views = [enricher.view(s) for s in sessions]
    rows = TableRows()
    window = timedelta(minutes=5)
    from session_tui.ui.table_rows import Query

    start = time.perf_counter()
    rows.update(views, current_id=None, now=START, window=window, query=Query())
    full = time.perf_counter() - start
    for i in range(0, count, 100):
        views[i] = enricher.view(dataclasses.replace(sessions[i], last_active_at=START))
    start = time.perf_counter()
    rows.update(views, current_id=None, now=START, window=window, query=Query())
    return full, time.perf_counter() - start


def tracking(count: int) -> tuple[float, float]:
    """Seconds of `Tracker.observe` for the first listing of `count` sessions, and for one
    where 1% changed (median of 5)."""
    sessions = _distinct_fleet(count)
    with tempfile.TemporaryDirectory() as scratch:
        tracker = Tracker("bench", store_path=Path(scratch) / "bench.sqlite3")
        start = time.perf_counter()
        tracker.observe(sessions, START)
        first = time.perf_counter() - start
        times = []
        for round_ in range(1, 6):
            at = START + timedelta(minutes=10 * round_)
            for i in range(round_, count, 100):
                sessions[i] = dataclasses.replace(sessions[i], last_active_at=at)
            start = time.perf_counter()
            tracker.observe(sessions, at)
            times.append(time.perf_counter() - start)
        tracker.close()
    return first, statistics.median(times)


async def revoke_requests(count: int) -> int:
    """Requests the app sends to sign out every other session of an account of `count`."""
    clock = ManualClock(START)
    with DemoService(seed=4, clock=clock, live=False, sessions=count) as service:
        provider = RestProvider(service.url, service.token)
        app = SessionTuiApp([provider], AppOptions(interval=3600, clock=clock))
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.accounts[0].polls and _idle(app))
            service.requests.clear()
            await pilot.press("R")
            await _until(pilot, lambda: app.screen.id == "confirm-revoke-all")
            await pilot.press("enter")
            await _until(pilot, lambda: len(service.state.session_ids()) == 1)
            sent = [r for r in service.requests if r[0] != "GET"]
            listings = [r for r in service.requests if r == ("GET", "/v1/sessions")]
            # The poll after the revoke (to show what remains) is not part of the revoke.
            return len(sent) + max(len(listings) - 1, 0)


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)
