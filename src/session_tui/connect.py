"""Turn command-line choices and profiles into live providers, through the provider plugins.

The CLI and the app only see `OpenAccounts`; how a provider signs in is its plugin's business
(`session_tui.signin` for the built-in ones, `session_tui.registry` to find them all).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping
from typing import Any

from session_tui import registry
from session_tui.config import Profile, get_profile
from session_tui.errors import ConfigError
from session_tui.options import MAX_DEMO_SESSIONS, account_options, number
from session_tui.paths import STORE_ENV
from session_tui.plugin import DeviceSignIn, OpenAccounts, OpenRequest, Prompt, Reconnect
from session_tui.providers.base import SessionProvider

__all__ = ["OpenAccounts", "Reconnect", "logout_main", "open_accounts", "resolve_choices"]

# Flags that, when given, replace the profile's value of the same name.
_VALUE_FLAGS = (
    "provider",
    "url",
    "homeserver",
    "base_url",
    "base_path",
    "realm",
    "client_id",
    "user",
    "interval",
    "city_db",
    "asn_db",
    "retention_days",
    "demo_sessions",
    "store",
)
# Switches that, when given, turn the profile's setting on.
_SWITCH_FLAGS = ("admin", "allow_insecure_http", "read_only", "demo_reset")


def resolve_choices(args: argparse.Namespace, *, default: str = "demo") -> Profile:
    """The command line laid over the profile (a flag that was given wins), as one `Profile`.

    `name` is the profile's name, "" without one; `provider` defaults to `default`.
    """
    name = getattr(args, "profile", None)
    profile = get_profile(name) if name else Profile(name="")
    given: dict[str, Any] = {}
    for flag in _VALUE_FLAGS:
        value = getattr(args, flag, None)
        if value is not None:
            given[flag] = value
    for flag in _SWITCH_FLAGS:
        if getattr(args, flag, False):
            given[flag] = True
    if getattr(args, "watch", None):
        given["watch"] = tuple(args.watch)
    resolved = dataclasses.replace(profile, **given)
    return resolved if resolved.provider else dataclasses.replace(resolved, provider=default)


def open_accounts(
    args: argparse.Namespace,
    env: Mapping[str, str],
    *,
    prompt: Prompt | None = None,
    device: DeviceSignIn | None = None,
) -> OpenAccounts:
    if getattr(args, "demo", False) and getattr(args, "provider", None) not in (None, "demo"):
        raise ConfigError("--demo cannot be combined with --provider.")
    sessions = getattr(args, "demo_sessions", None)
    if sessions is not None and not 1 <= sessions <= MAX_DEMO_SESSIONS:
        raise ConfigError(f"--demo-sessions must be between 1 and {MAX_DEMO_SESSIONS:,}.")
    _limit_answers(args)
    choices = resolve_choices(args)
    assert choices.provider is not None
    plugin = registry.get(choices.provider)
    if choices.demo_sessions is not None and plugin.name != "demo":
        raise ConfigError("--demo-sessions is for the embedded demo, not --provider " + plugin.name)
    if choices.demo_reset and plugin.name != "demo":
        raise ConfigError("--demo-reset is for the embedded demo, not --provider " + plugin.name)
    if choices.admin and not plugin.admin:
        with_admin = ", ".join(
            f.name for f in registry.discover() if f.plugin is not None and f.plugin.admin
        )
        raise ConfigError(f"--admin (on-call mode) works with --provider {with_admin} only.")
    if choices.watch and not choices.admin:
        # Silently showing your own sessions instead of the watched accounts' would mislead.
        raise ConfigError("--watch is for on-call mode: add --admin (or `admin = true`).")
    opened = plugin.open(OpenRequest(choices, env, prompt or _terminal_prompt, device))
    if choices.read_only:
        _make_read_only(opened)
    if choices.name:
        opened.profile = choices.name
    opened.interval = choices.interval
    opened.city_db = choices.city_db
    opened.asn_db = choices.asn_db
    opened.retention_days = choices.retention_days
    opened.store = choices.store or env.get(STORE_ENV) or None
    if opened.store:  # one that is no store is refused before the first poll
        from session_tui.tracking.backend import StoreSpec

        StoreSpec.parse(opened.store)
    return opened


def _limit_answers(args: argparse.Namespace) -> None:
    """--max-response and --proxy, before the first request (sign-in included) is sent."""
    from session_tui.providers import http

    mib = number(getattr(args, "max_response", None), "--max-response")
    http.configure(max_body=int(mib * 1024 * 1024), proxy=getattr(args, "proxy", None))


def _make_read_only(opened: OpenAccounts) -> None:
    """Every provider, and every one a later "sign in again" makes, can only list."""
    from session_tui.providers.read_only import ReadOnlyProvider

    opened.providers = [ReadOnlyProvider(p) for p in opened.providers]
    opened.read_only = True
    reconnect = opened.reconnect
    if reconnect is not None:

        async def reconnect_read_only(old: SessionProvider, password: str) -> SessionProvider:
            inner = old.inner if isinstance(old, ReadOnlyProvider) else old
            return ReadOnlyProvider(await reconnect(inner, password))

        opened.reconnect = reconnect_read_only


# -- session-tui logout ---------------------------------------------------------------------


def _logout_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui logout",
        description="End the session session-tui signed in with (Matrix, allauth, Better Auth) "
        "on the server, and forget its stored token.",
        epilog="Example: session-tui logout --profile work",
    )
    account_options(parser)
    return parser


def logout_main(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    args = _logout_parser().parse_args(argv)
    # Without a provider, a homeserver means Matrix (how logout was used before others came).
    default = "matrix" if args.homeserver else ""
    choices = resolve_choices(args, default=default)
    if not choices.provider:
        raise ConfigError(
            "logout applies to a stored sign-in: session-tui logout --profile NAME, or "
            "--provider NAME with the account's options (--homeserver/--base-url and --user)."
        )
    plugin = registry.get(choices.provider)
    if plugin.logout is None:
        raise ConfigError(f"--provider {plugin.name} stores no sign-in; nothing to log out.")
    return plugin.logout(OpenRequest(choices, env or {}, _terminal_prompt))


def _terminal_prompt(text: str) -> str:
    # The sign-in code is loaded when a password is asked for, not on every start.
    from session_tui.signin.common import terminal_prompt

    return terminal_prompt(text)
