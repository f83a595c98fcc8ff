"""Two on-call engineers on one PostgreSQL watching a real Synapse account (issue 25): one polls
it, the other follows; the follower force-signs a device out with its own admin token, and
within a second both see it gone, in History as revoked by the follower's operator, and in the
shared audit trail."""

from __future__ import annotations

import asyncio
import time
from contextlib import closing

from synapse_server import SynapseServer
from test_team_polling import _until

from session_tui.engine.core import Engine, EngineOptions
from session_tui.engine.revocation import RevokeKind, RevokeOutcome
from session_tui.model import EndReason
from session_tui.providers.synapse_admin import SynapseAdminProvider
from session_tui.tracking.history_rows import HistoryRow
from session_tui.tracking.postgres import PostgresDatabase

INTERVAL = 6.0  # long: only the notice, not the poller's next turn, can make it in a second
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _engine(synapse: SynapseServer, token: str, watched: str, store: str, operator: str):
    provider = SynapseAdminProvider(synapse.base_url, token, watched)
    options = EngineOptions(
        interval=INTERVAL, background_interval=INTERVAL, store=store, operator=operator
    )
    return Engine([provider], options)


async def test_a_followers_revoke_reaches_every_screen_within_a_second(
    synapse: SynapseServer, pg_store: str
) -> None:
    admins = [synapse.new_user(admin=True, prefix="oncall") for _ in range(2)]
    tokens = [synapse.login(admin, device_name="session-tui")[1] for admin in admins]
    carol = synapse.new_user(prefix="carol")
    synapse.login(carol, device_name="Laptop", user_agent=LAPTOP_UA, ip="203.0.113.10")
    engines = [
        _engine(synapse, tokens[0], carol.user_id, pg_store, "ann@ops"),
        _engine(synapse, tokens[1], carol.user_id, pg_store, "ben@ops"),
    ]
    for engine in engines:
        engine.start()
    try:
        accounts = [engine.accounts[0] for engine in engines]
        for account in accounts:
            await _until(lambda a=account: a.polls > 0, "a first listing")
        await _until(
            lambda: sum(a.follow is None for a in accounts) == 1, "one poller and one follower"
        )
        follower = next(i for i, a in enumerate(accounts) if a.follow is not None)
        poller = 1 - follower
        assert accounts[follower].polled_by == ("ann@ops", "ben@ops")[poller]
        laptop = next(s for s in accounts[follower].sessions.values() if s.display_name == "Laptop")

        attempt = await engines[follower].revoke(accounts[follower], RevokeKind.ONE, [laptop])
        done = time.monotonic()
        assert attempt.outcome is RevokeOutcome.DONE, attempt
        assert not synapse.token_works(carol.devices[laptop.id])  # the server ended it

        def gone_everywhere() -> bool:
            return all(laptop.id not in a.sessions for a in accounts)

        await _until(gone_everywhere, "the laptop gone on both screens", 10.0)
        rows = [await _ended_row(engine, laptop.id) for engine in engines]
        assert time.monotonic() - done < 1.0
        revoker = ("ann@ops", "ben@ops")[follower]
        assert all(r.reason is EndReason.REVOKED_HERE and r.revoked_by == revoker for r in rows)
        by_poller = rows[poller]
        assert by_poller.reason_text == f"revoked by {revoker}"  # a colleague's, on his screen
        assert rows[follower].reason_text == "revoked here"
        with closing(PostgresDatabase(pg_store)) as store:
            trail = [record for _, record in store.audit_lines()]
        assert [(r["action"], r["operator"]) for r in trail if r] == [("revoke", revoker)]
    finally:
        for engine in engines:
            await engine.aclose()


async def _ended_row(engine: Engine, session_id: str, timeout: float = 10.0) -> HistoryRow:
    """The session's end in the engine's History, once it is there."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in await engine.history(50):
            if entry.row.session_id == session_id:
                return entry.row
        if time.monotonic() > deadline:
            raise AssertionError(f"{session_id} never reached History")
        await asyncio.sleep(0.05)
