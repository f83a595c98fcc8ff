"""The demo opens through the same path as real providers, and keeps its records to itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from session_tui.cli import build_parser
from session_tui.connect import open_accounts
from session_tui.providers.rest import RestProvider


async def test_the_demo_lists_sessions_over_http_and_keeps_its_history_for_the_run_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SESSION_TUI_STATE_DIR")
    accounts = open_accounts(build_parser().parse_args([]), os.environ)
    try:
        (provider,) = accounts.providers
        assert isinstance(provider, RestProvider)
        sessions = await provider.list_sessions()
        assert sum(s.is_current for s in sessions) == 1
        scratch = Path(os.environ["SESSION_TUI_STATE_DIR"])
        assert scratch.is_dir() and scratch.name.startswith("session-tui-demo-")
        await provider.aclose()
    finally:
        accounts.close()
    assert "SESSION_TUI_STATE_DIR" not in os.environ
    assert not scratch.exists()


def test_a_state_dir_the_user_chose_is_kept_for_the_demo(isolated_dirs: Path) -> None:
    chosen = os.environ["SESSION_TUI_STATE_DIR"]
    accounts = open_accounts(build_parser().parse_args(["--demo"]), os.environ)
    accounts.close()
    assert os.environ["SESSION_TUI_STATE_DIR"] == chosen
