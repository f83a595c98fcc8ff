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
from session_tui.demo.life import ACTIVITY_EVERY, MAX_ACTIVE, SIGNIN_EVERY, AccountLife
from session_tui.demo.records import DemoEnded as DemoEnded
from session_tui.demo.records import DemoSession as DemoSession
from session_tui.demo.records import rfc3339 as rfc3339
from session_tui.demo.records import utc_now as utc_now


class DemoState(AccountLife):
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
        account: tuple[str, str, str] | None = None,
    ) -> None:
        """`sessions` makes a large account of that many sessions (`--demo-sessions N`).
        `account` (id, display name, e-mail) makes another user's account, watched on call:
        none of its sessions is ours (`current_id` is "")."""
        self.account = account or (data.ACCOUNT_ID, data.ACCOUNT_NAME, data.ACCOUNT_EMAIL)
        self._own = account is None
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
        """Active sessions, most recently active first."""
        with self._lock:
            self.catch_up(self._now())
            ordered = sorted(
                self._sessions.values(),
                key=lambda s: s.last_active_at or datetime.min.replace(tzinfo=UTC),
                reverse=True,
            )
            return ordered  # values, never changed in place: no copies needed

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
            return [self._sessions[sid] for sid in changed], ended, self._log.cursor()

    def account_json(self) -> dict[str, Any]:
        account_id, name, email = self.account
        return {"id": account_id, "display_name": name, "email": email}

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
                session = self._sessions[session_id]
                self._sessions[session_id] = replace(session, last_active_at=when or now)
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

    def _populate(self, start: datetime) -> str:
        def ago(minutes: int) -> datetime:
            return start - timedelta(minutes=minutes)

        if not self._own:
            return self._populate_theirs(start)
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

    def _populate_theirs(self, start: datetime) -> str:
        """Another user's account: some of the usual devices, at their own times."""
        first_name = self.account[1].split()[0]
        for seed in self._rng.sample(data.INITIAL, k=self._rng.randint(4, len(data.INITIAL))):
            minutes = self._rng.randint(1, seed.active_minutes_ago + 30)
            expires = seed.expires_in_minutes
            device = seed.device
            if device.device_name and device.device_name.startswith(f"{data.ACCOUNT_FIRST}'s"):
                named = device.device_name.replace(data.ACCOUNT_FIRST, first_name, 1)
                device = replace(device, device_name=named)  # "Sam's MacBook", not Alex's
            self._add_from(
                device,
                seed.place,
                seed.provider_location,
                start - timedelta(minutes=seed.created_minutes_ago),
                start - timedelta(minutes=minutes),
                None if expires is None else start + timedelta(minutes=expires),
            )
        return ""

    def _grow(self, start: datetime) -> None:
        """Fill the account up to `sessions` with a realistic fleet (`data.fleet_member`)."""
        index = 0
        while len(self._sessions) < self._size:
            index += 1
            member = data.fleet_member(self._rng, index, start)
            self._add_from(*member)
