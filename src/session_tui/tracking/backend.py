"""Where the history lives: one interface, two databases.

A profile's history, alerts, acknowledgements, trusted devices, risk memory and (on a shared
store) audit trail live in SQLite by default (`database.HistoryDatabase`, one file per profile)
or in PostgreSQL (`postgres.PostgresDatabase`), shared by every instance that points at it.

Both speak the same SQL for the rows (`store.py`, `risk_book.py`, `learning.learn_places`):
`?` placeholders, `ON CONFLICT … DO UPDATE`, text times in RFC 3339. What differs is here:
how a transaction starts (SQLite's `BEGIN IMMEDIATE`; PostgreSQL's per-account advisory lock),
and how an insert says its new id, how a reader knows nobody wrote since its last look. Each
backend has its own numbered migrations. The audit trail is a file beside SQLite's history
(`audit.py`) and a table of PostgreSQL's (`PostgresDatabase.append_audit`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from session_tui.errors import ConfigError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Connection(Protocol):
    """What the queries use: sqlite3's `execute` and `executemany`, with `?` placeholders
    (a cursor back: `fetchone`, `fetchall`, iteration, `rowcount`)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


class Database(Protocol):
    """An open store, migrated, and the lock its users share (a transaction belongs to the
    connection, not to a thread)."""

    @property
    def conn(self) -> Connection: ...

    @property
    def lock(self) -> threading.RLock: ...

    @property
    def path(self) -> Path | None:
        """The SQLite file; None for a server."""
        ...

    @property
    def shared(self) -> bool:
        """Other machines write here too (PostgreSQL): a team's store."""
        ...

    @property
    def where(self) -> str:
        """What to show for it: the file, or the server's URL without its password."""
        ...

    def write(self, account: str) -> AbstractContextManager[Written]:
        """One write transaction for `account`'s rows; concurrent writers of the account queue.
        Its `version` is set by the commit: the account's version as this write leaves it."""
        ...

    def read(self) -> AbstractContextManager[None]:
        """One read transaction: several queries see the same state."""
        ...

    def version(self, account: str) -> int:
        """Changes when another connection has written `account`'s rows since (not our own)."""
        ...

    def insert_id(self, sql: str, parameters: Sequence[Any], column: str) -> int:
        """Run an INSERT and return the new row's `column` (its generated id)."""
        ...

    def close(self) -> None: ...


@dataclass(slots=True)
class Written:
    """A write transaction's outcome: the account's version it left (`Database.version`)."""

    version: int = -1


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """Where a profile's history goes: a PostgreSQL URL, a SQLite file, or the default file."""

    url: str | None = None  # postgresql://…
    path: Path | None = None  # an explicit SQLite file

    @property
    def shared(self) -> bool:
        return self.url is not None

    @classmethod
    def parse(cls, text: str | None) -> StoreSpec:
        """`--store`, `store = "…"` or SESSION_TUI_STORE: a postgresql:// URL or a file path;
        empty or None keeps the profile's own SQLite file."""
        if not text or not text.strip():
            return cls()
        text = text.strip()
        if text.lower().startswith(POSTGRES_SCHEMES):
            return cls(url=text)
        if "://" in text:
            scheme = text.split("://", 1)[0]
            raise ConfigError(
                f"--store: {scheme}:// is not a store; use postgresql://… or a SQLite file path."
            )
        return cls(path=Path(text).expanduser())
