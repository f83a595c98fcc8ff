"""Revoking, for both front ends: one call per request, one honest record of how it went.

The dashboard (after its confirm dialog) and `session-tui revoke` (after its prompt) both call
`revoke`. It asks the provider (whose base class refuses the current session on every path),
turns every outcome into a `RevokeAttempt` (what the audit trail records) and keeps the account's
state true: rows the server ended leave the listing, and a poll that was already in flight when
they ended cannot bring them back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from session_tui.engine.state import AccountState
from session_tui.errors import (
    AuthExpired,
    CurrentSessionProtected,
    NotFound,
    ProviderError,
    WrongPassword,
)
from session_tui.model import Capability, Session
from session_tui.providers.base import SessionProvider
from session_tui.tracking.audit import AuditAction


class RevokeKind(enum.StrEnum):
    ONE = "one"  # `r` / `revoke ID`: one session
    OTHERS = "others"  # `R` / `revoke --all-others`, or a list of ids: never the current one


class RevokeOutcome(enum.StrEnum):
    DONE = "done"
    WRONG_PASSWORD = "wrong password"
    REFUSED = "refused"  # the current session, or read-only: nothing was sent
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RevokeAttempt:
    """One revocation request, as the audit trail records it.

    `sessions` are the sessions the user confirmed, as last listed (for device summaries);
    `revoked` is how many ended (0 unless DONE). `signed_out` says our own credential was found
    dead on the way. No password or token is ever in here.
    """

    provider: SessionProvider
    account: str
    kind: RevokeKind
    session_ids: tuple[str, ...]
    sessions: tuple[Session, ...]
    outcome: RevokeOutcome
    revoked: int
    error: str | None
    at: datetime
    signed_out: AuthExpired | None = None


def audit_action(kind: RevokeKind, provider: SessionProvider) -> AuditAction:
    """One session is a revoke; several are revoke-others, or on call a force sign-out."""
    if kind is RevokeKind.ONE:
        return AuditAction.REVOKE
    if Capability.FORCE_SIGN_OUT in provider.capabilities:
        return AuditAction.FORCE_SIGN_OUT
    return AuditAction.REVOKE_OTHERS


def attempt_error(attempt: RevokeAttempt) -> str | None:
    """None for a revocation that went through, else what went wrong, in words."""
    if attempt.outcome is RevokeOutcome.DONE:
        return None
    return attempt.error or str(attempt.outcome)


def forget(account: AccountState, session_ids: Sequence[str]) -> None:
    """Sessions the server ended for us: out of the listing now, and out of stale polls."""
    for sid in session_ids:
        account.sessions.pop(sid, None)
    account.revoked_here.update(session_ids)
    account.fresh_from_seq = account.poll_seq + 1


async def revoke(
    account: AccountState,
    kind: RevokeKind,
    sessions: Sequence[Session],
    password: str | None,
    clock: Callable[[], datetime],
) -> RevokeAttempt:
    """Revoke exactly these sessions (one with ONE); every outcome, a wrong password included
    (a dialog or a prompt then asks again), is in the attempt."""
    provider = account.provider
    ids = [s.id for s in sessions]

    def attempt(
        outcome: RevokeOutcome,
        revoked: int = 0,
        error: str | None = None,
        signed_out: AuthExpired | None = None,
    ) -> RevokeAttempt:
        return RevokeAttempt(
            provider=provider,
            account=account.name,
            kind=kind,
            session_ids=tuple(ids),
            sessions=tuple(sessions),
            outcome=outcome,
            revoked=revoked,
            error=error,
            at=clock(),
            signed_out=signed_out,
        )

    try:
        if kind is RevokeKind.ONE:
            await provider.revoke(ids[0], password=password)
            count = 1
        else:
            count = await provider.revoke_others(only=ids, password=password)
    except WrongPassword:
        return attempt(RevokeOutcome.WRONG_PASSWORD)  # the audit says "wrong password"
    except NotFound as exc:
        if kind is RevokeKind.ONE:
            forget(account, ids)  # it ended meanwhile: the row can go
        return attempt(RevokeOutcome.FAILED, error=str(exc))
    except AuthExpired as exc:
        return attempt(RevokeOutcome.FAILED, error=str(exc), signed_out=exc)
    except CurrentSessionProtected as exc:
        return attempt(RevokeOutcome.REFUSED, error=str(exc))
    except ProviderError as exc:
        return attempt(RevokeOutcome.FAILED, error=str(exc))
    forget(account, ids)
    return attempt(RevokeOutcome.DONE, revoked=count)
