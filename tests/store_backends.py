"""Both stores for the tests that hold for either: `history` is a SQLite file's path or a
fresh PostgreSQL database's URL, and the tracker opens whichever it is given."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "h.sqlite3"
    url: str = request.getfixturevalue("pg_store")
    return url
