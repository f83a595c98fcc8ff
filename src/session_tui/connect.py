"""Turn command-line choices, profiles and stored credentials into live providers.

The CLI and the app only see `OpenAccounts`; how a provider was signed in stays here.

Matrix credentials are tried in a fixed order: `SESSION_TUI_TOKEN`, then the token stored by an
earlier password login, then a password (`SESSION_TUI_PASSWORD`, else a prompt without echo,
before the app takes over the terminal). A password login creates a device named
"session-tui on <hostname>" and stores its token, never the password, in a 0600 file; the
password leaves the process environment as soon as it is read, so no child process inherits it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from session_tui import credentials, paths
from session_tui.config import Profile, get_profile
from session_tui.errors import AuthExpired, ConfigError, WrongPassword
from session_tui.providers.base import SessionProvider

# Sign in again with this password after our own credential stopped working (AuthExpired);
# returns the new provider, raises WrongPassword (retry) or another ProviderError.
Reconnect = Callable[[SessionProvider, str], Awaitable[SessionProvider]]
# Asks for a password without echo; gets the prompt text.
Prompt = Callable[[str], str]

PASSWORD_TRIES = 3


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
    retention_days: float | None = None  # history kept this long (profile or flag)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


# Flags that, when given, replace the profile's value of the same name.
_VALUE_FLAGS = ("provider", "url", "homeserver", "user", "interval", "city_db", "retention_days")
# Switches that, when given, turn the profile's setting on.
_SWITCH_FLAGS = ("admin", "allow_insecure_http")


def resolve_choices(args: argparse.Namespace) -> Profile:
    """The command line laid over the profile (a flag that was given wins), as one `Profile`.

    `name` is the profile's name, "" without one; `provider` defaults to the demo.
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
    return resolved if resolved.provider else dataclasses.replace(resolved, provider="demo")


def open_accounts(
    args: argparse.Namespace, env: Mapping[str, str], *, prompt: Prompt | None = None
) -> OpenAccounts:
    if getattr(args, "demo", False) and args.provider not in (None, "demo"):
        raise ConfigError("--demo cannot be combined with --provider.")
    choices = resolve_choices(args)
    if choices.admin and choices.provider != "matrix":
        raise ConfigError("--admin (on-call mode) works with --provider matrix only.")
    if choices.watch and not choices.admin:
        # Silently showing your own sessions instead of the watched accounts' would mislead.
        raise ConfigError("--watch is for on-call mode: add --admin (or `admin = true`).")
    if choices.provider == "demo":
        opened = _open_demo()
    elif choices.provider == "rest":
        opened = _open_rest(choices, env)
    elif choices.provider == "matrix":
        opened = _open_matrix(choices, env, prompt)
    else:
        raise ConfigError(f"Unknown provider {choices.provider!r}.")
    if choices.name:
        opened.profile = choices.name
    opened.interval = choices.interval
    opened.city_db = choices.city_db
    opened.retention_days = choices.retention_days
    return opened


def _open_demo() -> OpenAccounts:
    from session_tui.demo.server import DemoService
    from session_tui.providers.rest import RestProvider

    cleanups: list[Callable[[], None]] = []
    if not os.environ.get(paths.STATE_DIR_ENV):
        # The demo invents a new account every run: its history and audit trail live for the
        # run only, so they neither pile up in the user's state dir nor mix with real accounts.
        scratch = tempfile.mkdtemp(prefix="session-tui-demo-")
        os.environ[paths.STATE_DIR_ENV] = scratch

        def forget_scratch() -> None:
            os.environ.pop(paths.STATE_DIR_ENV, None)
            shutil.rmtree(scratch, ignore_errors=True)

        cleanups.append(forget_scratch)
    service = DemoService()
    service.start()
    cleanups.append(service.stop)
    provider = RestProvider(service.url, service.token)
    return OpenAccounts([provider], profile="demo", cleanups=cleanups)


