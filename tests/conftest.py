"""Shared test set-up: every test gets its own config and state dirs.

The fixture modules hold the real servers the tests talk to: the embedded demo service and a
real Synapse started from the installed matrix-synapse package, and a real PostgreSQL for the
shared store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "canned_rest",
    "demo_fixtures",
    "synapse_server",
    "allauth_server",
    "better_auth_server",
    "keycloak_server",
    "home_assistant_server",
    "kratos_fake",
    "auth0_fake",
    "clerk_fake",
    "authentik_fake",
    "okta_fake",
    "contract_backends",
    "fault_server",
    "hostile_rest",
    "postgres_server",
    "store_backends",
]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep tests away from the user's real config, credentials and history."""
    monkeypatch.setenv("SESSION_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SESSION_TUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SESSION_TUI_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("SESSION_TUI_TOKEN", "SESSION_TUI_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
