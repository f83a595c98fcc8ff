"""Writing what the engine saw and did into the history and the audit trail (blocking: a store
and a file; the dashboard calls these on a thread, the command line directly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from session_tui.engine.records import TrackingSettings
from session_tui.engine.revocation import RevokeAttempt, RevokeKind, attempt_error
from session_tui.enrich.geo import GeoLocator
from session_tui.enrich.networks import NetworkLookup
from session_tui.enrich.risk import Risk
from session_tui.model import Capability, EndedSession, Session
from session_tui.providers.base import SessionProvider
from session_tui.tracking.audit import AuditAction, AuditRecord
from session_tui.tracking.service import PollResult, TrackingService, risky


def open_service(
    settings: TrackingSettings, locator: GeoLocator, networks: NetworkLookup | None
) -> TrackingService:
    """The run's tracking service, as the settings say (its store is opened on first use)."""
    return TrackingService(
        settings.profile,
        retention=settings.retention,
        clock=settings.clock,
        locator=locator,
        networks=networks,
        operator=settings.operator,
        store=settings.store,
    )


def audit_action(kind: RevokeKind, provider: SessionProvider) -> AuditAction:
    """One session is a revoke; several are revoke-others, or on call a force sign-out."""
    if kind is RevokeKind.ONE:
        return AuditAction.REVOKE
    if Capability.FORCE_SIGN_OUT in provider.capabilities:
        return AuditAction.FORCE_SIGN_OUT
    return AuditAction.REVOKE_OTHERS


def record_poll(
    service: TrackingService, provider: SessionProvider, sessions: Sequence[Session], at: datetime
) -> tuple[PollResult, int]:
    """One successful poll into the account's history: its events, and the unseen alerts."""
    result = service.observe(provider, sessions, at=at)
    return result, service.unseen_alerts()


def record_trust(
    service: TrackingService,
    provider: SessionProvider,
    sessions: Sequence[Session],
    listed: Sequence[Session],
    *,
    undo: bool,
) -> dict[str, Risk]:
    """ "This was me" (or its undoing) into the history and the audit trail; the risks of the
    `listed` sessions as judged after it."""
    service.trust(provider, sessions, undo=undo)
    return risky(service.tracker(provider).risks(listed))


def record_attempt(service: TrackingService, attempt: RevokeAttempt) -> AuditRecord:
    """One revocation attempt into the audit trail (and "revoked here" marks when it worked).

    Raises `audit.AuditError` when the audit log cannot be written.
    """
    error = attempt_error(attempt)
    return service.record_revocation(
        attempt.provider,
        action=audit_action(attempt.kind, attempt.provider),
        session_ids=attempt.session_ids,
        sessions=attempt.sessions,
        error=error,
        revoked=attempt.revoked if attempt.revoked else None,
        at=attempt.at,
        outcome=attempt.outcome.audited,
        ended_ids=attempt.ended,
    )


def record_rename(
    service: TrackingService,
    provider: SessionProvider,
    session_id: str,
    session: Session | None,
    name: str,
    error: str | None,
    at: datetime,
) -> AuditRecord:
    """A rename into the audit trail, with the new name; raises `audit.AuditError` when the
    log cannot be written."""
    return service.record_rename(
        provider, session_id=session_id, session=session, name=name, error=error, at=at
    )


def record_server_history(
    service: TrackingService, provider: SessionProvider, ended: Sequence[EndedSession]
) -> int:
    """The API's own list of ended sessions, folded into the account's history (blocking:
    SQLite); how many rows it added or corrected."""
    return service.tracker(provider).merge_api_history(ended)
