"""Typed errors that providers raise instead of raw httpx exceptions.

The UI turns each into a plain sentence on screen; nothing here may carry a token or password.
"""

from __future__ import annotations

import math


class SessionTuiError(Exception):
    """Base of every error this application raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(SessionTuiError):
    """The command line, a profile or the environment asks for something impossible."""


class InsecureURLError(ConfigError):
    """Plain http to a non-loopback host without --allow-insecure-http."""


class ProviderError(SessionTuiError):
    """Anything that went wrong talking to a session API."""


class AuthExpired(ProviderError):
    """Our own credential no longer works (revoked elsewhere, expired): sign in again.

    `elsewhere` is False where the session is alive but refused for another reason (Better
    Auth's "not fresh"): then the app repeats the provider's sentence instead of saying the
    session was signed out elsewhere.
    """

    elsewhere = True


class Forbidden(ProviderError):
    """The credential works but may not do this (e.g. not a server admin)."""


class NotAdmin(Forbidden):
    """Admin mode was asked for with a token that is not a server admin's."""


class ReauthRequired(ProviderError):
    """The API wants the password again before it revokes (Matrix user-interactive auth)."""


class WrongPassword(ProviderError):
    """The password given for re-authentication was refused; the user may retry."""


MAX_RETRY_AFTER = 3600.0  # seconds: longer than this from a server is a bug or hostile


def clamp_wait(seconds: float | None) -> float | None:
    """A server's "retry after" as a usable wait: finite, not negative, at most an hour.

    It comes from a header or a JSON number, so it may be "inf", 1e400 or a century.
    """
    if seconds is None:
        return None
    if not math.isfinite(seconds):
        return MAX_RETRY_AFTER
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class RateLimited(ProviderError):
    """Too many requests; `retry_after` is in seconds (clamped) when the server said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = clamp_wait(retry_after)


class ServerBusy(ProviderError):
    """503 Service Unavailable (maintenance, overload); `retry_after` when the server said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = clamp_wait(retry_after)


class Unreachable(ProviderError):
    """No answer: DNS, connection refused, timeout, TLS failure."""


class NoAnswer(Unreachable):
    """The request may have reached the server, but no answer came (a timeout after the
    connection was made, the deadline, a dropped connection): whether it acted is unknown."""


class BadResponse(ProviderError):
    """The server answered something we cannot understand (wrong JSON, wrong types)."""


class NotFound(ProviderError):
    """The session (or account) does not exist (any more)."""


class CurrentSessionProtected(ProviderError):
    """An attempt to revoke the session this app runs on: refused by us on every path."""

    def __init__(
        self,
        message: str = "This is the session session-tui is signed in with; "
        "it cannot be revoked from here.",
    ) -> None:
        super().__init__(message)


class UnsafeSessionId(ProviderError):
    """A session whose id cannot be sent safely (see `session_tui.ids`): refused before
    anything is sent, on every path, with how else it can be ended."""

    def __init__(self, reason: str, how_else: str = "") -> None:
        self.reason = reason
        super().__init__(
            f"Not sent: {reason}, so session-tui cannot name it to the server safely."
            + (f" {how_else}" if how_else else "")
        )


class ReadOnlyRefused(ProviderError):
    """A revoke, sign-out or rename asked of an account opened read-only: nothing was sent."""

    def __init__(self, what: str = "change anything") -> None:
        super().__init__(f"Read-only mode: session-tui will not {what}.")
