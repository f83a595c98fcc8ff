"""The demo account's change log: what `GET /v1/sessions?since=` answers from.

Each change to a session takes the next number. A cursor names a number in one log (its
`epoch` tells this run's log from another's), so a client that sends it back is told only what
changed after it: at 10,000 sessions a poll that sees 1% of them move carries 1% of the
listing instead of all of it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

# Ends older than this many are forgotten; a cursor from before them gets the whole listing.
ENDS_KEEP = 20_000


@dataclass(slots=True)
class ChangeLog:
    """Not thread-safe by itself: `DemoState` calls it under its own lock."""

    epoch: str = field(default_factory=lambda: secrets.token_hex(4))
    version: int = 0
    # Every active session's last change, in order of change (re-inserted on each one), so
    # what changed after a number is found from the end without walking the whole account.
    _changed: dict[str, int] = field(default_factory=dict)
    _ends: list[tuple[int, str]] = field(default_factory=list)
    _forgotten: int = 0  # cursors before this can no longer be answered

    def cursor(self) -> str:
        return f"{self.epoch}.{self.version}"

    def changed(self, session_id: str) -> None:
        self.version += 1
        self._changed.pop(session_id, None)
        self._changed[session_id] = self.version

    def ended(self, session_id: str) -> None:
        self.version += 1
        self._changed.pop(session_id, None)
        self._ends.append((self.version, session_id))
        if len(self._ends) > ENDS_KEEP:
            half = len(self._ends) // 2
            self._forgotten = self._ends[half - 1][0]
            del self._ends[:half]

    def since(self, cursor: str) -> tuple[list[str], list[str]] | None:
        """(ids changed after `cursor`, oldest change first; ids ended after it and not back),
        or None when the cursor cannot be answered: another run's, malformed, or too old."""
        epoch, _, number = cursor.partition(".")
        if epoch != self.epoch or not number.isdigit() or len(number) > 15:
            return None
        since = int(number)
        if since < self._forgotten or since > self.version:
            return None
        changed: list[str] = []
        for sid, version in reversed(self._changed.items()):
            if version <= since:
                break
            changed.append(sid)
        ends = [sid for version, sid in reversed(self._ends) if version > since]
        return changed[::-1], [sid for sid in ends[::-1] if sid not in self._changed]
