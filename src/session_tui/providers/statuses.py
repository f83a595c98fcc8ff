"""HTTP statuses to session-tui's typed errors, the same way for every JSON API provider.

Each provider knows where its server puts the error sentence (`{"error": {"reason"}}`,
`{"errors": [...]}`, `{"detail"}`, ...) and what a refusal means for it (which role or scope
is missing); this module turns the status into the error every front end already handles:
401 `AuthExpired`, 403 `Forbidden`, 404 `NotFound`, 429 `RateLimited` (after `Retry-After`,
or a vendor's reset header), 503 `ServerBusy`, anything else `ProviderError`.
"""

from __future__ import annotations

import time

import httpx

from session_tui.errors import AuthExpired, Forbidden, NotFound, ProviderError
from session_tui.providers.http import rate_limited, server_busy
from session_tui.text import plain_uncached


def reset_wait(response: httpx.Response, header: str) -> float | None:
    """Seconds until a rate limit's reset, from a header holding epoch seconds (Auth0's
    `X-RateLimit-Reset`, Okta's `X-Rate-Limit-Reset`); None when absent or past."""
    reset = response.headers.get(header, "")
    if not reset.isdigit():
        return None
    wait = float(reset) - time.time()
    return wait if wait > 0 else None


def raise_for_status(
    response: httpx.Response,
    host: str,
    what: str,
    said: object = None,
    *,
    unauthorized: str | None = None,
    forbidden: str | None = None,
    not_found: str = "session",
    reset_header: str | None = None,
) -> None:
    """Nothing for a success; else the typed error, with the server's own sentence (`said`,
    made plain) and the provider's word for what a 401 or 403 means."""
    status = response.status_code
    if status < 400:
        return
    text = plain_uncached(said, 200) if isinstance(said, str) else ""
    detail = f" ({text})" if text else ""
    if status == 401:
        raise AuthExpired(
            unauthorized
            or f"This session was signed out on {host} (its token no longer works). "
            "Sign in again to continue."
        )
    if status == 403:
        raise Forbidden(
            f"{host} refused to {what}{detail}" + (f": {forbidden}." if forbidden else ".")
        )
    if status == 404:
        raise NotFound(f"{host} has no such {not_found}{detail}.")
    if status == 429:
        raise rate_limited(response, reset_wait(response, reset_header) if reset_header else None)
    if status == 503:
        raise server_busy(response, host, text)
    raise ProviderError(f"{host} could not {what}: HTTP {status}{detail}.")
