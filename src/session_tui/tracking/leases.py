"""One poller per account across a team: leases in the shared store.

Every instance on a shared store beats a heartbeat (`instances`) and, every half interval,
runs one `cycle`: it renews the leases it holds, takes those that expired (their poller stopped
or hung) or that nobody holds, up to its fair share, and lets go of any beyond it (a colleague
joined). A lease lasts 1.5 intervals, so a poller that stops is replaced within two. Times are
the server's (`now()`), never an instance's clock.

The fair share is the watched accounts over the live instances, rounded up: three instances
watching 1,000 accounts poll about 334 each, and the server sees each account polled once per
interval, as with one instance alone. Whoever holds a lease is told to everyone, with when it
last polled, so a screen can say "polled by bob@ops-2, 3 s ago".

Each cycle is a handful of statements whatever the number of accounts (arrays, not loops).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from session_tui.tracking.postgres import PostgresDatabase

LEASE_INTERVALS = 1.5  # a lease outlives its poller's last renewal by this many intervals
# An instance not heard from for as long as a lease lasts is gone: its heartbeat and its leases
# are renewed together, so when its leases run out it stops counting in the fair share too,
# and a survivor takes all of them at its next cycle (counted alive for longer, a crashed
# instance kept a survivor at half the accounts, the others' leases free and nobody polling).
ALIVE_INTERVALS = LEASE_INTERVALS


@dataclass(frozen=True, slots=True)
class Holder:
    """Who polls an account: an instance, its operator, and when it last listed it."""

    instance: str
    operator: str
    polled_at: datetime | None
    mine: bool


class LeaseBook:
    """This instance's side of the leases (thread-safe: under the database's lock)."""

    def __init__(self, database: PostgresDatabase, instance: str, operator: str) -> None:
        self.database = database
        self.instance = instance
        self.operator = operator

    def cycle(
        self, accounts: Sequence[str], interval: float, polled: Collection[str] = ()
    ) -> dict[str, Holder]:
        """Beat, renew, take, let go; who holds each of `accounts` afterwards. `polled`: the
        accounts this instance listed since the last cycle (their "last polled" moves on)."""
        ttl = f"{interval * LEASE_INTERVALS:.3f} seconds"
        alive = f"{interval * ALIVE_INTERVALS:.3f} seconds"
        keys = list(dict.fromkeys(accounts))
        with self.database.transaction():
            conn = self.database.conn
            conn.execute(
                "INSERT INTO instances (instance, operator, seen_at) VALUES (?, ?, now())"
                " ON CONFLICT (instance) DO UPDATE SET seen_at = now()",
                (self.instance, self.operator),
            )
            conn.execute("DELETE FROM instances WHERE seen_at < now() - ?::interval", (alive,))
            (live,) = conn.execute("SELECT count(*) FROM instances").fetchone()
            share = math.ceil(len(keys) / max(1, int(live)))
            conn.execute(
                "UPDATE leases SET expires_at = now() + ?::interval,"
                " polled_at = CASE WHEN account = ANY(?) THEN now() ELSE polled_at END"
                " WHERE instance = ? AND account = ANY(?)",
                (ttl, list(polled), self.instance, keys),
            )
            rows = conn.execute(
                "SELECT account, instance, expires_at > now() FROM leases WHERE account = ANY(?)",
                (keys,),
            ).fetchall()
            mine = sorted(a for a, who, _ in rows if who == self.instance)
            free = [k for k in keys if k not in {a for a, _, live_ in rows if live_}]
            if len(mine) > share:  # a colleague joined: hand over the excess
                conn.execute(
                    "DELETE FROM leases WHERE instance = ? AND account = ANY(?)",
                    (self.instance, mine[share:]),
                )
            elif free and len(mine) < share:
                random.shuffle(free)  # colleagues starting together reach for different ones
                conn.execute(
                    "INSERT INTO leases (account, instance, operator, expires_at)"
                    " SELECT a, ?, ?, now() + ?::interval FROM unnest(?::text[]) AS a"
                    " ON CONFLICT (account) DO UPDATE SET instance = excluded.instance,"
                    " operator = excluded.operator, expires_at = excluded.expires_at,"
                    " polled_at = leases.polled_at WHERE leases.expires_at <= now()",
                    (self.instance, self.operator, ttl, free[: share - len(mine)]),
                )
            holders = conn.execute(
                "SELECT account, instance, operator, polled_at FROM leases"
                " WHERE account = ANY(?) AND expires_at > now()",
                (keys,),
            ).fetchall()
        return {
            account: Holder(instance, operator, polled_at, instance == self.instance)
            for account, instance, operator, polled_at in holders
        }

    def leave(self) -> None:
        """Quitting: let colleagues take this instance's accounts at once, not in 1.5 intervals."""
        with self.database.transaction():
            self.database.conn.execute("DELETE FROM leases WHERE instance = ?", (self.instance,))
            self.database.conn.execute("DELETE FROM instances WHERE instance = ?", (self.instance,))
