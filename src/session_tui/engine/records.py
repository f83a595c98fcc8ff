"""What the recorder is set up with and what it reads back, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from session_tui.engine.state import AccountState

if TYPE_CHECKING:
    from session_tui.tracking.events import Event
    from session_tui.tracking.store import HistoryRow


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One ended session of one account, as the History pane and `session-tui history` show."""

    account: AccountState
    row: HistoryRow


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One recorded sign-in, for the alert feed; `new` while its alert is unseen."""

    account: AccountState
    event: Event
    new: bool


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    profile: str
    retention: timedelta
    clock: Callable[[], datetime]
    on_alert: str | None = None
    operator: str | None = None  # who this is in the audit trail (None: the OS user and host)
    store: str | None = None  # --store: a file, postgresql://…, or None (the profile's file)
