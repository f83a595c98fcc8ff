"""When each watched account is polled, on call: spread over the interval, a few at a time.

Polling every account on the same timer tick sends them all in one burst (200 requests at
once over 200 connections, measured on Synapse). Here every account has its own next time;
the account on screen keeps the poll interval and the others wait longer (`background`), each
poll's next time is jittered so accounts drift apart rather than into step, and no more than
`MAX_IN_FLIGHT` polls run at once (the shared connection pool is as large).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from session_tui.engine.state import AccountState

MAX_IN_FLIGHT = 8
JITTER = 0.1  # +-10 % on each account's next poll
TICK = 0.25  # seconds between two looks at who is due (on call only)


def due(
    accounts: Sequence[AccountState],
    now: float,
    *,
    shown: AccountState | None,
    limit: int = MAX_IN_FLIGHT,
) -> list[AccountState]:
    """The accounts to poll now (loop time `now`): the one on screen first, then the most
    overdue; never more than `limit` in flight, never one paused, stopped or busy."""
    room = limit - sum(1 for a in accounts if a.in_flight)
    if room <= 0:
        return []
    ready = [
        a
        for a in accounts
        if not a.in_flight and not a.stopped and now >= a.resume_at and now >= a.next_poll_at
    ]
    ready.sort(key=lambda a: (a is not shown, a.next_poll_at))
    return ready[:room]


def plan_next(account: AccountState, now: float, *, every: float) -> None:
    """A poll of this account starts now; the next one `every` seconds on, give or take."""
    account.last_poll_at = now
    account.next_poll_at = now + every * random.uniform(1 - JITTER, 1 + JITTER)


def bring_forward(account: AccountState, every: float) -> None:
    """The account came on screen: due `every` after its last poll, if that is sooner."""
    account.next_poll_at = min(account.next_poll_at, account.last_poll_at + every)
