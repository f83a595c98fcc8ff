"""Acknowledgements: an operator says an alert is handled, once, for the whole team.

An alert is named by its id in the store (`event_id`: the feed shows it as "#42", and
`session-tui alerts` lists them), unique over every account of the store, so
`session-tui ack 42` needs no account and no provider, only the store.

The first acknowledgement stands: a second operator acknowledging the same alert learns who was
first, and the row is not written again (`acked_by IS NULL` in the UPDATE decides it, inside the
account's write transaction, so two operators pressing the key at once cannot both win). Each
write notifies the other instances on a shared store (`Database.write`), so the acknowledgement
reaches their screens at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from session_tui.tracking import alert_rows
from session_tui.tracking.backend import Database
from session_tui.tracking.codec import time_to_text
from session_tui.tracking.events import Event, Severity

_COLUMNS = "event_id, payload, 0, acked_by, acked_at"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert with its account's key in the store ("rest:sam@idp.example.org")."""

    account: str
    event: Event

    @property
    def alert_id(self) -> int:
        return self.event.event_id or 0


@dataclass(slots=True)
class AckResult:
    """What `acknowledge` did: `acked` now, `already` acknowledged before (by whom is in the
    event), `not_alerts` are events that are no alert, `missing` ids the store does not have."""

    acked: list[Alert] = field(default_factory=list)
    already: list[Alert] = field(default_factory=list)
    not_alerts: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    @property
    def accounts(self) -> set[str]:
        """The accounts whose alerts changed (their counts are read again)."""
        return {a.account for a in self.acked}


def _find(database: Database, alert_id: int) -> tuple[str, str] | None:
    row = database.conn.execute(
        "SELECT account, severity FROM events WHERE event_id = ?", (alert_id,)
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def _alert(database: Database, account: str, alert_id: int) -> Alert | None:
    row = database.conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE event_id = ?", (alert_id,)
    ).fetchone()
    event = None if row is None else alert_rows.decode(row)
    return None if event is None else Alert(account, event)


def acknowledge(
    database: Database, alert_ids: Iterable[int], operator: str, at: datetime
) -> AckResult:
    """Acknowledge these alerts as `operator` at `at`; each id once, in the order given."""
    result = AckResult()
    with database.lock:
        for alert_id in dict.fromkeys(alert_ids):
            with database.read():
                found = _find(database, alert_id)
            if found is None:
                result.missing.append(alert_id)
                continue
            account, severity = found
            if severity != str(Severity.ALERT):
                result.not_alerts.append(alert_id)
                continue
            with database.write(account):
                changed = database.conn.execute(
                    "UPDATE events SET acked_by = ?, acked_at = ?"
                    " WHERE event_id = ? AND acked_by IS NULL",
                    (operator, time_to_text(at), alert_id),
                ).rowcount
                alert = _alert(database, account, alert_id)
            if alert is not None:
                (result.acked if changed else result.already).append(alert)
    return result


def alerts(
    database: Database,
    *,
    account: str | None = None,
    prefixed: bool = False,
    unacked: bool = False,
    limit: int = 200,
) -> list[Alert]:
    """The newest `limit` alerts of the store (of one account's key), newest first.
    `prefixed`: the keys carry a profile's name first ("work:rest:sam@…"), which `account`
    leaves out; it matches the key's end after a colon (the same SQL on both stores)."""
    query = f"SELECT account, {_COLUMNS} FROM events WHERE severity = ?"
    params: list[object] = [str(Severity.ALERT)]
    if account is not None and prefixed:
        tail = f":{account}"
        query += (
            " AND (account = ? OR (length(account) > ?"
            " AND substr(account, length(account) - ? + 1) = ?))"
        )
        params += [account, len(tail), len(tail), tail]
    elif account is not None:
        query += " AND account = ?"
        params.append(account)
    if unacked:
        query += " AND acked_by IS NULL"
    query += " ORDER BY at DESC, event_id DESC LIMIT ?"
    params.append(max(0, limit))
    with database.lock, database.read():
        rows = database.conn.execute(query, params).fetchall()
    out: list[Alert] = []
    for row in rows:
        event = alert_rows.decode(row[1:])
        if event is not None:
            out.append(Alert(str(row[0]), event))
    return out
