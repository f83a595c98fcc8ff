"""The demo account kept in the state directory, so that every run continues the last one.

`session-tui list`, then `session-tui revoke ID`, then the dashboard all see one account: each
process loads it from `demo/account.json`, and every request the demo service answers takes
the file's lock, first adopts what another process wrote since (`AccountLife.adopt`), and
writes the account back when it changed. Time between two runs is played as a believable
trickle (`AccountLife._away`), not at the demo's lively pace. `--demo-reset` starts afresh.

The file holds only invented data (no token: each run makes its own), mode 0600 all the same,
as everything in the state directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from session_tui import paths
from session_tui.demo.state import DemoState

FORMAT = 1  # the file's format; another one is set aside and the account made afresh


def account_file() -> Path:
    return paths.state_dir() / "demo" / "account.json"


class SavedAccount:
    """One demo account's file, shared by every process that runs the demo."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or account_file()
        self._lock_path = self.path.with_suffix(".lock")
        self._seen: tuple[int, int, int] | None = None  # the file as this process last knew it
        self._revision: str | None = None  # the account as this process last wrote or read it

    def open(self, make: Callable[[], DemoState]) -> DemoState:
        """The saved account, or a new one made by `make` (and saved) when there is none or
        the file cannot be read (then kept beside it as `account.json.unreadable`). Where the
        state directory cannot be used at all, the new account lives in memory (`kept` False)."""
        state = make()
        try:
            return self._open(state, make)
        except OSError:
            self.kept = False
            return state

    kept = True  # False: the file could not be used, the account lives for this run only

    def _open(self, state: DemoState, make: Callable[[], DemoState]) -> DemoState:
        with self._locked():
            saved = self._read()
            if saved is not None:
                try:
                    state.adopt(saved)
                except (ValueError, KeyError, TypeError, IndexError):
                    self._set_aside()
                    state = make()
                else:
                    self._known(state)
                    return state
            self._write(state)
        return state

    @contextlib.contextmanager
    def turn(self, state: DemoState) -> Iterator[None]:
        """Around one request: what another process wrote is adopted first, and the account is
        written back after, when it changed (the request, or time catching up). A file that
        cannot be locked, read or written (a full disk, a read-only directory) leaves the
        account in memory: the demo goes on, it is only not kept."""
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(self._locked())
            except OSError:
                yield
                return
            if self._stamp() != self._seen:
                saved = self._read()
                if saved is not None:
                    with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
                        state.adopt(saved)
                        self._known(state)
            try:
                yield
            finally:
                if state.revision != self._revision:
                    with contextlib.suppress(OSError):
                        self._write(state)

    def _known(self, state: DemoState) -> None:
        self._seen = self._stamp()
        self._revision = state.revision

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self._set_aside()
            return None
        account = data.get("account") if isinstance(data, dict) else None
        if not isinstance(account, dict) or data.get("format") != FORMAT:
            self._set_aside()
            return None
        return account

    def _write(self, state: DemoState) -> None:
        text = json.dumps({"format": FORMAT, "account": state.export()}, ensure_ascii=False)
        paths.ensure_private_dir(self.path.parent)
        temporary = self.path.with_name(self.path.name + ".new")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, paths.FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.path)  # readers see the old account or the new, never half
        self._known(state)

    def _set_aside(self) -> None:
        with contextlib.suppress(OSError):
            os.replace(self.path, self.path.with_name(self.path.name + ".unreadable"))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        paths.ensure_private_dir(self.path.parent)
        descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, paths.FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing lets go of the lock


def reset(path: Path | None = None) -> None:
    """`--demo-reset`: forget the saved demo account and what session-tui recorded about it
    (its history and alerts); the next run makes a new one. The audit trail keeps its lines:
    it is append-only, whatever the account."""
    target = path or account_file()
    for stale in (target, target.with_name(target.name + ".unreadable")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    history = paths.profile_history_db(DEMO_PROFILE)
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            history.with_name(history.name + suffix).unlink()


DEMO_PROFILE = "demo"  # the profile the demo's accounts are recorded under
