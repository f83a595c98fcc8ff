"""One way to sign in, for every provider that signs in with a user name and a password.

Credentials are tried in a fixed order: `SESSION_TUI_TOKEN`, then the token stored by an
earlier password login, then a password (`SESSION_TUI_PASSWORD`, else a prompt without echo,
before the app takes over the terminal). A password login stores its token, never the
password, in the 0600 credentials file; the password leaves the process environment as soon as
it is read, so no child process inherits it.

Each provider supplies an `Authenticator`: three blocking calls (check a token, log in, log
out). Blocking, because start-up signs in before any event loop runs; inside the app the same
calls run on a thread (`reconnector`), so no sign-in code is written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from session_tui import credentials
from session_tui.console import ask_secret, say, show
from session_tui.errors import AuthExpired, ConfigError, ProviderError, WrongPassword
from session_tui.options import PASSWORD_ENV, TOKEN_ENV
from session_tui.plugin import Prompt, Reconnect
from session_tui.providers.base import SessionProvider, SharedCredential
from session_tui.providers.http import checked_headers

PASSWORD_TRIES = 3


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a token belongs to, as the server says, and which of its sessions it is."""

    user: str  # the account's canonical name (a Matrix id, an e-mail)
    session_id: str | None = None
    aliases: frozenset[str] = frozenset()  # other names a user may type (user name, e-mail)

    def answers_to(self, name: str) -> bool:
        wanted = name.casefold()
        return wanted == self.user.casefold() or wanted in {a.casefold() for a in self.aliases}


@dataclass(frozen=True, slots=True)
class Login:
    """A working token and whose it is. `token` goes nowhere but the 0600 file."""

    token: str
    identity: Identity

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"Login(identity={self.identity!r})"


class Authenticator(Protocol):
    """A provider's sign-in calls; all blocking, all raising session_tui.errors."""

    provider: str  # the provider's name: part of the credentials key
    server: str  # the checked base URL the token belongs to

    def check(self, token: str) -> Identity:
        """Whose the token is; AuthExpired when it no longer works."""
        ...

    def login(self, user: str, password: str) -> Login:
        """A new session from a password; WrongPassword when it is refused."""
        ...

    def logout(self, token: str) -> bool:
        """End that session on the server: True if it was live, False if already dead."""
        ...


def terminal_prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise ConfigError(
            f"No credentials and no terminal to ask for a password: set {TOKEN_ENV} "
            f"or {PASSWORD_ENV}."
        )
    return ask_secret(text)


def take_password(env: Mapping[str, str]) -> str | None:
    """The password from `SESSION_TUI_PASSWORD`, taken out of the process environment.

    Whatever this process starts later (the `--on-alert` command, a browser, a pager) inherits
    `os.environ`, so the password leaves it as soon as we hold it. A plain mapping handed in
    instead (tests, an embedding program) is the caller's and is left as it is; the process
    environment still loses the variable when it holds the same password.
    """
    password = env.get(PASSWORD_ENV) or None
    if password is not None and os.environ.get(PASSWORD_ENV) == password:
        del os.environ[PASSWORD_ENV]
    return password


def key_for(auth: Authenticator, user: str) -> str:
    return credentials.credential_key(auth.server, user, provider=auth.provider)


def store(auth: Authenticator, user: str, login: Login) -> None:
    """Keep a new sign-in; a token the server sent that no header could carry is refused
    before it is kept (every later run would fail on it)."""
    checked_headers({"Authorization": login.token})
    credentials.save(
        key_for(auth, user),
        credentials.StoredCredential(
            homeserver=auth.server,
            user_id=login.identity.user,
            access_token=login.token,
            device_id=login.identity.session_id,
            provider=auth.provider,
        ),
    )


