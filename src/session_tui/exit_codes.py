"""The exit codes every command uses: a contract with the scripts that call session-tui.

0  ok
1  usage: a bad flag, profile or config file (nothing was sent)
2  auth: signing in failed, or our own session has ended (signed out elsewhere)
3  server: unreachable, rate limiting, or answering errors or nonsense
4  refused: nothing was done, because what was asked was the current session, a session
   whose id cannot be sent safely, or a change in read-only mode
5  partial: some of what was asked was done, some was not (refused, not listed, or failed)
"""

from __future__ import annotations

from session_tui.errors import (
    AuthExpired,
    ConfigError,
    CurrentSessionProtected,
    Forbidden,
    ReadOnlyRefused,
    SessionTuiError,
    UnsafeSessionId,
    WrongPassword,
)

OK = 0
USAGE = 1
AUTH = 2
SERVER = 3
REFUSED = 4
PARTIAL = 5

HELP = (
    "exit codes: 0 ok, 1 usage (or no such session), 2 sign-in failed or our session ended, "
    "3 server unreachable or failing, 4 refused (the current session, an unsafe id, "
    "read-only), "
    "5 partial failure"
)


def for_error(exc: SessionTuiError) -> int:
    if isinstance(exc, ConfigError):
        return USAGE
    if isinstance(exc, CurrentSessionProtected | ReadOnlyRefused | UnsafeSessionId):
        return REFUSED
    if isinstance(exc, AuthExpired | WrongPassword | Forbidden):
        return AUTH
    return SERVER
