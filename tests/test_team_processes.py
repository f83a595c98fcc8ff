"""Two engineers' `session-tui watch` processes on one PostgreSQL (issue 25): one alert for the
team when a sign-in comes, and when the poller of an account is killed (SIGKILL, by its PID:
no goodbye, as a crash) the other takes the account over within two intervals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import server_process
from test_shared_store_cli import machine

from session_tui.demo import DemoService
from session_tui.demo.users import WatchedUsers

INTERVAL = 1.5  # each account's (background) interval
TOR_EXIT = "185.220.101.7"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
USERS = ("sam", "mei")


def _watch(tmp_path: Path, name: str, service: DemoService, token: str, store: str):
    env = {**os.environ, **machine(tmp_path, name, f"{name}@ops"), "SESSION_TUI_TOKEN": token}
    argv = [sys.executable, "-m", "session_tui", "watch", "--json", "--provider", "rest"]
    argv += ["--url", service.url, "--admin", "--store", store, "--interval", str(INTERVAL)]
    argv += ["--background-interval", str(INTERVAL)]
    for user in USERS:
        argv += ["--watch", user]
    out = (tmp_path / f"{name}.jsonl").open("w")
    return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE), out


def _holders(store: str) -> dict[str, str]:
    """Who holds each account's lease now ({} until an instance made the schema)."""
    with psycopg.connect(store) as conn:
        if conn.execute("SELECT to_regclass('session_tui.leases')").fetchone() == (None,):
            return {}
        rows = conn.execute(
            "SELECT account, operator FROM session_tui.leases WHERE expires_at > now()"
        ).fetchall()
    return {account.split(":")[1].split("@")[0]: operator for account, operator in rows}


def _until(check, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _alerts(path: Path) -> list[dict]:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("severity") == "alert"]


def test_one_alert_for_the_team_and_a_killed_poller_is_replaced(
    pg_store: str, tmp_path: Path
) -> None:
    users = WatchedUsers.demo(USERS, kept=False)
    with DemoService(seed=13, users=users) as service:
        started = [_watch(tmp_path, name, service, users.token, pg_store) for name in ("ann", "bo")]
        procs = {name: proc for name, (proc, _) in zip(("ann", "bo"), started, strict=True)}
        try:
            _until(lambda: len(_holders(pg_store)) == len(USERS), "every account held")
            both = {"ann@ops", "bo@ops"}
            _until(lambda: set(_holders(pg_store).values()) == both, "a share each")

            users.accounts["sam"][0].add_session(user_agent=FIREFOX, ip=TOR_EXIT)
            _until(
                lambda: sum(len(_alerts(tmp_path / f"{n}.jsonl")) for n in procs) >= 1, "the alert"
            )
            time.sleep(INTERVAL * 3)  # both instances list sam meanwhile, one way or the other
            alerts = [a for n in procs for a in _alerts(tmp_path / f"{n}.jsonl")]
            assert len(alerts) == 1, alerts  # one alert for the team, printed once
            # Its id, as `watch --json` prints it, is what `ack` takes (a script's way).
            acked = subprocess.run(
                [sys.executable, "-m", "session_tui", "ack", str(alerts[0]["alert_id"])],
                env={
                    **os.environ,
                    **machine(tmp_path, "cy", "cy@ops"),
                    "SESSION_TUI_STORE": pg_store,
                },
                capture_output=True,
                text=True,
            )
            assert acked.returncode == 0, acked.stderr
            assert acked.stdout.startswith(f"Acknowledged alert {alerts[0]['alert_id']}: ")
            with psycopg.connect(pg_store) as conn:
                stored = conn.execute(
                    "SELECT count(*) FROM session_tui.events WHERE severity = 'alert'"
                ).fetchone()
            assert stored == (1,)

            poller = _holders(pg_store)["sam"].split("@")[0]
            survivor = next(n for n in procs if n != poller)
            os.kill(procs[poller].pid, signal.SIGKILL)  # a crash: its leases are not handed back
            procs[poller].wait(10)
            killed = time.monotonic()
            _until(lambda: _holders(pg_store).get("sam") == f"{survivor}@ops", "the takeover")
            taken = time.monotonic() - killed
            assert taken < 2 * INTERVAL + 1.0, f"took {taken:.1f} s"
            _until(lambda: set(_holders(pg_store).values()) == {f"{survivor}@ops"}, "all of them")
            listed = sum(1 for m, p in list(service.requests) if m == "GET" and "/sam/" in p + "/")
            time.sleep(INTERVAL * 2)  # the survivor goes on listing sam
            after = sum(1 for m, p in list(service.requests) if m == "GET" and "/sam/" in p + "/")
            assert after > listed
        finally:
            for proc in procs.values():
                server_process.stop(proc)
            for _, out in started:
                out.close()
