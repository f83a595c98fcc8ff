"""Providers are plugins: found through the `session_tui.providers` entry points, built-ins too.

A third-party plugin is simulated the way pip installs one: a package directory and a
`.dist-info` with `entry_points.txt`, on sys.path.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_tui import registry
from session_tui.cli import build_parser, main
from session_tui.config import load_profiles
from session_tui.connect import open_accounts, resolve_choices
from session_tui.errors import ConfigError

BUILT_IN = {"allauth", "better-auth", "demo", "matrix", "rest"}


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path where a test can 'install' a plugin distribution."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    registry.discover.cache_clear()
    yield site
    registry.discover.cache_clear()


def install(site: Path, dist: str, entry_points: str, modules: dict[str, str]) -> None:
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[session_tui.providers]\n" + textwrap.dedent(entry_points)
    )
    for name, source in modules.items():
        (site / f"{name}.py").write_text(textwrap.dedent(source))


ACME = """
    from session_tui.plugin import OpenAccounts, ProviderPlugin
    from session_tui.providers.rest import RestProvider

    def open_acme(request):
        url = request.choices.base_url
        return OpenAccounts([RestProvider(url, request.env["SESSION_TUI_TOKEN"])], "acme")

    PLUGIN = ProviderPlugin(name="acme", summary="Acme Cloud accounts", open=open_acme,
                            options=("base_url",))
    NOT_A_PLUGIN = object()
"""


def test_the_built_in_providers_register_through_entry_points() -> None:
    found = {f.name: f for f in registry.discover()}
    assert set(found) >= BUILT_IN
    for name in BUILT_IN:
        assert found[name].plugin is not None and found[name].distribution == "session-tui"
        assert found[name].source.startswith("session_tui.signin.")


def test_the_built_in_table_is_the_packages_own_entry_points() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["session_tui.providers"] == registry.BUILT_IN


def test_another_package_cannot_take_a_built_in_name(installed: Path) -> None:
    install(
        installed,
        "shadow",
        "matrix = shadow_plugin:PLUGIN\n",
        {
            "shadow_plugin": """
            from session_tui.plugin import ProviderPlugin
            PLUGIN = ProviderPlugin(name="matrix", summary="not Matrix", open=print)
            """
        },
    )
    assert registry.get("matrix").summary != "not Matrix"
    found = {f.name: f for f in registry.discover()}
    assert found["matrix"].distribution == "session-tui"


def test_list_providers_names_every_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-providers"]) == 0
    out = capsys.readouterr().out
    for name in BUILT_IN:
        assert f"\n{name}  [session-tui]" in f"\n{out}"
    assert "--base-url" in out and "on-call mode" in out


async def test_a_third_party_plugin_opens_like_a_built_in(
    installed: Path, demo_service, capsys: pytest.CaptureFixture[str]
) -> None:
    install(
        installed,
        "session_tui_acme",
        "acme = acme_plugin:PLUGIN\nbroken = acme_missing:PLUGIN\nodd = acme_plugin:NOT_A_PLUGIN\n",
        {"acme_plugin": ACME},
    )
    assert "acme" in registry.names()
    args = build_parser().parse_args(["--provider", "acme", "--base-url", demo_service.url])
    opened = open_accounts(args, {"SESSION_TUI_TOKEN": demo_service.token})
    try:
        listed = await opened.providers[0].list_sessions()
    finally:
        await opened.providers[0].aclose()
    assert {s.id for s in listed} == demo_service.state.session_ids()
    # Broken plugins are named, and the others still work.
    assert main(["--list-providers"]) == 0
    out = capsys.readouterr().out
    assert "acme  [session_tui_acme]" in out and "Acme Cloud accounts" in out
    assert "broken  (acme_missing:PLUGIN) failed to load: ModuleNotFoundError" in out
    assert "odd  (acme_plugin:NOT_A_PLUGIN) is not a session_tui.plugin.ProviderPlugin" in out
    with pytest.raises(ConfigError, match="failed to load"):
        registry.get("broken")


def test_an_unknown_provider_names_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match=r"Unknown provider 'nope'.*allauth.*better-auth"):
        open_accounts(build_parser().parse_args(["--provider", "nope"]), {})


def test_profiles_take_the_new_providers_and_their_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.shop]\nprovider = "better-auth"\nbase_url = "https://shop.example.com"\n'
        'base_path = "/auth"\nuser = "alice@example.com"\n'
        '[profiles.bad]\nprovider = "nope"\n'
    )
    with pytest.raises(ConfigError, match=r"provider must be one of .*better-auth"):
        load_profiles(config)
    config.write_text(config.read_text().split("[profiles.bad]")[0])
    shop = load_profiles(config)["shop"]
    assert (shop.provider, shop.base_url, shop.base_path) == (
        "better-auth",
        "https://shop.example.com",
        "/auth",
    )


def test_flags_win_over_the_profile_for_the_new_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from session_tui import paths

    paths.config_dir().mkdir(parents=True)
    paths.config_file().write_text(
        '[profiles.shop]\nprovider = "allauth"\nbase_url = "https://shop.example.com"\n'
    )
    args = build_parser().parse_args(["--profile", "shop", "--base-url", "https://b.example"])
    assert resolve_choices(args).base_url == "https://b.example"


def test_the_console_script_lists_providers() -> None:
    script = Path(sys.executable).with_name("session-tui")
    done = subprocess.run([script, "--list-providers"], capture_output=True, text=True, check=True)
    assert "better-auth" in done.stdout and "allauth" in done.stdout
