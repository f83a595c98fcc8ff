"""Tracking over a real provider: the embedded demo service over HTTP, no UI.

What the UI will do on each poll and each revocation, step by step: a new sign-in from another
client is an alert within one poll, our revocation ends up as "revoked here" in history and in
the audit log, and a session ended by another client reads "ended elsewhere".
"""

from __future__ import annotations

import json

import pytest
from test_tracking_support import CURL

from session_tui import paths
from session_tui.model import EndReason
from session_tui.tracking.audit import AuditAction
from session_tui.tracking.events import AlertRule, Ended, EventKind, SignIn
from session_tui.tracking.service import TrackingClosed, TrackingService, account_key


async def test_poll_revoke_and_history_on_the_demo(demo_service, demo_provider) -> None:
    clock = demo_service.clock
    service = TrackingService("demo", clock=clock)
    try:
        first = service.observe(demo_provider, await demo_provider.list_sessions())
        assert first.events == [] and first.unseen_alerts == 0  # the baseline

        clock.advance(seconds=5)
        new_id = demo_service.state.add_session(
            user_agent=CURL, ip="133.242.0.3", city="Tokyo", country="JP"
        )
        result = service.observe(demo_provider, await demo_provider.list_sessions())
        (sign_in,) = result.events
        assert isinstance(sign_in, SignIn) and sign_in.session_id == new_id
        # The demo account already uses curl (in Australia), but never from Japan, nor its
        # network (a script does not travel: no journey from Berlin is judged for it).
        assert result.alerts == [sign_in] and result.unseen_alerts == 1
        assert set(sign_in.rules) == {AlertRule.NEW_COUNTRY, AlertRule.NEW_NETWORK}
        assert sign_in.location == "🇯🇵 Tokyo, Japan"
        assert "API client: curl" in sign_in.summary

        clock.advance(seconds=5)
        await demo_provider.revoke(new_id)
        service.record_revocation(
            demo_provider,
            action=AuditAction.REVOKE,
            session_ids=[new_id],
            sessions=[sign_in.session],
            revoked=1,
        )
        clock.advance(seconds=5)
        (ended,) = service.observe(demo_provider, await demo_provider.list_sessions()).events
        assert isinstance(ended, Ended) and ended.reason is EndReason.REVOKED_HERE

        victim = next(s for s in await demo_provider.list_sessions() if not s.is_current)
        demo_service.state.remove_session(victim.id)
        clock.advance(seconds=5)
        (gone,) = service.observe(demo_provider, await demo_provider.list_sessions()).events
        assert isinstance(gone, Ended) and gone.reason is EndReason.ENDED_ELSEWHERE

        tracker = service.tracker(demo_provider)
        reasons = {row.session_id: row.reason for row in tracker.history()}
        assert reasons[new_id] is EndReason.REVOKED_HERE
        assert reasons[victim.id] is EndReason.ENDED_ELSEWHERE
        # The API's own history says how the victim really ended; it replaces our guess.
        tracker.merge_api_history(await demo_provider.history())
        reasons = {row.session_id: row.reason for row in tracker.history()}
        assert reasons[victim.id] is EndReason.SIGNED_OUT
        assert reasons[new_id] is EndReason.REVOKED_HERE

        assert [e.kind for e in tracker.events(kinds=[EventKind.SIGN_IN])] == [EventKind.SIGN_IN]
        service.mark_seen()
        assert service.unseen_alerts() == 0
    finally:
        service.close()

    (line,) = paths.audit_file().read_text().splitlines()
    record = json.loads(line)
    assert record["action"] == "revoke" and record["outcome"] == "ok"
    assert record["session_ids"] == [new_id] and record["profile"] == "demo"
    assert demo_service.token not in line


async def test_failed_revocation_is_audited_but_not_marked(demo_service, demo_provider) -> None:
    service = TrackingService(None, clock=demo_service.clock)
    try:
        sessions = await demo_provider.list_sessions()
        service.observe(demo_provider, sessions)
        other = next(s for s in sessions if not s.is_current)
        record = service.record_revocation(
            demo_provider,
            action="revoke-others",
            session_ids=[other.id],
            sessions=[other],
            error="HTTP 503 from the server",
        )
        assert record.outcome == "error"
        demo_service.state.remove_session(other.id)
        demo_service.clock.advance(seconds=5)
        (gone,) = service.observe(demo_provider, await demo_provider.list_sessions()).events
        assert gone.reason is EndReason.ENDED_ELSEWHERE
    finally:
        service.close()


def test_account_key_ignores_the_loopback_port() -> None:
    class Seen:
        kind, account, capabilities = "rest", "alice@example.com", frozenset()

        def __init__(self, server: str) -> None:
            self.server = server

    assert account_key(Seen("127.0.0.1:4711")) == account_key(Seen("127.0.0.1:5822"))
    assert account_key(Seen("127.0.0.1:4711"), "demo") == "demo:rest:alice@example.com@127.0.0.1"
    assert account_key(Seen("api.example.com:8443")).endswith("@api.example.com:8443")


async def test_a_closed_service_opens_no_history_file_again(demo_service, demo_provider) -> None:
    """A job still queued when the app quit must not reopen (and leak) a history file."""
    service = TrackingService("demo", clock=demo_service.clock)
    sessions = await demo_provider.list_sessions()
    service.observe(demo_provider, sessions)
    service.close()
    db = paths.profile_history_db("demo")
    stamp = db.stat().st_mtime_ns
    with pytest.raises(TrackingClosed):
        service.observe(demo_provider, sessions)
    with pytest.raises(TrackingClosed):
        service.tracker(demo_provider)
    assert list(service.trackers()) == [] and service.closed
    assert db.stat().st_mtime_ns == stamp
    service.close()  # twice is fine

    # A revocation that did happen is still audited, though its history is closed.
    other = next(s for s in sessions if not s.is_current)
    service.record_revocation(
        demo_provider, action=AuditAction.REVOKE, session_ids=[other.id], revoked=1
    )
    (line,) = paths.audit_file().read_text().splitlines()
    assert json.loads(line)["session_ids"] == [other.id]
    assert list(service.trackers()) == []
