"""The demo account's sessions, and how they change while the demo lives.

Time only moves when someone looks: every request (and every test helper) first calls
`catch_up(now)`, which plays the events that fell due since the last look, in order, from a
seeded random stream. So the result depends on the seed and the clock only, never on how often
the app polls, and a test with a fixed clock and seed sees the same data every run.
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
from session_tui.demo.records import DemoEnded as DemoEnded
from session_tui.demo.records import DemoSession as DemoSession
from session_tui.demo.records import rfc3339 as rfc3339
from session_tui.demo.records import utc_now as utc_now

# How long a demo account "lives" at most between two looks; a laptop waking up after a
# week must not replay ten thousand sign-ins.
MAX_CATCH_UP = timedelta(hours=1)
ACTIVITY_EVERY = (5, 20)  # seconds between two bursts of activity on some session
SIGNIN_EVERY = (45, 80)  # seconds between two new sign-ins
MAX_ACTIVE = 14  # above this, new sign-ins pause until some expire
HISTORY_KEEP = 200


class DemoState:
    """Thread-safe store of one account's sessions; the HTTP handler and tests share it.

    Every public method takes the lock and first lets time catch up, so callers never see a
    session that should already have expired.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        live: bool = True,
        sessions: int | None = None,
    ) -> None:
        """`sessions` makes a large account of that many sessions (`--demo-sessions N`)."""
        self._rng = random.Random(seed)
        self._size = sessions or 0
        self._max_active = max(MAX_ACTIVE, self._size + 4)
        self._clock = clock or utc_now
        self.live = live
        self._lock = threading.RLock()
        self._sessions: dict[str, DemoSession] = {}
        self._history: list[DemoEnded] = []
        self._log = ChangeLog()
        start = self._now()
        self._seen_until = start
        self._next_activity = start + self._gap(ACTIVITY_EVERY)
        self._next_signin = start + self._gap(SIGNIN_EVERY)
        self.current_id = self._populate(start)

    @property
    def lock(self) -> threading.RLock:
        """Held across several reads that must see one moment (a listing and its cursor)."""
        return self._lock

    # -- reading ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The demo's clock, after letting time catch up to it."""
        with self._lock:
            now = self._now()
            self.catch_up(now)
            return now

    def sessions(self) -> list[DemoSession]:
        """Active sessions (copies), most recently active first."""
        with self._lock:
            self.catch_up(self._now())
            ordered = sorted(
                self._sessions.values(),
                key=lambda s: s.last_active_at or datetime.min.replace(tzinfo=UTC),
                reverse=True,
            )
            return [replace(s, extra=dict(s.extra)) for s in ordered]

    def session_ids(self) -> set[str]:
        """The ids of the active sessions (without copying 10,000 sessions to learn them)."""
        with self._lock:
            self.catch_up(self._now())
            return set(self._sessions)

    def is_active(self, session_id: str) -> bool:
        """Asked on every request (is the token's own session still there?): O(1)."""
        with self._lock:
            self.catch_up(self._now())
            return session_id in self._sessions

    def history(self) -> list[DemoEnded]:
        """Ended sessions, newest first."""
        with self._lock:
            self.catch_up(self._now())
            return sorted(self._history, key=lambda e: e.ended_at, reverse=True)

    def cursor(self) -> str:
        """Where the account's changes stand now: what a later `changes_since` starts from."""
        with self._lock:
            self.catch_up(self._now())
            return self._log.cursor()

    def changes_since(self, cursor: str) -> tuple[list[DemoSession], list[str], str] | None:
        """(sessions added or changed after `cursor` (copies), ids ended after it, the cursor
        of now); None when it cannot be told, and the caller answers with everything."""
        with self._lock:
            self.catch_up(self._now())
            found = self._log.since(cursor)
            if found is None:
                return None
            changed, ended = found
            found_sessions = [self._sessions[sid] for sid in changed]
            copies = [replace(s, extra=dict(s.extra)) for s in found_sessions]
            return copies, ended, self._log.cursor()

    def account_json(self) -> dict[str, Any]:
        return {
            "id": data.ACCOUNT_ID,
            "display_name": data.ACCOUNT_NAME,
            "email": data.ACCOUNT_EMAIL,
        }

    # -- changing --------------------------------------------------------------------------

    def add_session(
        self,
        *,
        user_agent: str | None = None,
        device_name: str | None = None,
        ip: str | None = None,
        city: str | None = None,
        region: str | None = None,
        country: str | None = None,
        created_at: datetime | None = None,
        last_active_at: datetime | None = None,
        expires_at: datetime | None = None,
        session_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A sign-in from elsewhere, with whatever fields a test wants (hostile ones included).

        Times default to now (created, last active) and no expiry. `extra` is merged into the
        wire form as is, so tests can send fields the contract does not know.
        """
        with self._lock:
            now = self._now()
            self.catch_up(now)
            sid = session_id or self._new_id()
            if sid in self._sessions:
                raise ValueError(f"session {sid!r} exists")
            self._sessions[sid] = DemoSession(
                id=sid,
                user_agent=user_agent,
                device_name=device_name,
                ip=ip,
                city=city,
                region=region,
                country=country,
                created_at=created_at or now,
                last_active_at=last_active_at or now,
                expires_at=expires_at,
                extra=dict(extra or {}),
            )
            self._log.changed(sid)
            return sid

    def touch(self, session_id: str, when: datetime | None = None) -> None:
        """Mark activity on a session (the current one on every request it makes)."""
        with self._lock:
            now = self._now()
            self.catch_up(now)
            if session_id in self._sessions:
                self._sessions[session_id].last_active_at = when or now
                self._log.changed(session_id)

    def remove_session(self, session_id: str, reason: str = "signed_out") -> bool:
        """End a session from elsewhere (the user signed out on that device); False if unknown."""
        with self._lock:
            now = self._now()
            self.catch_up(now)
            return self._end(session_id, now, reason)

    def revoke(self, session_id: str) -> bool:
        """What DELETE does; refusing the current session is the caller's job (see server)."""
        return self.remove_session(session_id, "revoked")

    def revoke_others(self, only: list[str] | None = None) -> list[str]:
        """End every session but the current one (or only the listed ones); the ids ended."""
        with self._lock:
            now = self._now()
            self.catch_up(now)
            targets = [sid for sid in self._sessions if sid != self.current_id]
            if only is not None:
                wanted = set(only)
                targets = [sid for sid in targets if sid in wanted]
            for sid in targets:
                self._end(sid, now, "revoked")
            return targets

    # -- time ------------------------------------------------------------------------------

    def catch_up(self, now: datetime) -> None:
        """Play every event due up to `now`. Does nothing unless the demo is live."""
        with self._lock:
            if not self.live or now <= self._seen_until:
                return
            if now - self._seen_until > MAX_CATCH_UP:
                self._skip_to(now - MAX_CATCH_UP)
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

    def _skip_to(self, moment: datetime) -> None:
        """Jump over a long gap: expire what is due, and move the schedule, no replay."""
        self._expire(moment)
        self._seen_until = moment
        self._next_activity = max(self._next_activity, moment + self._gap(ACTIVITY_EVERY))
        self._next_signin = max(self._next_signin, moment + self._gap(SIGNIN_EVERY))

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
            self._sessions[sid].last_active_at = moment
            self._log.changed(sid)

    def _signin(self, moment: datetime) -> None:
        if len(self._sessions) >= self._max_active:
            return
        device, places = self._rng.choice(data.NEWCOMERS)
        place_key = self._rng.choice(places)
        session = self._add_from(device, place_key, self._rng.random() < 0.5, moment, moment, None)
        if device.lifetime_minutes is not None:
            low, high = device.lifetime_minutes
            session.expires_at = moment + timedelta(minutes=self._rng.randint(low, high))
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

    def _populate(self, start: datetime) -> str:
        def ago(minutes: int) -> datetime:
            return start - timedelta(minutes=minutes)

        berlin = data.PLACES["berlin4"]
        current = DemoSession(
            id=self._new_id(),
            user_agent=data.CURRENT_USER_AGENT,
            device_name=data.CURRENT_DEVICE_NAME,
            ip=data.address_in(berlin, self._rng),
            city=berlin.city,
            region=berlin.region,
            country=berlin.country,
            created_at=ago(1),
            last_active_at=start,
            expires_at=None,
        )
        self._sessions[current.id] = current
        self._log.changed(current.id)
        for seed in data.INITIAL:
            expires = (
                None
                if seed.expires_in_minutes is None
                else start + timedelta(minutes=seed.expires_in_minutes)
            )
            self._add_from(
                seed.device,
                seed.place,
                seed.provider_location,
                ago(seed.created_minutes_ago),
                ago(seed.active_minutes_ago),
                expires,
            )
        for seed, ended_ago, reason in data.INITIAL_HISTORY:
            session = self._add_from(
                seed.device,
                seed.place,
                seed.provider_location,
                ago(seed.created_minutes_ago),
                ago(ended_ago + 5),
                ago(ended_ago) if reason == "expired" else None,
            )
            self._end(session.id, ago(ended_ago), reason)
        self._grow(start)
        return current.id

    def _grow(self, start: datetime) -> None:
        """Fill the account up to `sessions` with a realistic fleet: most idle for days, some
        for months (the inactive filter has something to find), a few online right now."""
        rng = self._rng
        places = sorted(data.PLACES)
        index = 0
        while len(self._sessions) < self._size:
            index += 1
            device = data.fleet_device(rng, index)
            created = start - timedelta(minutes=rng.randint(60, 60 * 24 * 200))
            roll = rng.random()
            if roll < 0.05:
                idle = timedelta(seconds=rng.randint(0, 240))
            elif roll < 0.8:
                idle = timedelta(minutes=rng.randint(5, 60 * 24 * 20))
            else:
                idle = timedelta(days=rng.randint(30, 200))
            active = max(created, start - idle)
            expires = None
            if device.lifetime_minutes is not None:
                expires = start + timedelta(minutes=rng.randint(*device.lifetime_minutes))
            self._add_from(device, rng.choice(places), rng.random() < 0.5, created, active, expires)
