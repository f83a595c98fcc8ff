"""Finding providers: every plugin in the `session_tui.providers` entry-point group.

The built-in providers are entry points of this package too, so the code that opens them is
the code that opens anyone's plugin. A plugin that fails to import is reported by name (in
`--list-providers` and when asked for), never allowed to break the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

from session_tui.errors import ConfigError
from session_tui.plugin import ProviderPlugin

ENTRY_POINT_GROUP = "session_tui.providers"


@dataclass(frozen=True)
class Found:
    """One entry point: the plugin it gave, or why it gave none."""

    name: str
    source: str  # "package:object", as registered
    distribution: str | None
    plugin: ProviderPlugin | None
    problem: str | None = None


def _load(ep) -> Found:
    dist = ep.dist.name if ep.dist is not None else None
    try:
        plugin = ep.load()
    except Exception as exc:  # someone else's package: say what broke, keep the rest
        return Found(ep.name, ep.value, dist, None, f"failed to load: {type(exc).__name__}")
    if not isinstance(plugin, ProviderPlugin):
        return Found(ep.name, ep.value, dist, None, "is not a session_tui.plugin.ProviderPlugin")
    if plugin.name != ep.name:
        return Found(ep.name, ep.value, dist, None, f"calls itself {plugin.name!r}")
    return Found(ep.name, ep.value, dist, plugin)


@cache
def discover() -> tuple[Found, ...]:
    """Every registered provider, sorted by name; the first registration of a name wins."""
    seen: dict[str, Found] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in seen:
            seen[ep.name] = _load(ep)
    return tuple(seen[name] for name in sorted(seen))


def names() -> list[str]:
    return [f.name for f in discover() if f.plugin is not None]


def get(name: str) -> ProviderPlugin:
    # Only the named plugin is loaded (each one imports its provider's code); the others are
    # loaded to list them when the name is unknown.
    ep = next(iter(entry_points(group=ENTRY_POINT_GROUP, name=name)), None)
    if ep is not None:  # the first registration of a name wins, as in `discover`
        found = _load(ep)
        if found.plugin is None:
            raise ConfigError(f"The provider {name!r} ({found.source}) {found.problem}.")
        return found.plugin
    for found in discover():
        if found.name == name:
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
