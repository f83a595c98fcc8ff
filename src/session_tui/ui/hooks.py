"""How other parts of session-tui follow what the app sees and does (tracking, alerts, audit).

Two equivalent ways in, pick whichever suits the consumer:

* Plain Python, no Textual needed: an object with the `SessionListener` methods, passed in
  `AppOptions(listeners=[...])` or added later with `SessionTuiApp.add_listener()`. The app
  calls it on the UI thread, synchronously, right after the event:

  - `sessions_polled(provider, sessions, at)` after every *successful* poll of an account, with
    the full listing (the same `Session` objects the table shows) and the app-clock time;
  - `revoke_attempted(attempt)` after every revocation attempt from this app, whatever the
    outcome (done, failed, wrong password), with what the user saw in the dialog.

  A listener that raises is reported in a notification and logged; it never stops the app.
  Keep listeners quick (SQLite short transactions are fine); start a worker for slow work.

* Textual messages posted on the app, for widgets and screens: `SessionsPolled` and
  `RevokeAttempted` carry the same data. Handle them in an `App` subclass
  (`on_sessions_polled`) or forward them to a pane.

The UI side of issue 5 plugs in through `SessionTuiApp.set_unseen_alerts(count)` (shown in the
header), `SessionTuiApp.select_session(provider, session_id)` (jump to a session, e.g. from an
alert) and `MainScreen`'s `ExtraPanes` (`#extra`), which holds the history and alert panes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from textual.message import Message

from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome
from session_tui.model import Session
from session_tui.providers.base import SessionProvider

__all__ = [
    "RevokeAttempt",
    "RevokeAttempted",
    "RevokeKind",
    "RevokeOutcome",
    "SessionListener",
    "SessionsPolled",
]


@runtime_checkable
class SessionListener(Protocol):
    """Told about every successful poll and every revocation attempt (see module docstring)."""

    def sessions_polled(
        self, provider: SessionProvider, sessions: list[Session], at: datetime
    ) -> None: ...

    def revoke_attempted(self, attempt: RevokeAttempt) -> None: ...


class SessionsPolled(Message):
    """A poll of `provider` succeeded with `sessions` at `at` (app clock)."""

    def __init__(self, provider: SessionProvider, sessions: list[Session], at: datetime) -> None:
        super().__init__()
        self.provider = provider
        self.sessions = sessions
        self.at = at


class RevokeAttempted(Message):
    """A revocation was attempted from this app; `attempt` says what and how it went."""

    def __init__(self, attempt: RevokeAttempt) -> None:
        super().__init__()
        self.attempt = attempt
