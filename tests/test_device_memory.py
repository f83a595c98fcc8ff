"""The user-agent descriptions kept between runs (engine/device_memory.py): a start with them
needs no ua-parser, and a file that is not exactly ours is ignored, never trusted."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_tui.engine import device_memory
from session_tui.enrich import device
from session_tui.enrich.device import DeviceType, parse_device

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def fresh_memory() -> Iterator[None]:
    """Each test starts with nothing known, nothing learned and no parse cached."""

    def reset() -> None:
        device._known.clear()
        device._learned.clear()
        parse_device.cache_clear()

    reset()
    yield
    reset()


def _no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("ua-parser was asked although the description was known")

    monkeypatch.setattr(device, "_parser", refuse)


def test_descriptions_survive_to_the_next_start(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "devices.json"
    firefox, safari = parse_device(FIREFOX), parse_device(SAFARI)
    assert device_memory.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not device_memory.save(path), "nothing new: nothing written"

    device._known.clear()
    parse_device.cache_clear()
    assert device_memory.load(path) == 2
    _no_parser(monkeypatch)
    assert parse_device(FIREFOX) == firefox
    assert parse_device(SAFARI) == safari
    assert firefox.label == "Firefox 128 on Linux"


def test_other_rules_or_a_broken_file_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    parse_device(FIREFOX)
    device_memory.save(path)
    data = json.loads(path.read_text())

    data["stamp"] = "0.0.1/other-rules"
    path.write_text(json.dumps(data))
    assert device_memory.load(path) == 0, "descriptions made by other rules are not served"

    for text in ("not json", "[]", '{"stamp": 1}', "\x00" * 10):
        path.write_text(text)
        assert device_memory.load(path) == 0
    path.write_bytes(b" " * (device_memory.MAX_FILE_BYTES + 1))
    assert device_memory.load(path) == 0
    assert device_memory.load(tmp_path / "missing.json") == 0


def test_entries_are_checked_like_anything_from_outside(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    parse_device(FIREFOX)
    device_memory.save(path)
    data = json.loads(path.read_text())
    data["devices"] += [
        ["curl/8.5", "curl 8.5", "", "Spaceship", "x"],  # not a device type
        ["a\x1b[31mb", "x", "", "Desktop", "x"],  # an escape sequence in the key
        ["evil/1", "\x1b]0;owned\x07Evil", "", "Desktop", "x"],  # and in a field
        ["long/1", "x" * 500, "", "Desktop", "x"],  # longer than any description
        ["ok/1", "OK 1", "", "Desktop", "[b]label[/b]"],  # markup-looking text is just text
        ["nul/1", "x\x00", "", "Desktop", "x"],
        ["short"],
        "nonsense",
        [1, 2, 3, 4, 5],
    ]
    path.write_text(json.dumps(data))
    device._known.clear()
    assert device_memory.load(path) == 2
    assert set(device._known) == {FIREFOX, "ok/1"}
    ok = device._known["ok/1"]
    assert ok.label == "[b]label[/b]" and ok.device_type is DeviceType.DESKTOP
    assert ok.browser == "OK 1" and ok.os is None


def test_the_file_keeps_the_newest_and_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(device, "MAX_REMEMBERED", 3)
    path = tmp_path / "devices.json"
    for n in range(5):
        parse_device(f"curl/{n}.0")
    device_memory.save(path)
    kept = [row[0] for row in json.loads(path.read_text())["devices"]]
    assert kept == ["curl/2.0", "curl/3.0", "curl/4.0"]


def test_the_command_line_learns_once_and_keeps_no_secret(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SESSION_TUI_CONFIG_DIR": str(tmp_path / "config"),
        "SESSION_TUI_STATE_DIR": str(tmp_path / "state"),
        "SESSION_TUI_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = [sys.executable, "-m", "session_tui", "list", "--json"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    path = tmp_path / "cache" / device_memory.FILE_NAME
    rows = json.loads(path.read_text())["devices"]
    assert rows and all(len(row) == 5 for row in rows)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "token" not in path.read_text().lower()
    assert all(s["device"] for s in json.loads(first.stdout))
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    kept = {row[0] for row in json.loads(path.read_text())["devices"]}
    assert {row[0] for row in rows} <= kept, "a later run adds to what the first learned"


def test_the_demo_remembers_although_its_history_lasts_one_run(tmp_path: Path) -> None:
    """Without SESSION_TUI_STATE_DIR the demo's history lives in a scratch directory for one
    run; the descriptions are no account's data and outlive it, in the cache directory."""
    env = {k: v for k, v in os.environ.items() if k != "SESSION_TUI_STATE_DIR"}
    env["SESSION_TUI_CACHE_DIR"] = str(tmp_path / "cache")
    command = [sys.executable, "-m", "session_tui", "list", "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cache" / device_memory.FILE_NAME).is_file()
