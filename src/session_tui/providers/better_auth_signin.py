"""Better Auth: signing in and out, and checking a token (blocking: start-up and `logout` run
before any event loop). The provider itself is `providers.better_auth`."""

from __future__ import annotations

import httpx

from session_tui.errors import BadResponse, Forbidden, NotAdmin, WrongPassword
from session_tui.providers.better_auth import (
    Me,
    code_and_message,
    parse_me,
    raise_for_better_auth,
)
from session_tui.providers.http import (
    host_of,
    json_of,
    json_or_none,
    make_sync_client,
    send_sync,
)


def _sync(api: str, token: str | None = None) -> httpx.Client:
    return make_sync_client(api, {"Authorization": f"Bearer {token}"} if token else None)


def me_sync(api: str, token: str) -> Me:
    """Whose token this is; also checks it may still list sessions (it is fresh)."""
    host = host_of(api)
    with _sync(api, token) as client:
        response = send_sync(client, "GET", "/get-session", params={"disableRefresh": "true"})
        raise_for_better_auth(response, host, "tell who is signed in")
        me = parse_me(json_of(response), host)
        listed = send_sync(client, "GET", "/list-sessions")
    raise_for_better_auth(listed, host, "list sessions")
    return me


def login_sync(api: str, email: str, password: str) -> tuple[str, Me]:
    host = host_of(api)
    with _sync(api) as client:
        response = send_sync(
            client, "POST", "/sign-in/email", json={"email": email, "password": password}
        )
        code, _ = code_and_message(json_or_none(response))
        if response.status_code == 401 and code == "INVALID_EMAIL_OR_PASSWORD":
            raise WrongPassword(f"{host} refused the e-mail or password.")
        if response.status_code == 400 and code == "VALIDATION_ERROR":
            raise WrongPassword(f"{host} wants an e-mail address as the user.")
        raise_for_better_auth(response, host, "sign in")
        body = json_of(response)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise BadResponse(f"{host} signed us in without a session token.")
        me = send_sync(
            client,
            "GET",
            "/get-session",
            params={"disableRefresh": "true"},
            headers={"Authorization": f"Bearer {token}"},
        )
    raise_for_better_auth(me, host, "tell who is signed in")
    return token, parse_me(json_of(me), host)


def logout_sync(api: str, token: str) -> bool:
    """Sign out. Better Auth answers 200 either way, so ask first whether it was alive."""
    host = host_of(api)
    with _sync(api, token) as client:
        probe = send_sync(client, "GET", "/get-session", params={"disableRefresh": "true"})
        raise_for_better_auth(probe, host, "tell who is signed in")
        if json_or_none(probe) is None:
            return False
        response = send_sync(client, "POST", "/sign-out")
    raise_for_better_auth(response, host, "sign out")
    return True


def check_admin_sync(api: str, token: str) -> None:
    with _sync(api, token) as client:
        response = send_sync(client, "GET", "/admin/list-users", params={"limit": "1"})
    try:
        raise_for_better_auth(response, host_of(api), "list users")
    except (NotAdmin, Forbidden):
        raise NotAdmin(
            f"This account is not an admin on {host_of(api)}: on-call mode needs a Better Auth "
            "admin (the admin plugin, role admin)."
        ) from None
