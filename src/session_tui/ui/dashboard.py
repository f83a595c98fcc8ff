"""What the dashboard's screens, panes and palette may ask of the app, without importing it.

`SessionTuiApp` (ui/app.py) builds the screens, so the screens cannot import the app's module
back (no import circles, `TYPE_CHECKING` ones included): they see it as a `Dashboard`, and the
options it runs with as `AppOptions`, both declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from session_tui.engine import events as ev
from session_tui.engine.core import Engine, EngineOptions, utc_now
from session_tui.engine.revocation import RevokeAttempt
from session_tui.engine.state import AccountState
from session_tui.enrich import Enricher
from session_tui.enrich.times import DEFAULT_ONLINE_WINDOW
from session_tui.model import Session
from session_tui.providers.base import SessionProvider

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass
class AppOptions:
    """How the app behaves; the CLI fills it from flags and the profile."""

    interval: float = 5.0  # seconds between polls
    background_interval: float | None = None  # on call, accounts not on screen (4 x interval)
    online_window: timedelta = DEFAULT_ONLINE_WINDOW  # active within this counts as Online
    city_db: Path | None = None  # a MaxMind-format City database, for city names
    asn_db: Path | None = None  # a MaxMind-format ASN database, for networks' names
    bell: bool = True  # ring the terminal bell on alerts
    on_alert: str | None = None  # command run for each alert
    profile: str = "demo"
    retention: timedelta = timedelta(days=90)  # history and sign-ins kept this long
    read_only: bool = False  # --read-only: no way to revoke or rename (the providers refuse too)
    theme: str | None = None  # a Textual theme name, kept in the config file
    inactive_days: float = 90.0  # `i` shows sessions idle longer than this (--inactive-days)
    ascii: bool = False  # --ascii: no emoji flags, no box drawing, ASCII markers (ui/glyphs.py)
    operator: str | None = None  # who this is in the audit trail (the config's `operator`)
    store: str | None = None  # --store: a SQLite file or postgresql://… (None: the profile's)
    clock: Callable[[], datetime] = utc_now  # tests freeze it
    subscribers: list[ev.Subscriber] = field(default_factory=list)  # hear the engine's events

    def engine_options(self) -> EngineOptions:
        return EngineOptions(
            interval=self.interval,
            background_interval=self.background_interval,
            profile=self.profile,
            retention=self.retention,
            on_alert=self.on_alert,
            city_db=self.city_db,
            asn_db=self.asn_db,
            operator=self.operator,
            store=self.store,
            clock=self.clock,
            hold_tracking=True,  # the first table first; the history waits for it
        )


class Dashboard(Protocol):
    """The running app, as its screens see it."""

    options: AppOptions

    @property
    def engine(self) -> Engine: ...

    @property
    def accounts(self) -> list[AccountState]: ...

    @property
    def enricher(self) -> Enricher: ...

    def now(self) -> datetime: ...

    def poll_soon(self, account: AccountState) -> None: ...

    def refresh_now(self) -> None: ...

    def run_worker(
        self, work: Any, *, group: str = "default", exit_on_error: bool = True
    ) -> Any: ...

    def select_session(self, provider: SessionProvider, session_id: str) -> bool: ...

    def set_unseen_alerts(self, count: int) -> None: ...

    async def revoke_one(
        self, account: AccountState, session: Session, password: str | None
    ) -> RevokeAttempt: ...

    async def revoke_others(
        self, account: AccountState, sessions: Sequence[Session], password: str | None
    ) -> RevokeAttempt: ...

    async def rename(self, account: AccountState, session_id: str, name: str) -> None: ...

    def kept_screen(self, name: str, make: Callable[[], Screen[Any]]) -> Screen[Any]: ...
