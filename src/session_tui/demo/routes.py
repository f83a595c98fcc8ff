"""The contract's operations on one account's sessions, for the demo service: the listing (or
what changed since a cursor), the history, revoke-others and revoking one. The own account
(`/v1/sessions...`, `current` its token's session) and a watched user's on call
(`/v1/users/{user_id}/sessions...`, `current` None: the operator is none of them) share it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote

from session_tui.demo.answers import Streamed
from session_tui.demo.requests import (
    ApiError,
    allow,
    cursor_of,
    limit_of,
    session_ids_of,
)
from session_tui.demo.state import DemoState


def answer(
    state: DemoState, current: str | None, method: str, rest: str, query: str, body: bytes
) -> tuple[int, Any]:
    """`rest` is the path after `.../sessions`; errors are raised as `ApiError`."""
    if rest == "":
        allow(method, "GET")
        return 200, _listing(state, current, cursor_of(parse_qs(query).get("since")))
    if rest == "/history":
        allow(method, "GET")
        limit = limit_of(parse_qs(query).get("limit"))
        return 200, {"sessions": [e.to_json() for e in state.history()[:limit]]}
    if rest == "/revoke-others":
        allow(method, "POST")
        ended = state.revoke_others(session_ids_of(body))
        return 200, {"revoked": len(ended), "session_ids": ended}
    session_id = unquote(rest[1:])
    if "/" in rest[1:] or not session_id:
        raise ApiError(404, "not_found", "No such endpoint.")
    allow(method, "DELETE")
    if current is not None and session_id == current:
        raise ApiError(
            409,
            "current_session",
            "This is the session making the request; it cannot revoke itself. Sign out instead.",
        )
    if not state.revoke(session_id):
        raise ApiError(404, "not_found", "No active session with this id.")
    return HTTPStatus.NO_CONTENT, None


def _listing(state: DemoState, current: str | None, since: str | None) -> dict[str, Any] | Streamed:
    changes = state.changes_since(since) if since is not None else None
    if changes is not None:
        changed, ended, cursor = changes
        return {
            "account": state.account_json(),
            "changes_only": True,
            "cursor": cursor,
            "sessions": [s.to_json(current) for s in changed],
            "ended": ended,
        }
    with state.lock:  # the cursor must say where exactly this listing stands
        head = {"account": state.account_json(), "cursor": state.cursor()}
        listed = state.sessions()  # values, never changed in place: encoded after the lock
    return Streamed(head, "sessions", listed, lambda s: s.to_json(current))
