"""A clock that only moves when told, for deterministic demos, snapshots and tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class ManualClock:
    """Callable like `datetime.now`; `advance()` moves it. Safe to share across threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        """Move forward by `seconds` plus any `timedelta` keywords (minutes=3); the new time."""
        step = timedelta(seconds=seconds, **kwargs)
        if step < timedelta(0):
            raise ValueError("time does not go backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)
