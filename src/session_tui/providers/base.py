"""The provider protocol, and the one place that refuses to revoke the current session.

A provider adapts one session API to `Session` objects. Providers never import Textual; the UI
and the CLI only ever talk to them through `SessionProvider`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from typing import Generic, Protocol, TypeVar, runtime_checkable

import httpx

from session_tui.errors import (
    AuthExpired,
    CurrentSessionProtected,
    NotFound,
    ProviderError,
    UnsafeSessionId,
)
from session_tui.ids import is_dotlike, send_refusal
from session_tui.model import Capability, EndedSession, Session
from session_tui.providers.bounds import MAX_TEXT as MAX_TEXT
from session_tui.providers.bounds import MAX_USER_AGENT as MAX_USER_AGENT
from session_tui.providers.bounds import all_bounded
from session_tui.providers.bounds import bounded as bounded
from session_tui.providers.http import make_client, offload


@runtime_checkable
class SessionProvider(Protocol):
    """What the UI, the tracker and the CLI need from any session API."""

    # Read-only here: a wrapper (read-only mode) passes them through as properties.
    @property
    def kind(self) -> str:
        """ "rest", "matrix", "synapse-admin": shown in the header."""
        ...

    @property
    def account(self) -> str:
        """Whose sessions these are, e.g. "@alice:example.org"."""
        ...

    @property
    def server(self) -> str:
        """Where they live, e.g. "matrix.example.org" (never with credentials)."""
        ...

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    @property
    def acting_as(self) -> str | None:
        """Who acts, when that is not the account itself: the operator in on-call mode."""
        ...

    async def list_sessions(self) -> list[Session]: ...

    async def revoke(self, session_id: str, *, password: str | None = None) -> None: ...

    async def revoke_others(
        self, *, only: Collection[str] | None = None, password: str | None = None
    ) -> int: ...

    async def rename(self, session_id: str, name: str) -> None: ...

    async def history(self) -> list[EndedSession]: ...

    async def aclose(self) -> None: ...


class ProviderBase:
    """Shared behaviour: the current-session guard lives here so no provider can forget it.

    Subclasses implement `_list`, `_revoke_one` and `_revoke_many`; the public methods check
    every target against the current session first. Servers such as Synapse happily delete the
    caller's own device, so this check is ours to make, on every path (row, selection, all).
    """

    kind: str = "base"
    account: str = ""
    server: str = ""
    capabilities: frozenset[Capability] = frozenset()
    # `_revoke_many` names the sessions in a request body (JSON), never in a URL: ids made of
    # dots can then still be revoked. Off unless a provider's API does.
    revokes_in_body: bool = False
    # `_revoke_one` (and `rename`) put the id into a URL path: off for APIs that name a
    # session in the body even for one (Better Auth's token, allauth's list of ids).
    ids_in_urls: bool = True
    # Revokes in flight at once where the API has no bulk call (`_revoke_many`).
    revoke_at_once: int = 1
    # How a user can end a session that session-tui refuses to name to the server.
    how_else: str = (
        "End it on the server itself, or change the account's password and sign out the "
        "other sessions there."
    )
    # The API's bulk revoke answers with what it really ended (not just "ok"), so revoking
    # chosen ids needs no listing before it. Off unless a provider's API does.
    bulk_answer_says_ended: bool = False

    def __init__(self) -> None:
        self._current_id: str | None = None
        self._returned: dict[str, Session] = {}  # the last listing, as returned
        # Which sessions the last revoke_others really ended, where the API says (None: it
        # does not; the count is all there is, and the next listing tells the rest).
        self.last_ended: tuple[str, ...] | None = None

    @property
    def acting_as(self) -> str | None:
        """Who acts, when that is not the account itself: None but on call."""
        return None

    @property
    def current_id(self) -> str | None:
        """The id of the session we are signed in with, once a listing has shown it."""
        return self._current_id

    async def list_sessions(self) -> list[Session]:
        listed = await self._list()
        sessions, current, self._returned = await offload(
            all_bounded, listed, self._returned, size=len(listed)
        )
        if current:
            self._current_id = current[0]
        return sessions

    async def revoke(self, session_id: str, *, password: str | None = None) -> None:
        """Revoke one session, after a fresh listing has shown it is there and not ours.

        The listing costs one request, and buys two things no API gives alike: the current
        session is known for certain, and a session that already ended is `NotFound` (the UI
        says "already gone") even where the server answers 200 for a missing one (Synapse,
        Better Auth).
        """
        listed = {s.id for s in await self.list_sessions()}
        if session_id == self._current_id:
            raise CurrentSessionProtected()
        if session_id not in listed:
            raise NotFound(f"{self.server or 'The server'} no longer lists that session.")
        self._check_sendable(session_id)
        if is_dotlike(session_id) and self.ids_in_urls:
            # Never as a path segment: a proxy may fold "%2E%2E" back into "..".
            if await self._revoke_many([session_id], password) <= 0:
                raise ProviderError(f"{self._where} answered but did not end the session.")
            return
        try:
            await self._revoke_one(session_id, password)
        except NotFound as exc:
            # "Not found" is "already gone" only if a fresh listing agrees: a server (or a
            # proxy) that routed the request elsewhere answers 404 too, and ended nothing.
            if session_id in {s.id for s in await self.list_sessions()}:
                raise ProviderError(
                    f'{self._where} answered "not found" ({exc}) but still lists the '
                    "session: it was not ended."
                ) from None
            raise

    @property
    def _where(self) -> str:
        return self.server or "The server"

    def refusal(self, session_id: str) -> str | None:
        """Why a revoke of this session would be refused before anything is sent, or None."""
        return send_refusal(session_id, in_body=self.revokes_in_body or not self.ids_in_urls)

    def _check_sendable(self, session_id: str) -> None:
        """Refuse, before anything is sent, an id that cannot be named to this API safely."""
        reason = self.refusal(session_id)
        if reason is not None:
            raise UnsafeSessionId(reason, self.how_else)

    def _sendable(self, session_ids: list[str]) -> list[str]:
        """The ids that can be sent; none at all (when some were asked) is refused."""
        kept = [sid for sid in session_ids if _quietly(self._check_sendable, sid)]
        if session_ids and not kept:
            self._check_sendable(session_ids[0])
        return kept

    async def revoke_others(
        self, *, only: Collection[str] | None = None, password: str | None = None
    ) -> int:
        """Revoke every session but the current one; `only` narrows it to what the user saw.

        The listing is fresh, so a session that ended meanwhile is not counted, and one that
        appeared after the user confirmed is not touched when `only` is given.
        """
        if only is not None and self._current_id is not None and self.bulk_answer_says_ended:
            # One request: the ids the user confirmed, never ours; the answer itself counts
            # (and names) only what really ended, so a listing first would add nothing.
            targets = [sid for sid in dict.fromkeys(only) if sid != self._current_id]
            targets = self._sendable(targets)
            self.last_ended = None
            return await self._revoke_many(targets, password) if targets else 0
        sessions = await self.list_sessions()
        targets = [s.id for s in sessions if not s.is_current and s.id != self._current_id]
        if only is not None:
            wanted = set(only)
            targets = [t for t in targets if t in wanted]
        targets = self._sendable(targets)
        self.last_ended = None
        if not targets:
            return 0
        return await self._revoke_many(targets, password)

    async def rename(self, session_id: str, name: str) -> None:
        raise NotImplementedError(f"{self.kind} sessions cannot be renamed")

    async def history(self) -> list[EndedSession]:
        return []

    async def aclose(self) -> None:
        """Close the provider's HTTP client (`_client`, where it has one)."""
        client = getattr(self, "_client", None)
        if client is not None:
            await client.aclose()

    # -- for subclasses ------------------------------------------------------------------

    async def _confirm_by_listing(self, asked: Collection[str]) -> int:
        """List again and count what really ended, for APIs whose revoke answer says nothing
        (Better Auth's 200, Keycloak's 204 for any id, Home Assistant's `{}`); none at all
        raises. Sets `last_ended`."""
        ended = confirm_ended(self.server, asked, [s.id for s in await self.list_sessions()])
        self.last_ended = tuple(ended)
        return len(ended)

    async def _list(self) -> list[Session]:
        raise NotImplementedError

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        raise NotImplementedError

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        """Revoke these (never the current one); one request where the API has a bulk call.

        Returns how many the server ended; set `last_ended` where the API says which.

        Without a bulk call: one by one, `revoke_at_once` in flight. A refusal of one does
        not stop the others; what ended is named in `last_ended` (the engine then reports the
        rest as remaining), and only when none ended is the first refusal raised. Our own
        credential dying ends the attempt at once.
        """
        gate = asyncio.Semaphore(max(1, self.revoke_at_once))
        refusals: list[ProviderError] = []

        async def one(sid: str) -> str | None:
            async with gate:
                try:
                    await self._revoke_one(sid, password)
                except AuthExpired:
                    raise
                except ProviderError as exc:
                    refusals.append(exc)
                    return None
                return sid

        ended = [sid for sid in await asyncio.gather(*map(one, session_ids)) if sid]
        if not ended and refusals:
            raise refusals[0]
        self.last_ended = tuple(ended)
        return len(ended)


