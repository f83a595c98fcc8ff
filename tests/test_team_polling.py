"""One poller per account across a team (issue 25): engines on one real PostgreSQL watching the
demo's users on call share the polls, follow what the poller recorded, say who polls, and take
over when the poller stops."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from session_tui.demo import DemoService
from session_tui.demo.users import WatchedUsers
from session_tui.engine.core import Engine, EngineOptions
from session_tui.providers.rest_admin import RestAdminProvider

USERS = ("sam", "mei", "ana", "raj")
INTERVAL = 0.5  # the background interval: every watched account but the focused one


async def _until(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _engine(service: DemoService, users: WatchedUsers, store: str, operator: str) -> Engine:
    providers = [RestAdminProvider(service.url, users.token, name) for name in USERS]
    options = EngineOptions(
        interval=INTERVAL, background_interval=INTERVAL, store=store, operator=operator
    )
    return Engine(providers, options)


def _listings(service: DemoService) -> Counter[str]:
    return Counter(path.split("/")[3] for method, path in list(service.requests) if method == "GET")


def _holders(engines: list[Engine]) -> dict[str, list[int]]:
    """Who polls each account itself: the engines that do not follow it."""
    out: dict[str, list[int]] = {name: [] for name in USERS}
    for index, engine in enumerate(engines):
        for account in engine.accounts:
            if account.follow is None:
                out[account.provider.watched_user].append(index)  # type: ignore[attr-defined]
    return out


async def test_three_instances_poll_each_account_once_and_take_over(pg_store: str) -> None:
    users = WatchedUsers.demo(USERS, kept=False)
    with DemoService(seed=8, users=users) as service:
        engines = [_engine(service, users, pg_store, f"op{i}@ops-{i}") for i in range(3)]
        for engine in engines:
            engine.start()
        try:
            await _until(
                lambda: all(len(h) == 1 for h in _holders(engines).values()),
                "one poller per account",
            )
            # Every screen says who polls; the followers show the poller's listing.
            for engine in engines:
                for account in engine.accounts:
                    assert account.polled_by is not None
                    if account.follow is not None:
                        assert account.polled_by.startswith("op")
            sam = users.accounts["sam"][0]
            await _until(
                lambda: all(
                    set(next(a for a in e.accounts if a.provider.watched_user == "sam").sessions)
                    == sam.session_ids()
                    for e in engines
                ),
                "every instance showing sam's sessions",
            )
            # The server sees each account listed about once per interval, not three times.
            before, started = _listings(service), time.monotonic()
            await asyncio.sleep(INTERVAL * 8)
            elapsed = time.monotonic() - started
            after = _listings(service)
            for name in USERS:
                per_interval = (after[name] - before[name]) / (elapsed / INTERVAL)
                assert per_interval < 1.6, (name, per_interval)

            # The poller of sam stops without a word (a crash): another takes over in time.
            (poller,) = _holders(engines)["sam"]
            gone = engines[poller]
            await gone.scheduler.stop()
            await gone.team.abandon()
            stopped = time.monotonic()
            rest = [e for i, e in enumerate(engines) if i != poller]
            await _until(lambda: len(_holders(rest)["sam"]) == 1, "a colleague taking sam over")
            assert time.monotonic() - stopped < 2 * INTERVAL + 1.5  # two intervals, and a cycle
        finally:
            for engine in engines:
                await engine.aclose()


async def test_the_dashboard_says_which_colleague_polls(pg_store: str) -> None:
    """A colleague's engine polls sam; the dashboard started after it follows and says so, the
    colleague's name as plain text (markup stays literal, escapes are dropped)."""
    from ui_support import header_line, until

    from session_tui.ui.app import AppOptions, SessionTuiApp

    users = WatchedUsers.demo(("sam",), kept=False)
    with DemoService(seed=9, users=users) as service:
        colleague = Engine(
            [RestAdminProvider(service.url, users.token, "sam")],
            EngineOptions(interval=INTERVAL, background_interval=INTERVAL, store=pg_store,
                          operator="[red]bob[/red]\x1b]0;x\x07@ops-2"),
        )  # fmt: skip
        colleague.start()
        try:
            await _until(lambda: colleague.accounts[0].polled_by == "", "bob polling sam")
            options = AppOptions(interval=INTERVAL, store=pg_store, operator="alice@ops-1")
            app = SessionTuiApp([RestAdminProvider(service.url, users.token, "sam")], options)
            async with app.run_test(size=(160, 32)) as pilot:
                await until(pilot, lambda: "polled by [red]bob[/red]" in header_line(app), "header")
                assert "\x1b" not in header_line(app) and "\x07" not in header_line(app)
                sam = users.accounts["sam"][0]
                assert set(app.main.table.visible_ids) == sam.session_ids()
        finally:
            await colleague.aclose()
