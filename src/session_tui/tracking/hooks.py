"""`--on-alert COMMAND`: run the user's command for each alert, the event JSON on its stdin.

The command is the user's own (a pager, `notify-send`, a webhook script), so it runs through the
shell as typed. It must never hold up the app: it runs as an asyncio subprocess, is killed after
a timeout, and whatever goes wrong (not found, non-zero exit, timeout) comes back as a
`HookResult` to report, never as an exception.

A server can add hundreds of sessions between two polls (a script, an attack), and one shell
per alert then means hundreds of processes at once. `AlertCommands` runs a few at a time with a
bounded queue behind them; what does not fit is refused, and the caller says how many.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from session_tui.enrich.text import plain

DEFAULT_TIMEOUT_S = 30.0
MAX_RUNNING = 4  # commands running at once
MAX_WAITING = 50  # commands queued behind them; alerts beyond these are not passed on
_STDERR_TAIL = 400
# Our own variables (the token, the password, directory overrides) are for us, not the hook.
PRIVATE_ENV_PREFIX = "SESSION_TUI_"


@dataclass(frozen=True, slots=True)
class HookResult:
    """How one run went. `ok` is a zero exit within the timeout."""

    command: str
    returncode: int | None  # None when it never ran or was killed on timeout
    stderr_tail: str = ""
    timed_out: bool = False
    error: str | None = None  # could not start at all

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.error is None

    @property
    def message(self) -> str:
        """One plain line for a notification: what failed and the end of its stderr."""
        if self.ok:
            return "on-alert command ran"
        if self.error:
            return f"on-alert command could not run: {self.error}"
        if self.timed_out:
            head = "on-alert command timed out and was stopped"
        else:
            head = f"on-alert command failed (exit {self.returncode})"
        return f"{head}: {self.stderr_tail}" if self.stderr_tail else head


def hook_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the command runs with: ours minus every `SESSION_TUI_*` variable.

    `SESSION_TUI_TOKEN` and `SESSION_TUI_PASSWORD` are credentials; a pager script, or whatever
    it starts, has no business with them. Everything else (PATH, HOME, DISPLAY...) is kept so the
    command finds its tools and its desktop.
    """
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if not k.upper().startswith(PRIVATE_ENV_PREFIX)}


def _tail(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")[-_STDERR_TAIL * 4 :]
    cleaned = plain(text, 10 * _STDERR_TAIL)
    return cleaned[-_STDERR_TAIL:]


async def run_on_alert(
    command: str, event_json: str, timeout: float = DEFAULT_TIMEOUT_S
) -> HookResult:
    """Run `command` via the shell with `event_json` on stdin; never raises (but can be cancelled).

    Await it from a task or a worker, not from the code path that handles the poll.
    """
    try:
        proc = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=hook_env(),
        )
    except (OSError, ValueError) as exc:
        return HookResult(command, None, error=plain(str(exc), 200) or type(exc).__name__)
    try:
        _out, err = await asyncio.wait_for(proc.communicate(event_json.encode("utf-8")), timeout)
    except TimeoutError:
        await _stop(proc)
        return HookResult(command, None, timed_out=True)
    except asyncio.CancelledError:
        await asyncio.shield(_stop(proc))
        raise
    except OSError as exc:  # e.g. the command closed stdin early and the pipe broke
        await _stop(proc)
        return HookResult(command, proc.returncode, error=plain(str(exc), 200))
    return HookResult(command, proc.returncode, _tail(err or b""))


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """Kill the command we started and reap it.

    It runs in its own session, so its process group id is its pid: killing that group stops
    the shell and whatever the shell started, and nothing else.
    """
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
    with contextlib.suppress(Exception):
        await proc.wait()


def start_on_alert(
    command: str,
    event_json: str,
    on_done: Callable[[HookResult], None] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> asyncio.Task[HookResult]:
    """Fire and forget from inside a running event loop: returns at once with the task.

    `on_done` gets the result when the command finishes (on the loop's thread); keep a
    reference to the task if you may want to cancel it on quit.
    """
    task = asyncio.get_running_loop().create_task(run_on_alert(command, event_json, timeout))
    if on_done is not None:

        def report(done: asyncio.Task[HookResult]) -> None:
            if not done.cancelled():
                on_done(done.result())

        task.add_done_callback(report)
    return task


class AlertCommands:
    """The `--on-alert` runs of one app: `limit` at once, `backlog` more queued, no more.

    Use from inside the running loop. `submit` never waits: it queues the run or, when the
    queue is full, refuses it (False) so the caller can say so once instead of piling up
    processes. `on_done` gets each finished run's result, on the loop's thread.
    """

    def __init__(
        self,
        command: str,
        on_done: Callable[[HookResult], None] | None = None,
        *,
        limit: int = MAX_RUNNING,
        backlog: int = MAX_WAITING,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if limit < 1 or backlog < 0:
            raise ValueError("limit must be at least 1 and backlog not negative")
        self.command = command
        self.on_done = on_done
        self.capacity = limit + backlog
        self.timeout = timeout
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[HookResult]] = set()
        self._running = 0
        self._closed = False

    @property
    def pending(self) -> int:
        """Runs not finished yet, running or queued."""
        return len(self._tasks)

    @property
    def running(self) -> int:
        """Runs holding a slot now (started, or about to start, their command)."""
        return self._running

    def submit(self, event_json: str) -> bool:
        """Queue one run; False (and nothing started) when full or closed."""
        if self._closed or len(self._tasks) >= self.capacity:
            return False
        task = asyncio.get_running_loop().create_task(self._run(event_json))
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return True

    def submit_all(self, payloads: Iterable[str]) -> int:
        """`submit` each; how many were refused (the caller says so once, not per alert)."""
        return sum(not self.submit(payload) for payload in payloads)

    async def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the runs queued so far to finish."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    def cancel(self) -> list[asyncio.Task[HookResult]]:
        """Refuse new runs and cancel the rest: running commands are killed and reaped as the
        cancellation lands (see `run_on_alert`). Returns the tasks, for whoever can await them."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return tasks

    async def aclose(self) -> None:
        """`cancel`, and wait until every command we started is killed and reaped."""
        tasks = self.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, event_json: str) -> HookResult:
        async with self._slots:
            self._running += 1
            try:
                return await run_on_alert(self.command, event_json, self.timeout)
            finally:
                self._running -= 1

    def _finished(self, task: asyncio.Task[HookResult]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self.on_done is None:
            return
        exc = task.exception()
        if exc is not None:  # run_on_alert reports rather than raises; this is a bug's way out
            reason = plain(str(exc), 200) or type(exc).__name__
            self.on_done(HookResult(self.command, None, error=reason))
            return
        self.on_done(task.result())
