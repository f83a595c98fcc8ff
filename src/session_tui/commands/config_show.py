"""`session-tui config show`: the configuration a run would use, and where each part came from.

The config file's path, the profile, and every setting with the flags laid over the profile
(what `--profile NAME --interval 10` really means), then the environment and the files
session-tui keeps. Secrets are never printed: a token or password in the environment reads
"set (hidden)", the credentials file only says how many sign-ins it holds, and a shared
store's URL is shown without its password.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from session_tui import exit_codes, paths
from session_tui.commands.common import command_parser
from session_tui.connect import resolve_choices
from session_tui.console import json_text, show
from session_tui.enrich.datasets import described
from session_tui.errors import ConfigError
from session_tui.options import CLIENT_SECRET_ENV, LIMITS, PASSWORD_ENV, TOKEN_ENV, Parser
from session_tui.tracking.backend import StoreSpec

HIDDEN = "set (hidden)"


def parser() -> Parser:
    p = command_parser(
        "config",
        "Show the effective configuration: the config file, the profile, and the flags laid "
        "over it, with secrets masked.",
        ["session-tui config show", "session-tui config show --profile work --interval 10"],
    )
    p.add_argument("action", choices=("show",), help="what to do (show)")
    p.add_argument("--json", action="store_true", help="as one JSON object")
    return p


def main(argv: list[str], out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    shown = effective(args)
    if args.json:
        out.write(json_text(shown, default=_json_value) + "\n")
        return exit_codes.OK
    for section, values in shown.items():
        show(f"{section}:", out)
        width = max((len(k) for k in values), default=0)
        for key, value in values.items():
            show(f"  {key:<{width}}  {_text(value)}", out)
    return exit_codes.OK


def effective(args: Any) -> dict[str, dict[str, Any]]:
    config = paths.config_file()
    choices = resolve_choices(args)  # ConfigError names the file, line and key when it is bad
    settings = {
        f.name: _effective(f.name, getattr(choices, f.name))
        for f in dataclasses.fields(choices)
        if f.name != "name"
    }
    store = choices.store or os.environ.get(paths.STORE_ENV)
    settings["store"] = _store(store) if store else Default(None, _store(None))
    return {
        "config": {
            "file": str(config),
            "exists": config.exists(),
            "profile": choices.name or None,
            "operator": _operator(),
        },
        "settings": settings,
        "environment": {
            TOKEN_ENV: HIDDEN if os.environ.get(TOKEN_ENV) else "not set",
            PASSWORD_ENV: HIDDEN if os.environ.get(PASSWORD_ENV) else "not set",
            CLIENT_SECRET_ENV: HIDDEN if os.environ.get(CLIENT_SECRET_ENV) else "not set",
            paths.CONFIG_DIR_ENV: os.environ.get(paths.CONFIG_DIR_ENV) or "not set",
            paths.STATE_DIR_ENV: os.environ.get(paths.STATE_DIR_ENV) or "not set",
            paths.STORE_ENV: _store(os.environ.get(paths.STORE_ENV) or None, "not set"),
        },
        "files": {
            "state directory": str(paths.state_dir()),
            "credentials": _credentials(),
            "audit log": "in the shared store"
            if StoreSpec.parse(store).shared
            else str(paths.audit_file()),
        },
        "risk data": described(choices.city_db, choices.asn_db, datetime.now(UTC).date()),
    }


@dataclasses.dataclass(frozen=True)
class Default:
    """A setting nobody set: the value a run uses ("5 (default)"); `words` where that value is
    "none" in JSON but deserves a sentence on screen."""

    value: Any
    words: str = ""

    def __str__(self) -> str:
        return f"{self.words or _text(self.value)} (default)"


# What a run uses for a setting left unset.
_DEFAULTS: dict[str, Default] = {
    "interval": Default(LIMITS["--interval"][0]),
    "retention_days": Default(LIMITS["--retention-days"][0]),
    "demo_sessions": Default(None, "the demo's own account"),
    "city_db": Default(None, "none: countries only, from the server or the IP"),
    "asn_db": Default(None, "none: networks by address block (/24, /48)"),
}


def _store(value: str | None, unset: str = "") -> str:
    """Where the history goes, never with a password (a URL is shown without it)."""
    if not value:
        return unset or "the profile's SQLite file, on this machine"
    spec = StoreSpec.parse(value)
    if spec.url is None:
        return str(spec.path)
    from session_tui.tracking.postgres import shown

    return f"{shown(spec.url)} (shared)"


def _operator() -> Any:
    """Who this is in the audit trail: the config's `operator`, else the OS user and host."""
    from session_tui.config import load_operator
    from session_tui.tracking.audit import default_operator, operator_name

    configured = load_operator()
    return operator_name(configured) if configured else Default(default_operator())


def _effective(name: str, value: Any) -> Any:
    if value is None and name in _DEFAULTS:
        return _DEFAULTS[name]
    return value


def _credentials() -> str:
    path = paths.credentials_file()
    if not path.exists():
        return f"{path} (none stored)"
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        entries = json.loads(path.read_text(encoding="utf-8")).get("credentials", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(f"Cannot read the credentials file {path}: {exc}.") from None
    count = len(entries) if isinstance(entries, dict) else 0
    return f"{path} (mode {mode:04o}, {count} stored sign-in{'s' if count != 1 else ''})"


def _json_value(value: Any) -> Any:
    """A default is its value in JSON (what a run uses); anything else as text."""
    return value.value if isinstance(value, Default) else str(value)


def _masked(value: Any) -> Any:
    """A URL with something before an "@" may carry a password: never print that part."""
    if isinstance(value, str) and "://" in value and "@" in value.split("://", 1)[1]:
        scheme, rest = value.split("://", 1)
        return f"{scheme}://[hidden]@{rest.rsplit('@', 1)[1]}"
    return value


def _text(value: Any) -> str:
    if value is None or value == ():
        return "not set"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)
