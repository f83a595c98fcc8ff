"""Opening the store a `StoreSpec` names: apart from `backend.py`, which both stores import,
so that naming what a store is never imports either store."""

from __future__ import annotations

from pathlib import Path

from session_tui.tracking.backend import Database, StoreSpec


def open_database(spec: StoreSpec, default: Path) -> Database:
    """The store `spec` names (the profile's file `default` when it names none), migrated."""
    if spec.url is not None:
        from session_tui.tracking.postgres import PostgresDatabase

        return PostgresDatabase(spec.url)
    from session_tui.tracking.database import HistoryDatabase

    return HistoryDatabase(spec.path or default)
