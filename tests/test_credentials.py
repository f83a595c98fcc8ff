"""The credentials file: 0600 in a 0700 directory, whatever was there before."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from session_tui import credentials, paths
from session_tui.credentials import StoredCredential, credential_key
from session_tui.errors import ConfigError

TOKEN = "syt_secret_token_value"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cred(user: str = "@alice:example.org") -> StoredCredential:
    return StoredCredential("https://matrix.example.org", user, TOKEN, "DEVICE1")


def test_save_load_remove_round_trip() -> None:
    key = credential_key("https://matrix.example.org/", "@alice:example.org")
    assert key == credential_key("https://matrix.example.org", "@alice:example.org")
    assert credentials.load(key) is None
    path = credentials.save(key, cred())
    assert path == paths.credentials_file()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    loaded = credentials.load(key)
    assert loaded is not None
    assert loaded.access_token == TOKEN
    assert loaded.device_id == "DEVICE1"
    assert loaded.created_at  # stamped on save
    assert TOKEN not in repr(loaded)
    other = credential_key("https://matrix.example.org", "@bob:example.org")
    credentials.save(other, cred("@bob:example.org"))
    assert credentials.remove(key) is not None
    assert credentials.load(key) is None
    assert credentials.load(other) is not None
    assert credentials.remove(key) is None


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_refused_with_the_fix(loose: int) -> None:
    path = credentials.save("k", cred())
    path.chmod(loose)
    with pytest.raises(ConfigError) as caught:
        credentials.load("k")
    message = str(caught.value)
    assert f"chmod 600 {path}" in message and f"{loose:04o}" in message
    assert TOKEN not in message
    assert mode(path) == loose  # not silently changed: the user decides
    path.chmod(0o600)
    loaded = credentials.load("k")  # usable again once fixed
    assert loaded is not None and loaded.access_token == TOKEN


def test_the_directory_is_made_private_when_written() -> None:
    path = paths.credentials_file()
    path.parent.mkdir(parents=True, mode=0o755)
    path.parent.chmod(0o755)
    credentials.save("k", cred())
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert not list(path.parent.glob(".*.tmp"))


def test_a_damaged_file_is_a_config_error_without_its_contents() -> None:
    path = paths.credentials_file()
    path.parent.mkdir(parents=True)
    path.write_text(f'{{"credentials": "{TOKEN}"')
    with pytest.raises(ConfigError) as caught:
        credentials.load("k")
    assert TOKEN not in str(caught.value)
    assert "damaged" in str(caught.value)
