"""Signing in to Ory Kratos as a native app (blocking: start-up runs before any event loop):
the API login flow with a password, `whoami` to check a session token, and the native logout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from session_tui.errors import BadResponse, ProviderError, WrongPassword
from session_tui.providers.http import json_of, json_or_none, make_sync_client, send_sync
from session_tui.providers.kratos import identity_name, raise_for_kratos
from session_tui.text import plain_uncached


@dataclass(frozen=True, slots=True)
class KratosWho:
    name: str
    session_id: str


def _who(body: Any, host: str) -> KratosWho:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise BadResponse(f"{host} answered whoami without a session.")
    return KratosWho(identity_name(body.get("identity")) or "", body["id"])


def whoami_sync(base_url: str, token: str) -> KratosWho:
    host = base_url.split("://", 1)[-1]
    with make_sync_client(base_url, {"X-Session-Token": token}) as client:
        response = send_sync(client, "GET", "/sessions/whoami")
    raise_for_kratos(response, host, "tell who is signed in")
    return _who(json_of(response), host)


def login_sync(base_url: str, user: str, password: str) -> tuple[str, KratosWho]:
    """The native (API) login flow with the password method: a session token."""
    host = base_url.split("://", 1)[-1]
    with make_sync_client(base_url) as client:
        started = send_sync(client, "GET", "/self-service/login/api")
        raise_for_kratos(started, host, "start a sign-in")
        flow = json_or_none(started)
        flow_id = flow.get("id") if isinstance(flow, dict) else None
        if not isinstance(flow_id, str):
            raise BadResponse(f"{host} started a sign-in without a flow id.")
        answer = send_sync(
            client,
            "POST",
            "/self-service/login",
            params={"flow": flow_id},
            json={"method": "password", "identifier": user, "password": password},
        )
    body = json_or_none(answer)
    if answer.status_code == 400:
        raise WrongPassword(f"{host} refused the identifier or password.")
    if answer.status_code == 422:
        raise ProviderError(
            f"{host} wants the sign-in finished in a browser; use a session token in "
            "SESSION_TUI_TOKEN instead."
        )
    raise_for_kratos(answer, host, "sign in")
    token = body.get("session_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise BadResponse(f"{host} signed us in without a session token.")
    session = body.get("session") if isinstance(body, dict) else None
    who = _who(session, host)
    return token, KratosWho(who.name or plain_uncached(user, 120), who.session_id)


def logout_sync(base_url: str, token: str) -> bool:
    """End our own session. True if it was live, False if it had already ended."""
    host = base_url.split("://", 1)[-1]
    with make_sync_client(base_url) as client:
        response = send_sync(
            client, "DELETE", "/self-service/logout/api", json={"session_token": token}
        )
    if response.status_code in (200, 204):
        return True
    if response.status_code in (400, 401, 403):
        return False
    raise ProviderError(f"{host} answered HTTP {response.status_code} to signing out.")
