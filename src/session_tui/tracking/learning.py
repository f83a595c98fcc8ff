"""What an account has used: the devices, countries and networks its sessions came from, with
when each was first and last seen (the alert rules' and the risk rules' memory). The same SQL on
both stores; also run by SQLite's v2 migration on a file whose tables name no account yet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from session_tui.model import Session
from session_tui.tracking.codec import time_to_text
from session_tui.tracking.describe import Describer, fingerprint_of

if TYPE_CHECKING:
    from session_tui.tracking.backend import Connection


def _later(table: str) -> str:
    """The later of the row's and the proposed last-seen time (the same SQL in SQLite and
    PostgreSQL: SQLite's two-argument MAX is PostgreSQL's GREATEST)."""
    return (
        f"CASE WHEN excluded.last_seen_at > {table}.last_seen_at"
        f" THEN excluded.last_seen_at ELSE {table}.last_seen_at END"
    )


def learn_places(
    conn: Connection,
    account: str | None,
    sessions: Iterable[Session],
    at: datetime,
    describer: Describer,
) -> None:
    """The account has used these devices and countries (as of `at`): the alert rules' memory.

    `account` None is a file still at v2, whose tables name no account (v2's migration).
    """
    stamp = time_to_text(at)
    scope, mine = ("account, ", (account,)) if account is not None else ("", ())
    device_marks = ", ".join("?" * (len(mine) + 4))
    country_marks = ", ".join("?" * (len(mine) + 3))
    seen: set[tuple[str, str | None, str | None]] = set()  # a fleet shares few: once each
    for session in sessions:
        fingerprint = fingerprint_of(session)
        country = describer.country(session)
        network = describer.network(session) if account is not None else None
        key = (fingerprint.key, country, network.key if network is not None else None)
        if key in seen:
            continue
        seen.add(key)
        conn.execute(
            f"INSERT INTO known_devices ({scope}fingerprint, label, first_seen_at, last_seen_at)"
            f" VALUES ({device_marks}) ON CONFLICT ({scope}fingerprint) DO UPDATE SET"
            f" last_seen_at = {_later('known_devices')}",
            (*mine, fingerprint.key, fingerprint.label, stamp, stamp),
        )
        if country:
            conn.execute(
                f"INSERT INTO known_countries ({scope}code, first_seen_at, last_seen_at)"
                f" VALUES ({country_marks}) ON CONFLICT ({scope}code) DO UPDATE SET"
                f" last_seen_at = {_later('known_countries')}",
                (*mine, country, stamp, stamp),
            )
        if network is not None:  # v2's migration predates networks: none to learn then
            conn.execute(
                "INSERT INTO known_networks (account, key, label, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, key) DO UPDATE SET"
                f" last_seen_at = {_later('known_networks')}",
                (account, network.key, network.name, stamp, stamp),
            )
