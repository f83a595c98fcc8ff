"""An account's risk memory in the history store, and the risk of each listed session.

What is judged once, when a session is first seen, is kept (`risk_notes`): whether its country,
network and device were new for the account then (later they are known, so judging again would
clear it), and whether getting there from the account's previous sign-in was impossible travel.
A session's own move (a new address too far away too soon) adds a travel reason when it is
seen. What the address is (a Tor exit, a VPN, a hosting range) is judged on every listing, from
the address the session has now. A session the user said was theirs ("this was me",
`trusted`) has no risk, and neither has a later one from the same device and network.

Not thread-safe by itself: the `Tracker` calls it inside its store's transactions.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from session_tui.enrich.device import DeviceType, device_of
from session_tui.enrich.geo import country_name
from session_tui.enrich.points import GeoPoint
from session_tui.enrich.risk import (
    NO_RISK,
    Familiar,
    Reason,
    Risk,
    RiskCode,
    Sighting,
    combined,
    network_reasons,
    novelty_reasons,
    travel,
)
from session_tui.model import Session
from session_tui.tracking.codec import time_to_text
from session_tui.tracking.describe import fingerprint_of
from session_tui.tracking.diff import Snapshot
from session_tui.tracking.events import Event, IpChanged, LocationChanged, SignIn
from session_tui.tracking.store import WATCHED_SINCE, HistoryStore

NOTES_ONE_BY_ONE = 500  # up to this many sessions' notes are read by key, not the whole table
SIGN_INS = "sign_ins"  # meta: the account's latest sign-ins with a place (JSON)
KEPT_SIGN_INS = 20


@dataclass(frozen=True, slots=True)
class Trust:
    """What the user said was theirs: sessions, and the (device, network) pairs they came from."""

    sessions: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def sign_in_time(session: Session, seen: datetime) -> datetime:
    """When the session signed in: the server's word, else when it was first seen."""
    return session.created_at or seen


