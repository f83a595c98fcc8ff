"""What a provider plugin gives session-tui, and what it gets: the whole public surface.

A plugin is a `ProviderPlugin` registered in the `session_tui.providers` entry-point group
(see `session_tui.registry` and docs/providers.md). The built-in providers register the same
way, so a company's own API is a first-class citizen: `pip install session-tui-acme` and
`session-tui --provider acme` works, with profiles, credentials, history and the audit trail.

This module imports nothing heavy: `--list-providers` and `--help` load every plugin object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from session_tui.profile import Profile
    from session_tui.providers.base import SessionProvider

# Sign in again with this password after our own credential stopped working (AuthExpired);
# returns the new provider, raises WrongPassword (retry) or another ProviderError.
Reconnect = Callable[["SessionProvider", str], Awaitable["SessionProvider"]]
# Asks for a password without echo; gets the prompt text.
Prompt = Callable[[str], str]


@dataclass(frozen=True)
class DeviceCodePrompt:
    """A device sign-in (OAuth 2.0 device grant) to show the user while it waits: where to
    sign in, the link to open and the code to approve."""

    where: str  # "acme on https://sso.example.com"
    link: str
    user_code: str


# Shows a device sign-in while `wait` (blocking) asks the server after it; returns what `wait`
# returned, or raises what it raised. The command line prints it; the dashboard shows a screen.
DeviceSignIn = Callable[[DeviceCodePrompt, Callable[[], Any]], Any]


@dataclass
class OpenAccounts:
    """The providers the app shows, and how to undo what opening them started."""

    providers: list[SessionProvider]
    profile: str
    interval: float | None = None
    # None where signing in again from inside the app is not possible (demo, token-only REST).
    reconnect: Reconnect | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    city_db: Path | None = None  # from the profile, when the command line gave none
    asn_db: Path | None = None  # likewise
    retention_days: float | None = None  # history kept this long (profile or flag)
    read_only: bool = False  # the providers are ReadOnlyProviders: nothing can be changed
    store: str | None = None  # where the history goes: a file, postgresql://…, None the default

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


@dataclass(frozen=True)
class OpenRequest:
    """Everything a plugin needs to open accounts: the choices (profile with the flags laid
    over it), the environment (`SESSION_TUI_TOKEN`, `SESSION_TUI_PASSWORD`), and a prompt that
    asks for a password on the terminal (it raises ConfigError where there is none)."""

    choices: Profile
    env: Mapping[str, str]
    prompt: Prompt
    device: DeviceSignIn | None = None  # None: print the link and code on stderr, and wait


@dataclass(frozen=True)
class ProviderPlugin:
    """One session API session-tui can talk to.

    `open` turns a request into signed-in providers (it may prompt; it raises ConfigError for
    missing options and ProviderError subclasses for the server's refusals). `logout`, where
    the API has one, ends the session session-tui stored for the account and forgets it; it
    returns the process exit code. `options` names the `Profile` fields the plugin reads, for
    `--list-providers`; `admin` says whether it has an on-call mode (`--admin --watch`).
    """

    name: str
    summary: str
    open: Callable[[OpenRequest], OpenAccounts]
    logout: Callable[[OpenRequest], int] | None = None
    options: tuple[str, ...] = ()
    admin: bool = False
