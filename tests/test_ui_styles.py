"""The stylesheet resolver: the packaged copy when installed as a wheel, else the repository's."""

from __future__ import annotations

from pathlib import Path

import pytest

import session_tui
from session_tui.ui import styles


def test_every_listed_stylesheet_exists_and_every_sheet_is_listed() -> None:
    base = styles.styles_dir()
    assert all(path.is_file() for path in styles.stylesheet_paths())
    assert {p.name for p in base.glob("*.tcss")} == set(styles.STYLESHEETS)


def test_packaged_copy_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "session_tui"
    (package / "styles").mkdir(parents=True)
    (package / "styles" / styles.STYLESHEETS[0]).write_text("Screen {}\n")
    monkeypatch.setattr(session_tui, "__file__", str(package / "__init__.py"))
    assert styles.styles_dir() == package / "styles"


def test_missing_stylesheets_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "a" / "b" / "session_tui"
    package.mkdir(parents=True)
    monkeypatch.setattr(session_tui, "__file__", str(package / "__init__.py"))
    with pytest.raises(FileNotFoundError, match="stylesheets not found"):
        styles.styles_dir()