def sign_in(
    auth: Authenticator,
    user: str | None,
    env: Mapping[str, str],
    prompt: Prompt,
    *,
    user_hint: str,
    matches: Callable[[str, Identity], bool] | None = None,
) -> Login:
    """Find a working token: the environment, then the stored one, then a password login.

    `user_hint` says what `--user` should look like; `matches` decides whether a token from
    the environment belongs to the `--user` given (default: the identity answers to it).
    """
    from_env = take_password(env)
    token = env.get(TOKEN_ENV)
    if token:
        me = auth.check(token)
        belongs = matches or (lambda name, ident: ident.answers_to(name))
        if user and not belongs(user, me):
            raise ConfigError(f"The token in {TOKEN_ENV} belongs to {me.user}, not {user}.")
        return Login(token, me)
    if not user:
        raise ConfigError(
            f"--provider {auth.provider} needs --user {user_hint} "
            f"(or an access token in {TOKEN_ENV})."
        )
    key = key_for(auth, user)
    stored = credentials.load(key)
    if stored is not None:
        try:
            return Login(stored.access_token, auth.check(stored.access_token))
        except AuthExpired:
            credentials.remove(key)
            with contextlib.suppress(ProviderError):
                auth.logout(stored.access_token)  # a stale but live session must not linger
            say(f"The stored sign-in for {user} no longer works; signing in again.")
    tries = 1 if from_env else PASSWORD_TRIES
    for attempt in range(1, tries + 1):
        password = from_env or prompt(f"Password for {user} on {auth.server}: ")
        try:
            login = auth.login(user, password)
        except WrongPassword:
            if attempt == tries:
                raise
            say("Wrong password, try again.")
            continue
        store(auth, user, login)
        return login
    raise AssertionError("unreachable")  # pragma: no cover


def reconnector(
    auth: Authenticator, user: str, make: Callable[[Login], SessionProvider]
) -> Reconnect:
    """ "Sign in again" from inside the app: the same login, on a thread, then a new provider.

    The old session is signed out first where it still lives (Better Auth's "not fresh"
    sessions do), so signing in again never leaves one more session behind.
    """

    async def reconnect(old: SessionProvider, password: str) -> SessionProvider:
        login = await asyncio.to_thread(login_and_store, auth, user, password)
        return make(login)

    return reconnect


class WatchingProvider(Protocol):
    """An on-call provider: it acts with a shared credential it can check and close."""

    async def credential_works(self) -> bool: ...

    async def aclose(self) -> None: ...


def shared_reconnector(
    auth: Authenticator,
    user: str,
    credential: SharedCredential[Any],
    watching: Callable[[str], SessionProvider],
) -> Reconnect:
    """ "Sign in again" in on-call mode: one new token serves every watched account.

    The watched accounts share `credential`, so they sign out together; the first dialog signs
    in again and the others find the credential already working (no second session is made).
    `watching(account)` builds a provider for one watched account on that credential.
    """

    async def reconnect(old: SessionProvider, password: str) -> SessionProvider:
        fresh = watching(old.account)
        checker: WatchingProvider = fresh  # type: ignore[assignment]  # `watching` builds a WatchingProvider; its signature only promises the protocol
        try:
            if not await checker.credential_works():
                login = await asyncio.to_thread(login_and_store, auth, user, password)
                credential.replace(login.token)
        except BaseException:
            await fresh.aclose()
            raise
        return fresh

    return reconnect


def login_and_store(auth: Authenticator, user: str, password: str) -> Login:
    login = auth.login(user, password)
    old = credentials.load(key_for(auth, user))
    store(auth, user, login)
    if old is not None and old.access_token != login.token:
        with contextlib.suppress(ProviderError):
            auth.logout(old.access_token)
    return login


def logout(auth: Authenticator, user: str) -> int:
    """`session-tui logout`: end the stored session on the server, then forget it."""
    key = key_for(auth, user)
    stored = credentials.load(key)
    if stored is None:
        show(f"No stored sign-in for {user} on {auth.server}; nothing to do.")
        return 0
    device = f"session {stored.device_id}" if stored.device_id else "the session"
    if auth.provider == "matrix":
        device = device.replace("session", "device", 1)
    try:
        was_live = auth.logout(stored.access_token)
    except ProviderError as exc:
        say(
            f"could not sign out {device} ({exc}); the stored sign-in was kept, "
            "run logout again later."
        )
        return 1
    credentials.remove(key)
    if was_live:
        show(f"Signed out {device} of {stored.user_id} and removed the stored sign-in.")
    else:
        show(
            f"{device[0].upper()}{device[1:]} of {stored.user_id} was already signed out; "
            "removed the stored sign-in."
        )
    return 0
