"""One ended session as the history keeps it (`HistoryRow`), and a stored row read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from session_tui.enrich.text import plain
from session_tui.model import EndReason, Session
from session_tui.tracking.codec import session_from_dict
from session_tui.tracking.events import Ended, TimeRange, duration_between
from session_tui.tracking.schema import loads


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One ended session for the history pane, newest first.

    `signed_in` is None when nobody knows (an API history entry without a creation time);
    `source` is "observed" (we saw it go) or "api" (the API's own history told us).
    `revoked_by` is the operator who revoked it from session-tui, where known; `by_colleague`
    whether that was someone else on a shared store (it then reads "revoked by alice@ops").
    """

    row_id: int
    session: Session
    device: str
    location: str
    signed_in: TimeRange | None
    ended: TimeRange
    reason: EndReason
    source: str
    revoked_by: str | None = None
    by_colleague: bool = False

    @property
    def reason_text(self) -> str:
        """ "revoked by alice@ops" for a colleague's revocation, else the reason's words."""
        if self.by_colleague and self.revoked_by and self.reason is EndReason.REVOKED_HERE:
            return f"revoked by {plain(self.revoked_by, 64)}"
        return str(self.reason)

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def duration(self) -> timedelta | None:
        return duration_between(self.signed_in, self.ended)[0]

    @property
    def duration_is_minimum(self) -> bool:
        """True when the start is only a bound, so the duration reads "at least ..."."""
        return duration_between(self.signed_in, self.ended)[1]


def history_row(row: Sequence[Any], viewer: str | None = None) -> HistoryRow | None:
    """A stored row (`store._HISTORY_COLUMNS`); `viewer`: who reads it, on a shared store."""
    row_id, snapshot, device, location, signed_in, ended, reason, source, revoked_by = row
    data = loads(snapshot)
    ended_range = TimeRange.from_dict(loads(ended))
    if not isinstance(data, dict) or ended_range is None:
        return None
    try:
        end_reason = EndReason(reason)
    except ValueError:
        end_reason = EndReason.ENDED_ELSEWHERE
    return HistoryRow(
        row_id=int(row_id),
        session=session_from_dict(data),
        device=device,
        location=location,
        signed_in=TimeRange.from_dict(loads(signed_in)),
        ended=ended_range,
        reason=end_reason,
        source=source,
        revoked_by=revoked_by,
        by_colleague=viewer is not None and revoked_by is not None and revoked_by != viewer,
    )


def ended_row_kwargs(event: Ended) -> dict[str, Any]:
    """The history row an observed `Ended` event becomes."""
    return {
        "device": event.device,
        "location": event.location,
        "signed_in": event.signed_in,
        "ended": event.ended,
        "reason": event.reason,
        "source": "observed",
    }
