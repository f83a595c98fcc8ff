"""Acknowledging alerts from the dashboard: the store says who was first (`tracking.acks`), and
the feed and the alert counts are told at once. A colleague's instance on a shared store hears
of it through the store's notice (`engine.team`), so it reaches every screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from session_tui.engine import events as ev
from session_tui.engine.state import AccountState

if TYPE_CHECKING:
    from session_tui.engine.recorder import Recorder
    from session_tui.tracking.acks import AckResult


async def acknowledge(
    recorder: Recorder,
    accounts: Sequence[AccountState],
    alert_ids: Sequence[int],
    emit: Callable[[ev.EngineEvent], None],
) -> AckResult:
    """Acknowledge the alerts, then tell the front ends: the accounts' counts, and that the
    feed changed. Raises what the store raised (the caller says it failed)."""
    service = recorder.service

    def work() -> tuple[AckResult, list[tuple[AccountState, int]], int]:
        result = service.acknowledge(alert_ids)
        touched = result.accounts
        counts = [
            (account, service.note_unseen(service.tracker(account.provider))[0])
            for account in accounts
            if account.polls and service.key_of(account.provider) in touched
        ]
        return result, counts, service.unseen_alerts()

    result, counts, total = await recorder.off_thread(work)
    for account, unseen in counts:
        account.unseen_alerts = unseen
        emit(ev.PollRecorded(account, [], total, unseen))
    emit(ev.HistoryChanged())
    return result
