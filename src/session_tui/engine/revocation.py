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
from typing import Any

from session_tui.engine.state import AccountState
from session_tui.errors import (
    AuthExpired,
    CurrentSessionProtected,
    NoAnswer,
    NotFound,
    ProviderError,
    UnsafeSessionId,
    WrongPassword,
)
from session_tui.model import Session
from session_tui.providers.base import SessionProvider


class RevokeKind(enum.StrEnum):
    ONE = "one"  # `r` / `revoke ID`: one session
    OTHERS = "others"  # `R` / `revoke --all-others`, or a list of ids: never the current one


class RevokeOutcome(enum.StrEnum):
    DONE = "done"  # the server confirmed every one
    ALREADY_GONE = "already gone"  # it had ended before we asked: counts as done, and says so
    PARTIAL = "partial"  # the server ended fewer than asked (`remaining` says which, if known)
    UNKNOWN = "unknown"  # sent, but no answer came: the next poll decides
    WRONG_PASSWORD = "wrong password"
    REFUSED = "refused"  # the current session, an unsafe id, or read-only: nothing was sent
    FAILED = "failed"

    @property
    def audited(self) -> str:
        """The audit trail's word for it."""
        return {
            RevokeOutcome.DONE: "ok",
            RevokeOutcome.ALREADY_GONE: "already-gone",
            RevokeOutcome.PARTIAL: "partial",
            RevokeOutcome.UNKNOWN: "unknown",
            RevokeOutcome.REFUSED: "refused",
        }.get(self, "error")


@dataclass(frozen=True, slots=True)
class RevokeAttempt:
    """One revocation request, as the audit trail records it.

    `sessions` are the sessions the user confirmed, as last listed (for device summaries);
    `revoked` is how many the server says ended; `ended` are the ids known to have ended (their
    rows go) and `remaining` those known not to have. `signed_out` says our own credential was
    found dead on the way. No password or token is ever in here.
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
    ended: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()


def attempt_error(attempt: RevokeAttempt) -> str | None:
    """None for a revocation that went through, else what went wrong, in words."""
    if attempt.outcome in (RevokeOutcome.DONE, RevokeOutcome.ALREADY_GONE):
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

    def attempt(outcome: RevokeOutcome, **found: Any) -> RevokeAttempt:
        """The attempt with this outcome; `found`: revoked, error, signed_out, ended,
        remaining, as `RevokeAttempt` names them."""
        for many in ("ended", "remaining"):
            found[many] = tuple(found.get(many, ()))
        return RevokeAttempt(
            provider=provider,
            account=account.name,
            kind=kind,
            session_ids=tuple(ids),
            sessions=tuple(sessions),
            outcome=outcome,
            revoked=found.pop("revoked", 0),
            error=found.pop("error", None),
            at=clock(),
            **found,
        )

    confirmed: tuple[str, ...] | None  # the ids the server says ended, where it says
    try:
        if kind is RevokeKind.ONE:
            await provider.revoke(ids[0], password=password)
            count, confirmed = 1, tuple(ids)
        else:
            count = await provider.revoke_others(only=ids, password=password)
            confirmed = getattr(provider, "last_ended", None)
    except WrongPassword:
        return attempt(RevokeOutcome.WRONG_PASSWORD)  # the audit says "wrong password"
    except NotFound as exc:
        if kind is RevokeKind.ONE:
            forget(account, ids)  # it ended before we asked: the row goes, nothing failed
            return attempt(RevokeOutcome.ALREADY_GONE, error=str(exc), ended=ids)
        return attempt(RevokeOutcome.FAILED, error=str(exc))
    except NoAnswer as exc:
        return attempt(
            RevokeOutcome.UNKNOWN,
            error=f"{exc} It may have ended; the next poll will tell.",
        )
    except AuthExpired as exc:
        return attempt(RevokeOutcome.FAILED, error=str(exc), signed_out=exc)
    except (CurrentSessionProtected, UnsafeSessionId) as exc:
        return attempt(RevokeOutcome.REFUSED, error=str(exc))
    except ProviderError as exc:
        return attempt(RevokeOutcome.FAILED, error=str(exc))
    return _counted(account, ids, count, confirmed, attempt)


def _counted(
    account: AccountState,
    ids: list[str],
    count: int,
    confirmed: tuple[str, ...] | None,
    attempt: Callable[..., RevokeAttempt],
) -> RevokeAttempt:
    """What the server's answer says: none, some (only what it names as ended leaves the
    table; the next poll tells the rest) or all of them ended."""
    if count <= 0:
        return attempt(
            RevokeOutcome.FAILED,
            error=f"The server answered but ended none of the {len(ids)} sessions.",
        )
    if count < len(ids):
        ended = [i for i in ids if confirmed is not None and i in confirmed]
        remaining = [i for i in ids if confirmed is not None and i not in confirmed]
        forget(account, ended)
        return attempt(
            RevokeOutcome.PARTIAL,
            revoked=count,
            error=f"The server ended {count} of the {len(ids)} sessions.",
            ended=ended,
            remaining=remaining,
        )
    forget(account, ids)
    return attempt(RevokeOutcome.DONE, revoked=count, ended=ids)