def _open_rest(choices: Profile, env: Mapping[str, str]) -> OpenAccounts:
    from session_tui.cli import TOKEN_ENV
    from session_tui.providers.rest import RestProvider

    if not choices.url:
        raise ConfigError("--provider rest needs --url URL.")
    token = env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider rest needs an access token in {TOKEN_ENV}.")
    provider = RestProvider(choices.url, token, allow_insecure_http=choices.allow_insecure_http)
    return OpenAccounts([provider], profile="rest")


# -- Matrix -------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(f"session-tui: {message}", file=sys.stderr)


def _terminal_prompt(text: str) -> str:
    if not sys.stdin.isatty():
        from session_tui.cli import PASSWORD_ENV, TOKEN_ENV

        raise ConfigError(
            f"No credentials and no terminal to ask for a password: set {TOKEN_ENV} "
            f"or {PASSWORD_ENV}."
        )
    return getpass.getpass(text)


@dataclass(frozen=True, slots=True)
class _SignIn:
    token: str
    user_id: str


def _sign_in(
    homeserver: str, user: str | None, insecure: bool, env: Mapping[str, str], prompt: Prompt
) -> _SignIn:
    """Find a working token: environment, then stored, then a password login."""
    from session_tui.cli import TOKEN_ENV
    from session_tui.providers.matrix import password_login_sync, whoami_sync

    from_env = _take_password(env)
    token = env.get(TOKEN_ENV)
    if token:
        me = whoami_sync(homeserver, token, allow_insecure_http=insecure)
        if user and user.startswith("@") and me.user_id != user:
            raise ConfigError(f"The token in {TOKEN_ENV} belongs to {me.user_id}, not {user}.")
        return _SignIn(token, me.user_id)
    if not user:
        raise ConfigError(
            f"--provider matrix needs --user @name:server (or an access token in {TOKEN_ENV})."
        )
    key = credentials.credential_key(homeserver, user)
    stored = credentials.load(key)
    if stored is not None:
        try:
            me = whoami_sync(homeserver, stored.access_token, allow_insecure_http=insecure)
            return _SignIn(stored.access_token, me.user_id)
        except AuthExpired:
            credentials.remove(key)
            _say(f"The stored sign-in for {user} no longer works (signed out elsewhere).")
    tries = 1 if from_env else PASSWORD_TRIES
    for attempt in range(1, tries + 1):
        password = from_env or prompt(f"Password for {user} on {homeserver}: ")
        try:
            result = password_login_sync(homeserver, user, password, allow_insecure_http=insecure)
        except WrongPassword:
            if attempt == tries:
                raise
            _say("Wrong password, try again.")
            continue
        _store(key, homeserver, result.user_id, result.access_token, result.device_id)
        return _SignIn(result.access_token, result.user_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _take_password(env: Mapping[str, str]) -> str | None:
    """The password from `SESSION_TUI_PASSWORD`, taken out of the process environment.

    Whatever this process starts later (the `--on-alert` command, a browser, a pager) inherits
    `os.environ`, so the password leaves it as soon as we hold it. A plain mapping handed in
    instead (tests, an embedding program) is the caller's and is left as it is; the process
    environment still loses the variable when it holds the same password.
    """
    from session_tui.cli import PASSWORD_ENV

    password = env.get(PASSWORD_ENV) or None
    if password is not None and os.environ.get(PASSWORD_ENV) == password:
        del os.environ[PASSWORD_ENV]
    return password


def _store(key: str, homeserver: str, user_id: str, token: str, device_id: str | None) -> None:
    credentials.save(
        key,
        credentials.StoredCredential(
            homeserver=homeserver, user_id=user_id, access_token=token, device_id=device_id
        ),
    )


def _open_matrix(choices: Profile, env: Mapping[str, str], prompt: Prompt | None) -> OpenAccounts:
    from session_tui.providers.http import check_url
    from session_tui.providers.matrix import MatrixProvider, password_login
    from session_tui.providers.synapse_admin import (
        AdminCredential,
        SynapseAdminProvider,
        check_admin_sync,
    )

    if not choices.homeserver:
        raise ConfigError("--provider matrix needs --homeserver URL.")
    insecure = choices.allow_insecure_http
    homeserver = check_url(choices.homeserver, allow_insecure_http=insecure)
    if choices.admin and not choices.watch:
        raise ConfigError(
            "--admin needs at least one --watch @user:server (or `watch` in a profile)."
        )
    signed = _sign_in(homeserver, choices.user, insecure, env, prompt or _terminal_prompt)
    login_user = choices.user or signed.user_id
    key = credentials.credential_key(homeserver, login_user)

    async def login_again(password: str) -> str:
        result = await password_login(
            homeserver, login_user, password, allow_insecure_http=insecure
        )
        # Runs on the UI loop (the sign-in dialog): the file write goes to a thread.
        await asyncio.to_thread(
            _store, key, homeserver, result.user_id, result.access_token, result.device_id
        )
        return result.access_token

    providers: list[SessionProvider]
    if choices.admin:
        check_admin_sync(homeserver, signed.token, allow_insecure_http=insecure)
        admins = SynapseAdminProvider.watching(
            homeserver, signed.token, choices.watch, allow_insecure_http=insecure
        )
        shared: AdminCredential = admins[0].credential

        async def reconnect_admin(old: SessionProvider, password: str) -> SessionProvider:
            # One new token serves every watched account: they share the credential. When
            # another account's dialog already signed in again, reuse that token rather than
            # leave one more device behind.
            watched = old.account if isinstance(old, SynapseAdminProvider) else choices.watch[0]
            fresh = SynapseAdminProvider(homeserver, shared, watched, allow_insecure_http=insecure)
            try:
                if not await fresh.credential_works():
                    shared.replace(await login_again(password))
            except BaseException:
                await fresh.aclose()
                raise
            return fresh

        providers = list(admins)
        return OpenAccounts(
            providers, profile=f"on-call {signed.user_id}", reconnect=reconnect_admin
        )

    async def reconnect(old: SessionProvider, password: str) -> SessionProvider:
        token = await login_again(password)
        return MatrixProvider(
            homeserver, token, user_id=signed.user_id, allow_insecure_http=insecure
        )

    provider = MatrixProvider(
        homeserver, signed.token, user_id=signed.user_id, allow_insecure_http=insecure
    )
    return OpenAccounts([provider], profile=signed.user_id, reconnect=reconnect)


# -- session-tui logout ---------------------------------------------------------------------


def _logout_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-tui logout",
        description="Sign out the device session-tui created for a Matrix account, and forget "
        "its stored token.",
    )
    from session_tui.cli import account_options

    account_options(parser)
    return parser


