"""Reading the demo service's requests: allowed methods, limits, bodies of ids, error codes."""

from __future__ import annotations

import json
import secrets

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 500


class ApiError(Exception):
    """An answer in the contract's one error shape."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def default_code(status: int) -> str:
    return {
        400: "invalid_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        429: "rate_limited",
    }.get(status, "internal" if status >= 500 else "error")


def allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise ApiError(405, "method_not_allowed", f"Use {allowed} here.", {"Allow": allowed})


MAX_CURSOR = 256  # the contract's `maxLength` of `since`


def cursor_of(values: list[str] | None) -> str | None:
    """The `since` asked for; 400 for one the contract rules out (any other is answered with
    the full listing, as the contract says of cursors a server cannot answer)."""
    if not values:
        return None
    cursor = values[-1]
    if len(cursor) > MAX_CURSOR or not (cursor.isascii() and cursor.isprintable()):
        raise ApiError(400, "invalid_request", "since must be a cursor this service gave out.")
    return cursor


def limit_of(values: list[str] | None) -> int:
    if not values:
        return HISTORY_DEFAULT_LIMIT
    try:
        limit = int(values[-1])
    except ValueError:
        raise ApiError(400, "invalid_request", "limit must be an integer.") from None
    if not 1 <= limit <= HISTORY_MAX_LIMIT:
        raise ApiError(400, "invalid_request", f"limit must be 1 to {HISTORY_MAX_LIMIT}.")
    return limit


MAX_REVOKE_IDS = 1000  # the contract's `maxItems` of `session_ids`


def session_ids_of(body: bytes) -> list[str] | None:
    if not body.strip():
        return None
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_request", "The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    ids = payload.get("session_ids")
    if ids is None:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "invalid_request", "session_ids must be a list of strings.")
    if len(ids) > MAX_REVOKE_IDS:
        raise ApiError(400, "invalid_request", f"At most {MAX_REVOKE_IDS} session_ids at once.")
    return ids


def require_bearer(authorization: str | None, token: str) -> None:
    """401 unless the request carries `token` as its bearer token (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    ok = scheme.lower() == "bearer" and secrets.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    )
    if not ok:
        raise ApiError(
            401,
            "unauthorized",
            "Missing or invalid bearer token.",
            {"WWW-Authenticate": 'Bearer realm="sessions"'},
        )