class RiskBook:
    """One account's risk memory (its store's rows) and the judging that uses it."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.conn = store.conn
        self.account = store.account
        self.describer = store.describer
        self.noted: set[str] = set()  # the sessions whose kept reasons changed here

    # -- what the account has used and said ----------------------------------------------------

    def familiar(self, now: datetime) -> Familiar:
        """The countries, networks and devices the account has used, and how long and how
        often it has been watched (for the learning period)."""
        mine = (self.account,)

        def keys(sql: str) -> frozenset[str]:
            return frozenset(r[0] for r in self.conn.execute(sql, mine))

        sign_ins = sum(
            int(self.conn.execute(sql, mine).fetchone()[0])
            for sql in (
                "SELECT COUNT(*) FROM known_sessions WHERE account = ?",
                "SELECT COUNT(*) FROM ended_sessions WHERE account = ?",
            )
        )
        return Familiar(
            countries=keys("SELECT code FROM known_countries WHERE account = ?"),
            networks=keys("SELECT key FROM known_networks WHERE account = ?"),
            devices=keys("SELECT fingerprint FROM known_devices WHERE account = ?"),
            first_seen=self.store.get_time(WATCHED_SINCE) or now,
            sign_ins=sign_ins,
        )

    def notes(self, only: Collection[str] | None = None) -> dict[str, tuple[Reason, ...]]:
        """The kept reasons of every session (or of `only` these), by id."""
        found: dict[str, tuple[Reason, ...]] = {}
        if only is not None and len(only) <= NOTES_ONE_BY_ONE:
            one = "SELECT session_id, reasons FROM risk_notes WHERE account = ? AND session_id = ?"
            rows: Iterable[tuple[str, str]] = [
                row for sid in only for row in self.conn.execute(one, (self.account, sid))
            ]
        else:
            rows = self.conn.execute(
                "SELECT session_id, reasons FROM risk_notes WHERE account = ?", (self.account,)
            )
        for sid, text in rows:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, list):
                found[sid] = tuple(r for r in map(Reason.from_json, data) if r is not None)
        return found

    def note(self, session_id: str, reasons: Iterable[Reason]) -> None:
        """Keep these sign-in reasons for the session (replacing what was kept)."""
        kept = [r.to_json() for r in reasons]
        self.noted.add(session_id)
        if not kept:
            self.drop(session_id)
            return
        self.conn.execute(
            "INSERT INTO risk_notes (account, session_id, reasons) VALUES (?, ?, ?)"
            " ON CONFLICT (account, session_id) DO UPDATE SET reasons = excluded.reasons",
            (self.account, session_id, _dumps(kept)),
        )

    def drop(self, session_id: str) -> None:
        self.noted.add(session_id)
        self.conn.execute(
            "DELETE FROM risk_notes WHERE account = ? AND session_id = ?",
            (self.account, session_id),
        )

    def trust(self) -> Trust:
        rows = self.conn.execute(
            "SELECT session_id, fingerprint, network FROM trusted WHERE account = ?",
            (self.account,),
        ).fetchall()
        return Trust(frozenset(r[0] for r in rows), frozenset((r[1], r[2]) for r in rows))

    def set_trusted(self, session: Session, at: datetime, *, trusted: bool) -> None:
        """ "This was me" (or its undoing): the session, its device and its network."""
        if not trusted:
            self.conn.execute(
                "DELETE FROM trusted WHERE account = ? AND session_id = ?",
                (self.account, session.id),
            )
            return
        network = self.describer.network(session)
        self.conn.execute(
            "INSERT INTO trusted (account, session_id, fingerprint, network, at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, session_id) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, network = excluded.network, at = excluded.at",
            (
                self.account,
                session.id,
                fingerprint_of(session).key,
                network.key if network is not None else "",
                time_to_text(at),
            ),
        )
        self.store.learn([session], at)  # its device, country and network are known now

    # -- the account's recent sign-ins --------------------------------------------------------

    def sign_ins(self) -> list[Sighting]:
        """The account's latest sign-ins with a place (`KEPT_SIGN_INS`), oldest first: a new
        sign-in is judged from the one just before it, which need not be the newest (a server
        may list a sign-in late)."""
        row = self.conn.execute(
            "SELECT value FROM meta WHERE account = ? AND key = ?", (self.account, SIGN_INS)
        ).fetchone()
        try:
            data = json.loads(row[0]) if row else []
        except ValueError:
            return []
        found = [s for s in map(Sighting.from_json, data if isinstance(data, list) else []) if s]
        return sorted(found, key=lambda s: s.at)

    def keep_sign_ins(self, sightings: list[Sighting]) -> None:
        kept = sorted(sightings, key=lambda s: s.at)[-KEPT_SIGN_INS:]
        self.conn.execute(
            "INSERT INTO meta (account, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (account, key) DO UPDATE SET value = excluded.value",
            (self.account, SIGN_INS, _dumps([s.to_json() for s in kept])),
        )

    # -- judging -------------------------------------------------------------------------------

    def sighting(self, session: Session, at: datetime) -> Sighting | None:
        """Where the person was at `at`, for the travel rule; None when that says nothing of
        where a person went: no place, a Tor exit, VPN or hosting range (the person is
        elsewhere, and such an address is its own reason), or an API client or bot (scripts
        run on servers anywhere; they do not travel)."""
        if device_of(session).device_type in (DeviceType.API_CLIENT, DeviceType.BOT):
            return None
        network = self.describer.network(session)
        if network is not None and network.kind is not None:
            return None
        point: GeoPoint | None = self.describer.point(session)
        return Sighting(point, at) if point is not None else None

    def judge_sign_in(
        self,
        session: Session,
        at: datetime,
        familiar: Familiar,
        previous: Sighting | None,
        now: datetime,
    ) -> list[Reason]:
        """What is kept of a new sign-in: new country, network, device; impossible travel."""
        place = self.describer.place(session)
        code = place.country_code
        country = (code, country_name(code) or code) if code else None
        fingerprint = fingerprint_of(session)
        reasons = novelty_reasons(
            familiar,
            now,
            country=country,
            network=self.describer.network(session),
            device=(fingerprint.key, fingerprint.label),
        )
        here = self.sighting(session, at)
        if previous is not None and here is not None:
            moved = travel(previous, here)
            if moved is not None:
                reasons.append(moved)
        return reasons

    def judge_move(self, before: Session, after: Session, then: datetime, now: datetime) -> None:
        """A listed session at a new place: impossible travel from where it was (`then`, when
        it was last seen there) is added to what is kept of it."""
        was, here = self.sighting(before, then), self.sighting(after, now)
        if was is None or here is None:
            return
        moved = travel(was, here)
        if moved is None:
            return
        kept = [r for r in self.notes().get(after.id, ()) if r.code is not moved.code]
        self.note(after.id, [*kept, moved])

    def first_listing(self, sessions: Iterable[Session], now: datetime) -> None:
        """The account's first listing: its sessions in the order they signed in, each judged
        for travel from the one before (nothing is new in the listing that defines "usual").
        Only sessions whose server says when they signed in: when the others did is unknown."""
        timed = sorted(
            ((s.created_at, s) for s in sessions if s.created_at is not None),
            key=lambda pair: pair[0],
        )
        seen: list[Sighting] = []
        for at, session in timed:
            here = self.sighting(session, at)
            if here is None:
                continue
            if seen:
                moved = travel(seen[-1], here)
                if moved is not None:
                    self.note(session.id, [moved])
            seen.append(here)
        self.keep_sign_ins(seen)

    def risks(self, sessions: Iterable[Session]) -> dict[str, Risk]:
        """Each listed session's risk: what was kept of it, and what its address is now."""
        sessions = list(sessions)
        notes, trust = self.notes([s.id for s in sessions]), self.trust()
        found: dict[str, Risk] = {}
        for session in sessions:
            found[session.id] = self.risk_of(session, notes.get(session.id, ()), trust)
        return found

    def risk_of(self, session: Session, kept: Iterable[Reason], trust: Trust) -> Risk:
        if session.is_current or session.id in trust.sessions:
            return NO_RISK  # the app's own session is the user's by definition
        network = self.describer.network(session)
        pair = (fingerprint_of(session).key, network.key if network is not None else "")
        if pair in trust.pairs:
            return NO_RISK  # the same device and network as a session the user said was theirs
        api = device_of(session).device_type is DeviceType.API_CLIENT
        live = network_reasons(network, api_client=api)
        reasons = [r for r in kept if r.code not in _LIVE] + live
        return combined(reasons) if reasons else NO_RISK


