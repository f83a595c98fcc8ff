"""The demo opens through the same path as real providers, and keeps its records to itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from session_tui.cli import build_parser
from session_tui.connect import open_accounts
from session_tui.providers.rest import RestProvider


async def test_a_large_demo_account_keeps_its_history_for_the_run_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SESSION_TUI_STATE_DIR")
    accounts = open_accounts(build_parser().parse_args(["--demo-sessions", "40"]), os.environ)
    try:
        (provider,) = accounts.providers
        assert isinstance(provider, RestProvider)
        sessions = await provider.list_sessions()
        assert sum(s.is_current for s in sessions) == 1 and len(sessions) == 40
        scratch = Path(os.environ["SESSION_TUI_STATE_DIR"])
        assert scratch.is_dir() and scratch.name.startswith("session-tui-demo-")
        await provider.aclose()
    finally:
        accounts.close()
    assert "SESSION_TUI_STATE_DIR" not in os.environ
    assert not scratch.exists()


async def test_the_demo_account_is_kept_in_the_state_dir(isolated_dirs: Path) -> None:
    accounts = open_accounts(build_parser().parse_args([]), os.environ)
    try:
        (provider,) = accounts.providers
        assert isinstance(provider, RestProvider)
        listed = {s.id for s in await provider.list_sessions()}
        await provider.aclose()
    finally:
        accounts.close()
    kept = Path(os.environ["SESSION_TUI_STATE_DIR"]) / "demo" / "account.json"
    saved = {s["id"] for s in json.loads(kept.read_text())["account"]["sessions"]}
    assert listed <= saved  # what was listed is what is kept
    assert accounts.profile == "demo"


def test_a_state_dir_the_user_chose_is_kept_for_the_demo(isolated_dirs: Path) -> None:
    chosen = os.environ["SESSION_TUI_STATE_DIR"]
    accounts = open_accounts(build_parser().parse_args(["--demo"]), os.environ)
    accounts.close()
    assert os.environ["SESSION_TUI_STATE_DIR"] == chosen
