"""How the demo account lives: activity, sign-ins, sign-outs and expiry as its clock moves.

`DemoState` is this plus its reading and changing methods; here is only what time does to the
account, under the state's lock, from its seeded random stream, so a run is the same for the
same seed and clock.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from session_tui.demo import data
from session_tui.demo.changes import ChangeLog
from session_tui.demo.records import DemoEnded, DemoSession, parse_time, rfc3339

# Up to this long between two looks, the demo plays what fell due at its lively pace (a sign-in
# a minute: something to see while you watch); after a longer gap (a laptop asleep, the last
# run yesterday) it plays a believable trickle instead (`_away`).
LIVELY_GAP = timedelta(minutes=10)
ACTIVITY_EVERY = (5, 20)  # seconds between two bursts of activity on some session
SIGNIN_EVERY = (45, 80)  # seconds between two new sign-ins
MAX_ACTIVE = 18  # above this, new sign-ins pause until some expire
HISTORY_KEEP = 200


class AccountLife:
    """The account's sessions and history and the schedule of what happens to them next."""

    _rng: random.Random
    _clock: Callable[[], datetime]
    _lock: threading.RLock
    _sessions: dict[str, DemoSession]
    _history: list[DemoEnded]
    _log: ChangeLog
    _seen_until: datetime
    _next_activity: datetime
    _next_signin: datetime
    _max_active: int
    current_id: str
    live: bool

    # -- kept on disk (`demo.saved`) --------------------------------------------------------

    @property
    def revision(self) -> str:
        """Changes whenever the account does (a new value after each change or `adopt`)."""
        with self._lock:
            return self._log.cursor()

    def export(self) -> dict[str, Any]:
        """Everything that makes the account what it is, as JSON-ready data; `adopt` reads it
        back and the account goes on exactly where it stood, random stream included."""
        with self._lock:
            version, internal, gauss = self._rng.getstate()
            return {
                "current_id": self.current_id,
                "seen_until": rfc3339(self._seen_until),
                "next_activity": rfc3339(self._next_activity),
                "next_signin": rfc3339(self._next_signin),
                "random": [version, list(internal), gauss],
                "sessions": [s.to_saved() for s in self._sessions.values()],
                "history": [
                    {
                        **e.session.to_saved(),
                        "ended_at": rfc3339(e.ended_at),
                        "reason": e.end_reason,
                    }
                    for e in self._history
                ],
            }

    def adopt(self, saved: dict[str, Any]) -> None:
        """Become the account `export` wrote (maybe another process's). Raises ValueError,
        KeyError or TypeError, and changes nothing, when `saved` is not such an account."""
        if not isinstance(saved["sessions"], list) or not isinstance(saved["history"], list):
            raise TypeError("the saved sessions are not lists")
        sessions = {s.id: s for s in map(DemoSession.from_saved, saved["sessions"])}
        history = [DemoEnded.from_saved(e) for e in saved["history"]]
        current = saved["current_id"]
        if current != self.current_id and current not in sessions:
            raise ValueError("the saved account has no current session")
        version, internal, gauss = saved["random"]
        rng = random.Random()
        rng.setstate((version, tuple(internal), gauss))
        times = [_time(saved[k]) for k in ("seen_until", "next_activity", "next_signin")]
        with self._lock:
            self._sessions, self._history, self.current_id, self._rng = (
                sessions,
                history,
                current,
                rng,
            )
            self._seen_until, self._next_activity, self._next_signin = times
            self._log = ChangeLog()  # a new epoch: cursors given out before mean "everything"
            for sid in sessions:
                self._log.changed(sid)

    # -- time ------------------------------------------------------------------------------

    def catch_up(self, now: datetime) -> None:
        """Play every event due up to `now`. Does nothing unless the demo is live."""
        with self._lock:
            if not self.live or now <= self._seen_until:
                return
            if now - self._seen_until > LIVELY_GAP:
                self._away(self._seen_until, now)
                return
            while True:
                due = min(self._next_activity, self._next_signin)
                if due > now:
                    break
                self._expire(due)
                if due == self._next_activity:
                    self._activity(due)
                    self._next_activity = due + self._gap(ACTIVITY_EVERY)
                else:
                    self._signin(due)
                    self._next_signin = due + self._gap(SIGNIN_EVERY)
            self._expire(now)
            self._seen_until = now

    def _away(self, since: datetime, now: datetime) -> None:
        """A long gap (a laptop asleep, the last run days ago) is not replayed at the demo's
        lively pace: a few sign-ins, sign-outs and bursts of activity at believable times
        (about one of each per six hours away, three at most), expiry as it fell due."""
        hours = (now - since).total_seconds() / 3600
        rng = self._rng
        plan = [("signin", n) for n in range(min(3, int(hours / 6 + rng.random())))]
        plan += [("signout", n) for n in range(min(3, int(hours / 6 + rng.random())))]
        plan += [("activity", n) for n in range(min(3, int(hours / 4 + rng.random())))]
        span = (now - since).total_seconds()
        timed = sorted((since + timedelta(seconds=rng.uniform(0, span)), what) for what, _ in plan)
        for moment, what in timed:
            self._expire(moment)
            if what == "signin":
                self._signin(moment)
            elif what == "activity":
                self._activity(moment)
            else:
                others = sorted(sid for sid in self._sessions if sid != self.current_id)
                if others:
                    self._end(rng.choice(others), moment, "signed_out")
        self._expire(now)
        self._seen_until = now
        self._next_activity = now + self._gap(ACTIVITY_EVERY)
        self._next_signin = now + self._gap(SIGNIN_EVERY)

    def _expire(self, moment: datetime) -> None:
        due = [
            s
            for s in self._sessions.values()
            if s.id != self.current_id and s.expires_at is not None and s.expires_at <= moment
        ]
        for s in sorted(due, key=lambda s: s.expires_at or moment):
            self._end(s.id, s.expires_at or moment, "expired")

    def _activity(self, moment: datetime) -> None:
        others = sorted(sid for sid in self._sessions if sid != self.current_id)
        if not others:
            return
        # A big account has about one session in a hundred active at each burst.
        burst = max(self._rng.randint(1, 2), len(others) // 100)
        for sid in self._rng.sample(others, k=min(len(others), burst)):
            self._sessions[sid] = replace(self._sessions[sid], last_active_at=moment)
            self._log.changed(sid)

    def _signin(self, moment: datetime) -> None:
        if len(self._sessions) >= self._max_active:
            return
        device, places = self._rng.choice(data.NEWCOMERS)
        place_key = self._rng.choice(places)
        session = self._add_from(device, place_key, self._rng.random() < 0.5, moment, moment, None)
        if device.lifetime_minutes is not None:
            low, high = device.lifetime_minutes
            expires = moment + timedelta(minutes=self._rng.randint(low, high))
            self._sessions[session.id] = replace(session, expires_at=expires)
            self._log.changed(session.id)

    # -- internals -------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the demo clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    def _gap(self, bounds: tuple[int, int]) -> timedelta:
        return timedelta(seconds=self._rng.randint(*bounds))

    def _new_id(self) -> str:
        while True:
            sid = "ses_" + "".join(self._rng.choices("0123456789abcdefghjkmnpqrstvwxyz", k=12))
            if sid not in self._sessions and all(e.session.id != sid for e in self._history):
                return sid

    def _end(self, session_id: str, moment: datetime, reason: str) -> bool:
        gone = self._sessions.pop(session_id, None)
        if gone is None:
            return False
        self._log.ended(session_id)
        self._history.append(DemoEnded(gone, moment, reason))
        if len(self._history) > HISTORY_KEEP:
            self._history.sort(key=lambda e: e.ended_at)
            del self._history[: len(self._history) - HISTORY_KEEP]
        return True

    def _add_from(
        self,
        device: data.Device,
        place_key: str,
        provider_location: bool,
        created: datetime,
        active: datetime,
        expires: datetime | None,
    ) -> DemoSession:
        place = data.PLACES[place_key]
        session = DemoSession(
            id=self._new_id(),
            user_agent=device.user_agent,
            device_name=device.device_name,
            ip=data.address_in(place, self._rng),
            city=place.city if provider_location else None,
            region=place.region if provider_location else None,
            country=place.country if provider_location else None,
            created_at=created,
            last_active_at=active,
            expires_at=expires,
        )
        self._sessions[session.id] = session
        self._log.changed(session.id)
        return session


def _time(value: Any) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError("a saved time is missing")
    return parsed
