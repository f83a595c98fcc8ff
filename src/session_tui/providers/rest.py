"""The `rest` provider: our own session contract (docs/session-api.yaml), read strictly.

Strict because the answer feeds the current-session guard and the screen: a field of the wrong
type is a `BadResponse` naming that field, not a guess. Unknown fields are kept in `extras`, so
a server may add to the contract without breaking us.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from session_tui.errors import (
    AuthExpired,
    BadResponse,
    CurrentSessionProtected,
    Forbidden,
    NotFound,
    ProviderError,
)
from session_tui.ids import url_segment
from session_tui.model import Capability, EndedSession, Session
from session_tui.providers.base import ProviderBase
from session_tui.providers.http import (
    check_url,
    host_of,
    json_or_none,
    make_client,
    offload,
    rate_limited,
    read_json,
    send,
    server_busy,
)
from session_tui.providers.rest_wire import (
    MAX_REVOKE_IDS,
    SESSIONS,
    check_unique,
    cursor_of,
    ended_ids,
    ended_of,
    kind_of,
    list_field,
    opt_str,
    sessions_of,
)
from session_tui.text import plain_uncached

MAX_SERVER_MESSAGE = 200
MAX_MERGED = 100_000  # sessions a listing built from changes may add up to
# However well the merges went, a listing is asked for whole at least this often (seconds): a
# server's change log with a bug in it would otherwise leave us wrong for as long as we run.
FULL_EVERY = 600.0
MAX_RAW_MESSAGE = 16_384  # what of an error sentence is read at all; real ones are far shorter


class RestProvider(ProviderBase):
    """Sessions from any server that implements our REST contract, the demo service included.

    `base_url` is where the API is mounted; requests go to `<base_url>/v1/sessions...`.
    """

    kind = "rest"
    own_account = True  # our token is one of the listed sessions: exactly one is current
    bulk_answer_says_ended = True  # `revoked` (and `session_ids`) count only what ended
    revokes_in_body = True  # revoke-others names its sessions in `session_ids`
    capabilities = frozenset(
        {Capability.EXPIRY, Capability.HISTORY, Capability.BULK_REVOKE, Capability.ACTIVITY}
    )

    def __init__(self, base_url: str, token: str, *, allow_insecure_http: bool = False) -> None:
        super().__init__()
        self.base_url = check_url(base_url, allow_insecure_http=allow_insecure_http)
        self.server = host_of(self.base_url)
        self.account = ""
        self.account_id: str | None = None
        self._token = token
        self.path = SESSIONS  # where this account's sessions are (rest_admin: another user's)
        self._client = make_client(self.base_url, {"Authorization": f"Bearer {token}"})
        # The last listing's cursor (sent back as `?since=`) and that listing, by id: a
        # server that keeps a change log then answers with only what changed after it.
        self._last: tuple[str, dict[str, Session]] | None = None
        self.clock: Callable[[], float] = time.monotonic
        self._full_at = 0.0  # when (`clock`) the last full listing was asked for

    def __repr__(self) -> str:
        return f"RestProvider({self.base_url!r})"

    # -- the protocol ----------------------------------------------------------------------

    async def _list(self) -> list[Session]:
        last, self._last = self._last, None
        # Whatever goes wrong, the next poll asks for everything again: a listing merged
        # from changes is only as good as every answer it was built from.
        now = self.clock()
        if last is not None and now - self._full_at >= FULL_EVERY:
            last = None
        if last is None:
            self._full_at = now
        params = {"since": last[0]} if last is not None else None
        body = await self._call("GET", self.path, what="list sessions", params=params)
        if not isinstance(body, dict):
            raise BadResponse(f"The session list should be a JSON object, got {kind_of(body)}.")
        self._read_account(body.get("account"))
        items = list_field(body, "sessions", "")
        changes_only = body.get("changes_only", False)
        if not isinstance(changes_only, bool):
            raise BadResponse("Field 'changes_only' should be true or false.")
        if changes_only and last is None:
            raise BadResponse("The server sent only changes, to a request for everything.")
        cursor = cursor_of(body)
        sessions = await offload(sessions_of, items, size=len(items))
        check_unique(sessions)
        if changes_only and last is not None:
            listed = self._merged(last[1], sessions, ended_ids(body))
        else:
            self._check_current(sessions)
            listed = {s.id: s for s in sessions}
        if cursor is not None:
            self._last = (cursor, listed)
        return list(listed.values())

    def _merged(
        self, before: dict[str, Session], changed: list[Session], ended: list[str]
    ) -> dict[str, Session]:
        """The listing the cursor was given with, these changes applied. The current session
        must be among them (making the request is its activity) and be the one it was."""
        current = [s.id for s in changed if s.is_current]
        if self.own_account and (current != [self._current_id] or self._current_id is None):
            raise BadResponse(
                "A changes-only listing must list the current session, and only it as current."
            )
        gone = set(ended)
        if self._current_id in gone:
            raise BadResponse("The server says the current session ended; it cannot have.")
        if any(s.id in gone for s in changed):
            raise BadResponse("The server lists a session as both changed and ended.")
        merged = dict(before)
        for sid in gone:
            merged.pop(sid, None)
        for session in changed:
            merged[session.id] = session  # a known id keeps its place; a new one goes last
        if len(merged) > MAX_MERGED:
            raise BadResponse(f"The server's changes add up to over {MAX_MERGED:,} sessions.")
        return merged

    def _check_current(self, sessions: list[Session]) -> None:
        current = [s.id for s in sessions if s.is_current]
        if len(current) > 1:
            raise BadResponse(
                f"The server marks {len(current)} sessions as current; exactly one may be."
            )
        if not current and self.own_account:
            # We are signed in, so our own session is active and must be in the list, marked.
            # Without it the current-session guard would have nothing to protect.
            listed = "marked no session as current" if sessions else "listed no sessions at all"
            raise BadResponse(
                f"The server {listed}; refusing to act, as our own session could not be protected."
            )

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self._call(
            "DELETE", f"{self.path}/{url_segment(session_id)}", what="revoke the session"
        )

    async def _revoke_many(self, session_ids: list[str], password: str | None) -> int:
        """In requests of at most MAX_REVOKE_IDS ids (the contract's limit). A request that
        fails after others ended some is not an error: fewer ended than asked, and the engine
        lists again to see which (never claiming what the server did not confirm)."""
        revoked = 0
        ended: list[str] | None = []
        for start in range(0, len(session_ids), MAX_REVOKE_IDS):
            chunk = session_ids[start : start + MAX_REVOKE_IDS]
            try:
                count, said = await self._revoke_chunk(chunk)
            except ProviderError:
                if not revoked:
                    raise
                self.last_ended = None  # the server's word covers only part: the listing tells
                return revoked
            revoked += count
            ended = None if said is None or ended is None else [*ended, *said]
        if ended is not None:
            self.last_ended = tuple(ended)
        return revoked

    async def _revoke_chunk(self, session_ids: list[str]) -> tuple[int, list[str] | None]:
        body = await self._call(
            "POST",
            f"{self.path}/revoke-others",
            what="revoke the other sessions",
            json={"session_ids": list(session_ids)},
        )
        if not isinstance(body, dict):
            raise BadResponse(f"The revoke-others answer should be an object, got {kind_of(body)}.")
        revoked = body.get("revoked")
        if isinstance(revoked, bool) or not isinstance(revoked, int) or revoked < 0:
            raise BadResponse("Field 'revoked' should be a non-negative integer.")
        ended = body.get("session_ids")
        if ended is not None and (
            not isinstance(ended, list) or not all(isinstance(i, str) for i in ended)
        ):
            raise BadResponse("Field 'session_ids' should be a list of strings.")
        if ended is not None and self._current_id is not None and self._current_id in ended:
            raise BadResponse("The server says it ended the current session; it must not.")
        asked = set(session_ids)
        return revoked, None if ended is None else [i for i in ended if i in asked]

    async def history(self, limit: int | None = None) -> list[EndedSession]:
        """The server's own record of ended sessions, newest first."""
        params = {"limit": str(limit)} if limit is not None else None
        body = await self._call(
            "GET", f"{self.path}/history", what="read the session history", params=params
        )
        if not isinstance(body, dict):
            raise BadResponse(f"The history should be a JSON object, got {kind_of(body)}.")
        items = list_field(body, "sessions", "history.")
        return [ended_of(item, f"history.sessions[{i}]") for i, item in enumerate(items)]

    # -- plumbing --------------------------------------------------------------------------

    async def _call(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        response = await send(self._client, method, path, **kwargs)
        if response.status_code == 204:
            return None
        if 200 <= response.status_code < 300:
            return await read_json(response)
        raise self._error(response, what)

    def _error(self, response: httpx.Response, what: str) -> ProviderError:
        status = response.status_code
        code, message = self._server_words(response)
        detail = f" ({message})" if message else ""
        if status == 401:
            return AuthExpired(f"{self.server} no longer accepts our token{detail}. Sign in again.")
        if status == 403:
            return Forbidden(f"{self.server} does not allow us to {what}{detail}.")
        if status == 404:
            return NotFound(f"Could not {what}: the server does not know it{detail}.")
        if status == 409 and code == "current_session":
            return CurrentSessionProtected()
        if status == 429:
            return rate_limited(response)
        if status == 503:
            return server_busy(response, self.server, message or "")
        if status >= 500:
            return ProviderError(f"{self.server} failed to {what}: HTTP {status}{detail}.")
        return ProviderError(f"{self.server} refused to {what}: HTTP {status}{detail}.")

    def _server_words(self, response: httpx.Response) -> tuple[str | None, str | None]:
        """The error body's code and a cleaned, short message; never our token."""
        body = json_or_none(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None, None
        code = error.get("code") if isinstance(error.get("code"), str) else None
        message = error.get("message")
        if not isinstance(message, str):
            return code, None
        # Redact before and after cleaning (a zero-width character inside our token would hide
        # it from the first pass and vanish in the cleaning), and before cutting to length.
        message = self._redact(message)[:MAX_RAW_MESSAGE]
        message = self._redact(plain_uncached(message, MAX_RAW_MESSAGE))
        return code, plain_uncached(message, MAX_SERVER_MESSAGE) or None

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    def _read_account(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise BadResponse(f"Field 'account' should be an object, got {kind_of(value)}.")
        account_id = value.get("id")
        if not isinstance(account_id, str) or not account_id:
            raise BadResponse("Field 'account.id' should be a non-empty string.")
        email = opt_str(value, "email", "account.")
        name = opt_str(value, "display_name", "account.")
        self.account_id = account_id
        self.account = email or name or account_id
