"""An account's events in the store: written once, read for the feed, counted while unseen.

Seen and acknowledged are different words on purpose:
- *Seen* is one person's: an alert stops counting in the header once they opened the feed. In a
  store of one's own it is the events' `seen` column. In a shared store every operator has their
  own (`seen_by`): one engineer opening the feed must not clear a colleague's count.
- *Acknowledged* is the team's: whoever says "handled" (`acked_by`, `acked_at`) ends the alert
  for everyone, and nobody counts it as new any more (`tracking.acks`).

`viewer` names whose seen is meant: None for the `seen` column, else the operator's name.
The SQL is the same on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from session_tui.tracking.backend import Connection
from session_tui.tracking.codec import time_from_text
from session_tui.tracking.events import Event, EventKind, Severity, event_from_dict
from session_tui.tracking.schema import loads

_SEEN_BY = "EXISTS (SELECT 1 FROM seen_by s WHERE s.event_id = events.event_id AND s.operator = ?)"


def seen_sql(viewer: str | None) -> tuple[str, list[Any]]:
    """Whether `viewer` saw the event: the SQL expression and its parameters. An acknowledged
    alert counts as seen by everyone."""
    if viewer is None:
        return "(seen = 1 OR acked_at IS NOT NULL)", []
    # `seen = 1` in a shared store: seen before v2 gave each operator their own (everyone's).
    return f"(seen = 1 OR {_SEEN_BY} OR acked_at IS NOT NULL)", [viewer]


def decode(row: Sequence[Any]) -> Event | None:
    """(event_id, payload, seen, acked_by, acked_at) as the queries here select them."""
    event_id, payload, seen, acked_by, acked_at = row
    data = loads(payload)
    if not isinstance(data, dict):
        return None
    return event_from_dict(
        data,
        event_id=int(event_id),
        seen=bool(seen),
        acked_by=str(acked_by) if acked_by is not None else None,
        acked_at=time_from_text(acked_at),
    )


def read_events(
    conn: Connection,
    account: str,
    viewer: str | None,
    limit: int,
    kinds: Sequence[EventKind] | None = None,
) -> list[Event]:
    """The account's events, newest first."""
    seen, params = seen_sql(viewer)
    query = f"SELECT event_id, payload, {seen}, acked_by, acked_at FROM events WHERE account = ?"
    params.append(account)
    if kinds:
        query += f" AND kind IN ({', '.join('?' for _ in kinds)})"
        params += [str(k) for k in kinds]
    query += " ORDER BY at DESC, event_id DESC LIMIT ?"
    params.append(max(0, limit))
    rows = conn.execute(query, params).fetchall()
    return [e for e in (decode(row) for row in rows) if e is not None]


def unseen_alerts(conn: Connection, account: str, viewer: str | None) -> int:
    """The account's alerts `viewer` has not seen and nobody acknowledged."""
    seen, params = seen_sql(viewer)
    row = conn.execute(
        f"SELECT COUNT(*) FROM events WHERE account = ? AND severity = ? AND NOT {seen}",
        [account, str(Severity.ALERT), *params],
    ).fetchone()
    return int(row[0])


def mark_seen(
    conn: Connection, account: str, viewer: str | None, event_ids: Iterable[int] | None
) -> None:
    """These events (None: every alert of the account) are seen by `viewer`."""
    if viewer is None:
        if event_ids is None:
            conn.execute("UPDATE events SET seen = 1 WHERE account = ? AND seen = 0", (account,))
        else:
            conn.executemany(
                "UPDATE events SET seen = 1 WHERE account = ? AND event_id = ?",
                [(account, i) for i in event_ids],
            )
        return
    insert = "INSERT INTO seen_by (event_id, operator) SELECT event_id, ? FROM events"
    if event_ids is None:
        conn.execute(
            f"{insert} WHERE account = ? AND severity = ? ON CONFLICT DO NOTHING",
            (viewer, account, str(Severity.ALERT)),
        )
        return
    conn.executemany(
        f"{insert} WHERE account = ? AND event_id = ? ON CONFLICT DO NOTHING",
        [(viewer, account, i) for i in event_ids],
    )
