"""Finding providers: every plugin in the `session_tui.providers` entry-point group.

The built-in providers are entry points of this package too, and the code that loads and checks
them (`_checked`) is the code that loads and checks anyone's plugin. A plugin that fails to
import is reported by name (in `--list-providers` and when asked for), never allowed to break
the others.

A built-in name always means the built-in provider: another package cannot take `matrix` (a
package that shadowed it would be handed the user's Matrix password). So `get` opens a built-in
one straight from `BUILT_IN` without reading every installed package's metadata: importing
`importlib.metadata` and scanning the entry points was ~20 ms of every start.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from session_tui.errors import ConfigError
from session_tui.plugin import ProviderPlugin

ENTRY_POINT_GROUP = "session_tui.providers"

# This package's own registrations, as pyproject.toml lists them (a test holds the two equal).
BUILT_IN: dict[str, str] = {
    "demo": "session_tui.signin.demo:DEMO",
    "rest": "session_tui.signin.demo:REST",
    "matrix": "session_tui.signin.matrix:PLUGIN",
    "allauth": "session_tui.signin.allauth:PLUGIN",
    "better-auth": "session_tui.signin.better_auth:PLUGIN",
    "keycloak": "session_tui.signin.keycloak:PLUGIN",
    "home-assistant": "session_tui.signin.home_assistant:PLUGIN",
    "kratos": "session_tui.signin.kratos:PLUGIN",
    "auth0": "session_tui.signin.auth0:PLUGIN",
    "clerk": "session_tui.signin.clerk:PLUGIN",
    "authentik": "session_tui.signin.authentik:PLUGIN",
    "okta": "session_tui.signin.okta:PLUGIN",
}
DISTRIBUTION = "session-tui"


def _entry_points(name: str | None = None) -> Any:
    from importlib.metadata import entry_points

    if name is None:
        return entry_points(group=ENTRY_POINT_GROUP)
    return entry_points(group=ENTRY_POINT_GROUP, name=name)


@dataclass(frozen=True)
class Found:
    """One entry point: the plugin it gave, or why it gave none."""

    name: str
    source: str  # "package:object", as registered
    distribution: str | None
    plugin: ProviderPlugin | None
    problem: str | None = None


def _load(ep: Any) -> Found:
    dist = ep.dist.name if ep.dist is not None else None
    return _checked(ep.name, ep.value, dist, ep.load)


def _built_in(name: str) -> Found:
    source = BUILT_IN[name]

    def load() -> object:
        module, _, attribute = source.partition(":")
        return getattr(importlib.import_module(module), attribute)

    return _checked(name, source, DISTRIBUTION, load)


def _checked(name: str, source: str, dist: str | None, load: Any) -> Found:
    try:
        plugin = load()
    except Exception as exc:  # someone else's package: say what broke, keep the rest
        return Found(name, source, dist, None, f"failed to load: {type(exc).__name__}")
    if not isinstance(plugin, ProviderPlugin):
        return Found(name, source, dist, None, "is not a session_tui.plugin.ProviderPlugin")
    if plugin.name != name:
        return Found(name, source, dist, None, f"calls itself {plugin.name!r}")
    return Found(name, source, dist, plugin)


@cache
def discover() -> tuple[Found, ...]:
    """Every registered provider, sorted by name: the built-in ones, then for any other name
    its first registration."""
    seen: dict[str, Found] = {name: _built_in(name) for name in BUILT_IN}
    for ep in _entry_points():
        if ep.name not in seen:
            seen[ep.name] = _load(ep)
    return tuple(seen[name] for name in sorted(seen))


def names() -> list[str]:
    return [f.name for f in discover() if f.plugin is not None]


def get(name: str) -> ProviderPlugin:
    # Only the named plugin is loaded (each one imports its provider's code); the others are
    # loaded to list them when the name is unknown.
    found: Found | None
    if name in BUILT_IN:
        found = _built_in(name)
    else:
        ep = next(iter(_entry_points(name=name)), None)
        found = _load(ep) if ep is not None else None  # the first registration wins
    if found is not None:
        if found.plugin is None:
            raise ConfigError(f"The provider {name!r} ({found.source}) {found.problem}.")
        return found.plugin
    known = ", ".join(names()) or "none"
    raise ConfigError(
        f"Unknown provider {name!r} (installed: {known}; see session-tui --list-providers)."
    )


def describe() -> str:
    """The text of `session-tui --list-providers`: one block per provider."""
    lines: list[str] = []
    for found in discover():
        origin = f"  [{found.distribution}]" if found.distribution else ""
        if found.plugin is None:
            lines.append(f"{found.name}  ({found.source}) {found.problem}{origin}")
            continue
        plugin = found.plugin
        lines.append(f"{plugin.name}{origin}")
        lines.append(f"    {plugin.summary}")
        extra = []
        if plugin.options:
            extra.append("options: " + ", ".join(_flag(o) for o in plugin.options))
        if plugin.admin:
            extra.append("on-call mode: --admin --watch")
        if plugin.logout is not None:
            extra.append("logout")
        if extra:
            lines.append("    " + "; ".join(extra))
    return "\n".join(lines) if lines else "No providers are installed."


def _flag(option: str) -> str:
    return "--" + option.replace("_", "-")
