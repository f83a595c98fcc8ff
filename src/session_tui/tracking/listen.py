"""Hearing colleagues at once: LISTEN on the shared store, on a thread with its own connection.

Every write to an account's rows notifies `session_tui` with the account's key at commit
(`postgres.PostgresDatabase.write`). This thread hears them, drops this instance's own (same
backend), gathers what arrives within a short window into one set, and hands it to `heard`:
a poll recorded by another instance, a revocation, an acknowledgement reaches this screen
within a second. A dropped connection is opened again, waiting longer each time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from session_tui.tracking.postgres import CHANNEL, connect

GATHER_S = 0.05  # notices this close together are one
WAIT_S = 0.5  # how often the thread looks whether it should stop
RETRY_CAP_S = 30.0


class Listener:
    """`heard(keys)` for every burst of colleagues' notices ("" means: reload everything)."""

    def __init__(self, url: str, heard: Callable[[set[str]], None], own_pid: Callable[[], int]):
        self.url = url
        self.heard = heard
        self.own_pid = own_pid  # the backend of this instance's writes: its notices are ours
        self._stop = threading.Event()
        self.listening = threading.Event()  # set once LISTEN is in place (tests wait for it)
        self._thread = threading.Thread(target=self._run, name="session-tui-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        wait = 1.0
        while not self._stop.is_set():
            try:
                self._listen()
                wait = 1.0
            except Exception:  # the server went away: try again, less and less often
                self.listening.clear()
                self._stop.wait(wait)
                wait = min(RETRY_CAP_S, wait * 2)

    def _listen(self) -> None:
        conn = connect(self.url)
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while not self._stop.is_set():
                keys: set[str] = set()
                deadline: float | None = None
                for notice in conn.notifies(timeout=WAIT_S if deadline is None else GATHER_S):
                    if notice.pid != self.own_pid():
                        keys.add(notice.payload)
                    deadline = deadline or time.monotonic() + GATHER_S
                    if time.monotonic() >= deadline:
                        break
                if keys:
                    self.heard(keys)
        finally:
            with contextlib.suppress(Exception):
                conn.close()
