"""Compare two polls of one account and say what happened in between.

Pure: no clock, no store, no I/O. The tracker hands in what it remembers (the previous snapshot,
which sessions this app revoked) and persists what comes out; the alert rules then grade the
sign-ins. Keeping it pure is what lets every end reason be tested with a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from session_tui.model import EndReason, Session
from session_tui.tracking.describe import Describer, fingerprint_of
from session_tui.tracking.events import (
    Ended,
    Event,
    IpChanged,
    LocationChanged,
    SignIn,
    TimeRange,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the previous poll saw: its sessions by id, when it was taken, and sign-in times.

    `taken_at is None` means there was no previous poll: the account is observed for the first
    time, and what it shows is the baseline, not a burst of sign-ins.
    """

    taken_at: datetime | None
    sessions: Mapping[str, Session] = field(default_factory=dict)
    signed_in: Mapping[str, TimeRange] = field(default_factory=dict)

    @property
    def is_baseline(self) -> bool:
        return self.taken_at is None


def unchanged(previous: Snapshot, current: Iterable[Session], granularity: timedelta) -> bool:
    """True when `current` would add nothing worth writing down to `previous`.

    Same sessions, same fields; only `last_active_at` may have moved, by less than
    `granularity`. The contract counts every listing as activity of our own session, so without
    that slack no poll would ever be "unchanged". A baseline is never unchanged.
    """
    if previous.is_baseline:
        return False
    by_id = {s.id: s for s in current}
    if by_id.keys() != previous.sessions.keys():
        return False
    for sid, now in by_id.items():
        old = previous.sessions[sid]
        if old == now:
            continue
        if old.last_active_at is None or now.last_active_at is None:
            return False
        if abs(now.last_active_at - old.last_active_at) >= granularity:
            return False
        if replace(old, last_active_at=now.last_active_at) != now:
            return False
    return True


def signed_in_range(session: Session, previous_poll: datetime | None, now: datetime) -> TimeRange:
    """When a session that appears now signed in, as honestly as we can say it.

    The API's own creation time wins; otherwise it happened after the previous poll (or, with no
    previous poll, at some unknown time before now).
    """
    if session.created_at is not None:
        return TimeRange.exact(session.created_at)
    if previous_poll is None:
        return TimeRange.before(now)
    return TimeRange(min(previous_poll, now), now)


def end_of(
    session: Session,
    previous_poll: datetime | None,
    now: datetime,
    revoked_here: Mapping[str, datetime],
) -> tuple[EndReason, TimeRange]:
    """Why and when a session that was there at the previous poll and is gone now ended."""
    if session.id in revoked_here:
        return EndReason.REVOKED_HERE, TimeRange.exact(revoked_here[session.id])
    if session.expires_at is not None and session.expires_at <= now:
        return EndReason.EXPIRED, TimeRange.exact(session.expires_at)
    if previous_poll is None:
        return EndReason.ENDED_ELSEWHERE, TimeRange.before(now)
    return EndReason.ENDED_ELSEWHERE, TimeRange(min(previous_poll, now), now)


def _judged_anew(describe: Describer, old: Session, new: Session) -> bool:
    """The device fingerprint or the country changed, to something known."""
    if new.user_agent and fingerprint_of(old).key != fingerprint_of(new).key:
        return True
    country = describe.country(new)
    return country is not None and country != describe.country(old)


def diff(
    previous: Snapshot,
    current: Iterable[Session],
    now: datetime,
    revoked_here: Mapping[str, datetime] | None = None,
    describer: Describer | None = None,
) -> list[Event]:
    """The events between `previous` and `current`: sign-ins, endings, IP and location changes.

    Sign-ins come out as info; `alerts.classify` grades them. A baseline snapshot yields no
    sign-ins at all (those sessions were already there). A session already listed whose device
    or country became known or changed comes out as a sign-in too, to be judged again (the
    tracker keeps it only when it alerts).
    """
    describe = describer or Describer()
    revoked = revoked_here or {}
    now_by_id = {s.id: s for s in current}
    events: list[Event] = []

    for sid, session in now_by_id.items():
        old = previous.sessions.get(sid)
        if old is not None and (
            old is session
            or (old.user_agent, old.ip, old.location)
            == (session.user_agent, session.ip, session.location)
        ):
            continue  # every event below follows from one of these: O(changes), not O(listed)
        labels = {
            "device": describe.device_label(session),
            "location": describe.location_label(session),
        }
        if old is None:
            if not previous.is_baseline:
                events.append(_sign_in(session, previous, now, labels, None))
            continue
        if _judged_anew(describe, old, session):
            # What the alert rules look at became known or changed (a server under load may
            # first list a device without its user agent or address): judge it again, so an
            # alert is never lost to an incomplete first listing. Kept only if it alerts.
            events.append(_sign_in(session, previous, now, labels, previous.signed_in.get(sid)))
        events += _moves(describe, old, session, labels, now)
    events += _endings(describe, previous, now_by_id, now, revoked)
    return events


def _sign_in(
    session: Session,
    previous: Snapshot,
    now: datetime,
    labels: dict[str, str],
    known: TimeRange | None,
) -> SignIn:
    return SignIn(
        session=session,
        at=now,
        signed_in=known or signed_in_range(session, previous.taken_at, now),
        device=labels["device"],
        location=labels["location"],
    )


def _moves(
    describe: Describer, old: Session, session: Session, labels: dict[str, str], now: datetime
) -> list[Event]:
    """A listed session's new address and new place, if either changed."""
    moves: list[Event] = []
    if old.ip and session.ip and old.ip != session.ip:
        moves.append(
            IpChanged(
                session=session,
                at=now,
                old_ip=old.ip,
                new_ip=session.ip,
                device=labels["device"],
                location=labels["location"],
            )
        )
    old_place, new_place = describe.place_key(old), describe.place_key(session)
    if old_place and new_place and old_place != new_place:
        moves.append(
            LocationChanged(
                session=session,
                at=now,
                old_location=describe.location_label(old),
                new_location=labels["location"],
                device=labels["device"],
                location=labels["location"],
            )
        )
    return moves


def _endings(
    describe: Describer,
    previous: Snapshot,
    listed: Mapping[str, Session],
    now: datetime,
    revoked: Mapping[str, datetime],
) -> list[Event]:
    """The sessions of `previous` no longer listed, each with how it most likely ended."""
    endings: list[Event] = []
    for sid, old in previous.sessions.items():
        if sid in listed:
            continue
        reason, ended = end_of(old, previous.taken_at, now, revoked)
        endings.append(
            Ended(
                session=old,
                at=now,
                device=describe.device_label(old),
                location=describe.location_label(old),
                reason=reason,
                ended=ended,
                signed_in=previous.signed_in.get(sid)
                or (TimeRange.exact(old.created_at) if old.created_at else None),
            )
        )
    return endings
