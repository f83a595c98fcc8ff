"""Named profiles from the TOML config file, so `--profile work` replaces a line of flags.

```toml
[profiles.work]
provider = "matrix"
homeserver = "https://matrix.example.org"
user = "@alice:example.org"

[profiles.shop]
provider = "allauth"            # or "better-auth"; see `session-tui --list-providers`
base_url = "https://shop.example.com"
user = "alice@example.com"

[profiles.oncall]
provider = "matrix"
homeserver = "https://matrix.example.org"
user = "@ops:example.org"
admin = true
watch = ["@bob:example.org", "@carol:example.org"]
interval = 10
retention_days = 30
store = "postgresql://oncall@db.example.com/sessions"   # the team's shared store
```

Flags on the command line win over the profile. Unknown keys are errors, because a misspelt
`alow_insecure_http` silently ignored would be worse than a refusal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from session_tui import paths, registry
from session_tui.errors import ConfigError
from session_tui.profile import Profile as Profile

_KEYS: dict[str, type | tuple[type, ...]] = {
    "provider": str,
    "homeserver": str,
    "user": str,
    "url": str,
    "base_url": str,
    "base_path": str,
    "realm": str,
    "client_id": str,
    "admin": bool,
    "watch": list,
    "interval": (int, float),
    "allow_insecure_http": bool,
    "city_db": str,
    "asn_db": str,
    "retention_days": (int, float),
    "read_only": bool,
    "store": str,
}


def _line_of(text: str, name: str, key: str | None) -> int | None:
    """The line of `key` in [profiles.NAME] (or of the table itself), for error messages."""
    section = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[] ").replace('"', "")
            if key is None and section == f"profiles.{name}":
                return number
            continue
        in_table = section == f"profiles.{name}"
        if key is not None and in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def _profile(name: str, table: Any, where: Path, text: str = "") -> Profile:
    def fail(key: str | None, what: str) -> ConfigError:
        line = _line_of(text, name, key)
        at = f"{where}:{line}" if line else str(where)
        return ConfigError(f"{at}: profile {name!r}: {what}")

    if not isinstance(table, dict):
        raise fail(None, "should be a table ([profiles.NAME]).")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise fail(
            unknown[0],
            f"unknown key(s) {', '.join(unknown)}; known keys: {', '.join(_KEYS)}.",
        )
    for key, value in table.items():
        expected = _KEYS[key]
        if isinstance(value, bool) and expected is not bool:
            expected_ok = False
        else:
            expected_ok = isinstance(value, expected)
        if not expected_ok:
            raise fail(key, f"{key} has the wrong type ({_type_word(expected)} expected).")
    watch = table.get("watch", [])
    if not all(isinstance(w, str) and w for w in watch):
        raise fail("watch", "watch must be a list of user ids.")
    provider = table.get("provider")
    if provider is not None and provider not in registry.names():
        raise fail("provider", f"provider must be one of {', '.join(registry.names())}.")
    interval = table.get("interval")
    if interval is not None and interval <= 0:
        raise fail("interval", "interval must be positive.")
    retention = table.get("retention_days")
    if retention is not None and retention <= 0:
        raise fail("retention_days", "retention_days must be positive.")
    city_db, asn_db = table.get("city_db"), table.get("asn_db")
    return Profile(
        name=name,
        provider=provider,
        homeserver=table.get("homeserver"),
        user=table.get("user"),
        url=table.get("url"),
        base_url=table.get("base_url"),
        base_path=table.get("base_path"),
        admin=table.get("admin", False),
        watch=tuple(watch),
        interval=float(interval) if interval is not None else None,
        allow_insecure_http=table.get("allow_insecure_http", False),
        city_db=Path(city_db).expanduser() if city_db else None,
        asn_db=Path(asn_db).expanduser() if asn_db else None,
        retention_days=float(retention) if retention is not None else None,
        read_only=table.get("read_only", False),
        store=table.get("store") or None,
    )


def _type_word(expected: Any) -> str:
    names = {str: "a string", bool: "true or false", list: "a list", (int, float): "a number"}
    return names.get(expected, "another type")


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    """Every profile in the config file; no file means no profiles, not an error."""
    where = path if path is not None else paths.config_file()
    try:
        raw = where.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read {where}: {exc.strerror}.") from exc
    import tomllib  # only when there is a file: most starts have none (~2 ms)

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}.") from exc
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{where}: 'profiles' should be a table of [profiles.NAME] tables.")
    text = raw.decode("utf-8")
    return {name: _profile(name, table, where, text) for name, table in profiles.items()}


def get_profile(name: str, path: Path | None = None) -> Profile:
    where = path if path is not None else paths.config_file()
    profiles = load_profiles(where)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"No profile {name!r} in {where} (known profiles: {known}).")
    return profiles[name]


THEME_LINE = re.compile(r"^theme\s*=.*$", re.MULTILINE)


def top_level(path: Path | None = None) -> dict[str, str]:
    """The config file's top-level text settings (before its first table), read once:
    `theme = "NAME"` (a Textual theme) and `operator = "…"` (who this engineer is in a shared
    audit trail; the OS user and host when unset, `tracking.audit.default_operator`)."""
    where = path if path is not None else paths.config_file()
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}  # none, or load_profiles reports it; a setting is not worth failing for
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and v}


def load_theme(path: Path | None = None) -> str | None:
    """The top-level `theme = "NAME"` (a Textual theme), or None."""
    return top_level(path).get("theme")


def load_operator(path: Path | None = None) -> str | None:
    """The top-level `operator = "…"`, or None."""
    return top_level(path).get("operator")


def save_theme(theme: str, path: Path | None = None) -> Path:
    """Keep `theme = "NAME"` at the top of the config file, leaving the rest as it was."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", theme):
        raise ConfigError(f"Not a theme name: {theme!r}.")
    where = path if path is not None else paths.config_file()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    line = f'theme = "{theme}"'
    head, sep, rest = text.partition("\n[")  # top-level keys come before the first table
    if THEME_LINE.search(head):
        head = THEME_LINE.sub(line, head, count=1)
    else:
        head = f"{line}\n{head}" if head else line + "\n"
    new = head + sep + rest
    return paths.write_private(where, new if new.endswith("\n") else new + "\n")
