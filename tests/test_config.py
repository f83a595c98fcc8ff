"""Profiles from the TOML config file, and how command-line flags override them."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_tui import paths
from session_tui.cli import build_parser
from session_tui.config import get_profile, load_profiles
from session_tui.connect import resolve_choices
from session_tui.errors import ConfigError

CONFIG = """
[profiles.work]
provider = "matrix"
homeserver = "https://matrix.example.org"
user = "@alice:example.org"
interval = 10
city_db = "~/geo/city.mmdb"

[profiles.oncall]
provider = "matrix"
homeserver = "https://matrix.example.org"
user = "@ops:example.org"
admin = true
watch = ["@bob:example.org", "@carol:example.org"]
allow_insecure_http = true
"""


def write_config(text: str) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_profiles_load_from_the_config_dir() -> None:
    write_config(CONFIG)
    profiles = load_profiles()
    assert set(profiles) == {"work", "oncall"}
    work = profiles["work"]
    assert (work.provider, work.homeserver, work.user) == (
        "matrix",
        "https://matrix.example.org",
        "@alice:example.org",
    )
    assert work.interval == 10.0
    assert work.city_db == Path("~/geo/city.mmdb").expanduser()
    assert not work.admin
    oncall = profiles["oncall"]
    assert oncall.admin and oncall.allow_insecure_http
    assert oncall.watch == ("@bob:example.org", "@carol:example.org")


def test_no_config_file_means_no_profiles() -> None:
    assert load_profiles() == {}


def test_an_unknown_profile_lists_the_known_ones() -> None:
    write_config(CONFIG)
    with pytest.raises(ConfigError) as caught:
        get_profile("home")
    assert "'home'" in str(caught.value)
    assert "oncall, work" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[profiles.x]\nhomesever = 'https://a'\n", "homesever"),
        ("[profiles.x]\nadmin = 'yes'\n", "admin"),
        ("[profiles.x]\ninterval = true\n", "interval"),
        ("[profiles.x]\ninterval = -1\n", "interval"),
        ("[profiles.x]\nwatch = [1]\n", "watch"),
        ("[profiles.x]\nprovider = 'ldap'\n", "provider"),
        ("[profiles\n", "not valid TOML"),
        ("profiles = 3\n", "profiles"),
    ],
)
def test_mistakes_in_the_file_are_config_errors(text: str, words: str) -> None:
    write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_profiles()
    assert words in str(caught.value)


def test_flags_override_the_profile() -> None:
    write_config(CONFIG)
    args = build_parser().parse_args(
        ["--profile", "work", "--user", "@alice2:example.org", "--interval", "3", "--admin"]
    )
    choices = resolve_choices(args)
    assert choices.name == "work"
    assert choices.provider == "matrix"
    assert choices.homeserver == "https://matrix.example.org"
    assert choices.user == "@alice2:example.org"
    assert choices.interval == 3
    assert choices.admin
    assert choices.city_db == Path("~/geo/city.mmdb").expanduser()


def test_watch_flags_replace_the_profile_list() -> None:
    write_config(CONFIG)
    plain = resolve_choices(build_parser().parse_args(["--profile", "oncall"]))
    assert plain.watch == ("@bob:example.org", "@carol:example.org")
    assert plain.allow_insecure_http
    flagged = resolve_choices(
        build_parser().parse_args(["--profile", "oncall", "--watch", "@dave:example.org"])
    )
    assert flagged.watch == ("@dave:example.org",)


def test_without_a_profile_the_flags_alone_count() -> None:
    choices = resolve_choices(build_parser().parse_args([]))
    assert choices.provider == "demo"
    assert choices.name == ""
