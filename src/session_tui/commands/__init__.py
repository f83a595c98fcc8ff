"""The commands for scripts and runbooks (`session-tui list`, `revoke`, `watch`, `history`,
`config`): a plain view of the same engine the dashboard shows."""

from __future__ import annotations

import importlib

_MODULES = {
    "list": "listing",
    "revoke": "revoking",
    "trust": "trusting",
    "watch": "watching",
    "history": "history",
    "config": "config_show",
}


def run(name: str, argv: list[str]) -> int:
    module = importlib.import_module(f"session_tui.commands.{_MODULES[name]}")
    return int(module.main(argv))