def _quietly(check: Callable[[str], None], session_id: str) -> bool:
    try:
        check(session_id)
    except UnsafeSessionId:
        return False
    return True


def confirm_ended(server: str, asked: Collection[str], still_listed: Collection[str]) -> list[str]:
    """Which of `asked` ended, from a listing taken after the revoke; none at all raises.

    For APIs whose revoke answer says nothing reliable (Better Auth's 200) or answers with the
    sessions that remain (allauth): what the server lists afterwards is the only truth.
    """
    listed = set(still_listed)
    ended = [i for i in asked if i not in listed]
    if not ended:
        raise ProviderError(
            f"{server} answered but still lists {'it' if len(asked) == 1 else 'all of them'}: "
            "nothing was ended."
        )
    return ended


Identity = TypeVar("Identity")
# Connections one shared credential keeps open to its server, at most.
SHARED_POOL = httpx.Limits(max_connections=8, max_keepalive_connections=8)


class SharedCredential(Generic[Identity]):
    """The token of one run and whose it is, shared by the providers of every account it
    watches (on-call mode), so signing in again once brings them all back."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.identity: Identity | None = None  # learned from the server, once per token
        self._pool: httpx.AsyncClient | None = None
        self._users = 0

    def client(self, base_url: str) -> httpx.AsyncClient:
        """The connection pool every provider on this credential shares: on call, a thousand
        watched accounts on one server are one pool of a few connections (which also bounds
        how many requests are in flight at once), not a thousand. `release` when done."""
        if self._pool is None:
            self._pool = make_client(base_url, limits=SHARED_POOL)
        self._users += 1
        return self._pool

    async def release(self) -> None:
        """One provider is done with the pool; the last one closes it."""
        self._users -= 1
        if self._users <= 0 and self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()

    def replace(self, token: str) -> None:
        """A fresh token after signing in again; whose it is is learned again."""
        self.token = token
        self.identity = None

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}(identity={self.identity!r})"