def judge(
    book: RiskBook, snapshot: Snapshot, current: list[Session], events: list[Event], now: datetime
) -> None:
    """What one poll's listing leaves in the account's risk memory: the first listing's
    travel between its sign-ins; then each sign-in judged against what was usual before this
    poll (and a session judged anew, `diff._judged_anew`, judged again), in the order they
    signed in, each from the one before; and each move of a session from where it was."""
    if snapshot.is_baseline:
        book.first_listing(current, now)
        return
    signing = [e.session for e in events if isinstance(e, SignIn)]
    if signing:  # (most polls sign nobody in: the account's memory is not read for them)
        _judge_sign_ins(book, signing, now)
    then = snapshot.taken_at or now
    for event in events:
        if isinstance(event, IpChanged | LocationChanged):
            before = snapshot.sessions.get(event.session_id)
            if before is not None:
                book.judge_move(before, event.session, then, now)


def _judge_sign_ins(book: RiskBook, signing: list[Session], now: datetime) -> None:
    familiar = book.familiar(now)
    seen = book.sign_ins()
    notes = book.notes()
    for session in sorted(signing, key=lambda s: sign_in_time(s, now)):
        at = sign_in_time(session, now)
        previous = next((s for s in reversed(seen) if s.at <= at), None)
        reasons = book.judge_sign_in(session, at, familiar, previous, now)
        if not any(r.code is RiskCode.IMPOSSIBLE_TRAVEL for r in reasons):
            # Judged anew: a journey found before stays found (until "this was me").
            reasons += [
                r for r in notes.get(session.id, ()) if r.code is RiskCode.IMPOSSIBLE_TRAVEL
            ]
        book.note(session.id, reasons)
        here = book.sighting(session, at)
        if here is not None:
            seen = sorted([*seen, here], key=lambda s: s.at)
    book.keep_sign_ins(seen)


# Judged from the address the session has now, on every listing; never kept.
_LIVE = frozenset({RiskCode.ANONYMOUS_NETWORK, RiskCode.HOSTING_NETWORK})
