"""Turn command-line choices (and later profiles and stored credentials) into live providers.

The CLI and the app only see `OpenAccounts`; how a provider was signed in stays here.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from session_tui.errors import ConfigError
from session_tui.providers.base import SessionProvider

# Sign in again with this password after our own credential stopped working (AuthExpired);
# returns the new provider, raises WrongPassword (retry) or another ProviderError.
Reconnect = Callable[[SessionProvider, str], Awaitable[SessionProvider]]


@dataclass
class OpenAccounts:
    """The providers the app shows, and how to undo what opening them started."""

    providers: list[SessionProvider]
    profile: str
    interval: float | None = None
    # None where signing in again from inside the app is not possible (demo, token-only REST).
    reconnect: Reconnect | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


def open_accounts(args: argparse.Namespace, env: Mapping[str, str]) -> OpenAccounts:
    provider = args.provider or "demo"
    if args.demo and args.provider not in (None, "demo"):
        raise ConfigError("--demo cannot be combined with --provider.")
    if provider == "demo":
        return _open_demo()
    if provider == "rest":
        return _open_rest(args, env)
    raise ConfigError(f"Unknown provider {provider!r}.")


def _open_demo() -> OpenAccounts:
    from session_tui.demo.server import DemoService
    from session_tui.providers.rest import RestProvider

    service = DemoService()
    service.start()
    provider = RestProvider(service.url, service.token)
    return OpenAccounts([provider], profile="demo", cleanups=[service.stop])


def _open_rest(args: argparse.Namespace, env: Mapping[str, str]) -> OpenAccounts:
    from session_tui.cli import TOKEN_ENV
    from session_tui.providers.rest import RestProvider

    if not args.url:
        raise ConfigError("--provider rest needs --url URL.")
    token = env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider rest needs an access token in {TOKEN_ENV}.")
    provider = RestProvider(args.url, token, allow_insecure_http=args.allow_insecure_http)
    return OpenAccounts([provider], profile=args.profile or "rest")


def logout_main(argv: list[str]) -> int:
    raise ConfigError("logout applies to Matrix accounts: session-tui logout --profile NAME")
