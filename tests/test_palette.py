"""The command palette (ctrl+p) runs the app's own actions; a chosen theme is kept in the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from ui_support import SIZE, demo_app, settle, until

from session_tui import paths
from session_tui.config import load_profiles, load_theme, save_theme
from session_tui.demo import DemoService
from session_tui.errors import ConfigError
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.palette import app_commands
from session_tui.ui.screens.confirm import ConfirmDialog


async def test_the_palette_runs_the_apps_actions(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"sign out other")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the revoke-all dialog")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        titles = [c.title for c in app_commands(app)]
    assert "Sign out other sessions" in titles and "Reverse the sort" in titles


async def test_read_only_offers_no_revoking_command(demo_service: DemoService) -> None:
    app = demo_app(demo_service, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app_commands(app)]
    assert "Filter sessions" in titles
    assert not [t for t in titles if "Revoke" in t or "Sign out" in t or "Rename" in t]


async def test_a_chosen_theme_is_kept_in_the_config_file(demo_service: DemoService) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.work]\nprovider = "demo"\n')
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.theme = "nord"
        await until(pilot, lambda: load_theme() == "nord", "the theme to be saved")
    assert "[profiles.work]" in config.read_text()
    assert set(load_profiles()) == {"work"}  # the profiles are untouched
    again = SessionTuiApp([app.accounts[0].provider], AppOptions(interval=600, theme=load_theme()))
    assert again.theme == "nord"


def test_save_theme_replaces_the_line_and_refuses_odd_names(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_theme("nord", path)
    save_theme("gruvbox", path)
    assert path.read_text().count("theme =") == 1 and load_theme(path) == "gruvbox"
    with pytest.raises(ConfigError):
        save_theme('x"\n[profiles.evil]', path)


async def test_the_palette_lists_keys_once_and_saves_a_screenshot_where_it_can(
    demo_service: DemoService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/Pictures, no ~/Downloads
    monkeypatch.setenv("XDG_PICTURES_DIR", str(tmp_path / "home" / "Pictures"))
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Keys") == 1 and titles.count("Screenshot") == 1
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: any(n.title == "Screenshot" for n in app.notices), "saved")
    said = next(n for n in app.notices if n.title == "Screenshot")
    folder = paths.state_dir() / "screenshots"
    assert said.message.startswith(f"Saved to {folder}/session-tui-"), said.message
    assert "[" not in said.message  # no markup
    (saved,) = folder.glob("session-tui-*.svg")
    assert saved.stat().st_mode & 0o777 == 0o600 and "<svg" in saved.read_text()[:200]