def logout_main(argv: list[str]) -> int:
    from session_tui.errors import ProviderError
    from session_tui.providers.http import check_url
    from session_tui.providers.matrix import logout_sync

    args = _logout_parser().parse_args(argv)
    args.provider = None
    choices = resolve_choices(args)
    if not choices.homeserver or not choices.user:
        raise ConfigError(
            "logout applies to a stored Matrix sign-in: "
            "session-tui logout --profile NAME, or --homeserver URL --user @name:server."
        )
    insecure = choices.allow_insecure_http
    homeserver = check_url(choices.homeserver, allow_insecure_http=insecure)
    key = credentials.credential_key(homeserver, choices.user)
    stored = credentials.load(key)
    if stored is None:
        print(f"No stored sign-in for {choices.user} on {homeserver}; nothing to do.")
        return 0
    device = f"device {stored.device_id}" if stored.device_id else "the device"
    try:
        was_live = logout_sync(homeserver, stored.access_token, allow_insecure_http=insecure)
    except ProviderError as exc:
        print(
            f"session-tui: could not sign out {device} ({exc}); the stored sign-in was kept, "
            "run logout again later.",
            file=sys.stderr,
        )
        return 1
    credentials.remove(key)
    if was_live:
        print(f"Signed out {device} of {stored.user_id} and removed the stored sign-in.")
    else:
        print(
            f"{device.capitalize()} of {stored.user_id} was already signed out; "
            "removed the stored sign-in."
        )
    return 0
