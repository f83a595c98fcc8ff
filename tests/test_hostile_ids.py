"""Hostile session ids: whatever id a server (or a client that chose its own) hands us, a
revoke sends a request for that id's own resource, or sends nothing at all.

Each provider's real code runs against a recording server on 127.0.0.1 (`canned`) that lists
the generated id beside our own session and writes down every request, raw path and body, as
it arrived on the wire.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from canned_rest import Canned
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from session_tui.errors import BadResponse, ProviderError, UnsafeSessionId
from session_tui.ids import id_problem, is_dotlike, refused_reason, url_segment
from session_tui.model import Session
from session_tui.providers.allauth import AllauthProvider
from session_tui.providers.auth0 import Auth0Provider
from session_tui.providers.authentik import AuthentikProvider
from session_tui.providers.base import ProviderBase, bounded
from session_tui.providers.better_auth import BetterAuthAdminProvider, BetterAuthProvider
from session_tui.providers.clerk import ClerkProvider
from session_tui.providers.http import checked_headers
from session_tui.providers.keycloak import KeycloakProvider
from session_tui.providers.keycloak_admin import KeycloakAdminProvider
from session_tui.providers.kratos import KratosAdminProvider, KratosProvider
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.oidc import Realm, Tokens
from session_tui.providers.okta import OktaProvider
from session_tui.providers.rest import RestProvider
from session_tui.providers.synapse_admin import SynapseAdminProvider
from session_tui.providers.tokens import SharedTokens, TokenSource

TRICKY = [
    ".",
    "..",
    "...",
    "%2E%2E",
    "%2e",
    "．．",  # fullwidth dots: NFKC makes them ".."
    "。",
    "../admin",
    "a/b",
    "a?b",
    "a#b",
    "%",
    "%25",
    "a%2Fb",
    "\\..\\",
    ";",
    "a b",
    " a",
    "\r\n",
    "a\nb",
    "ok\r\nX-Injected: 1",
    "",
    "x" * 5000,
    "unsafe-control-0123456789abcdef",
    "\x1b]0;owned\x07",
    "\u202eevil",
    "zero\u200bwidth",
    "\ud800",
]
IDS = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=24),
    st.text(alphabet=st.sampled_from("./%2Ee．。\\?#; \r\n"), min_size=1, max_size=8),
)
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ME = "me-0001"
NOW_ISO = "2026-12-01T12:00:00.000Z"


@dataclass
class Case:
    """One provider: how to make it, what its server answers, which requests revoke, and
    whether a revoking request is for the target's own resource."""

    make: Callable[[str], ProviderBase]
    answers: Callable[[Canned, str], None]
    own: Callable[[str, str, bytes, str], bool]  # (method, raw path, body, raw id)


def _segment_is(path: str, prefix: str, raw: str) -> bool:
    """`path` is `prefix` plus exactly one segment that decodes to `raw` and is no dot
    segment as sent."""
    if not path.startswith(prefix + "/"):
        return False
    segment = path[len(prefix) + 1 :]
    return "/" not in segment and segment not in (".", "..") and unquote(segment) == raw


def _body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def rest_answers(canned: Canned, raw: str) -> None:
    def item(sid: str, current: bool) -> dict[str, Any]:
        return {"id": sid, "current": current, "created_at": NOW_ISO}

    canned.json(
        "/v1/sessions",
        {"account": {"id": "a1"}, "sessions": [item(ME, True), item(raw, False)]},
    )


def rest_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if method == "DELETE":
        return _segment_is(path, "/v1/sessions", raw)
    return path == "/v1/sessions/revoke-others" and _body(body) == {"session_ids": [raw]}


def matrix_answers(canned: Canned, raw: str) -> None:
    canned.json("/_matrix/client/v3/account/whoami", {"user_id": "@me:hs", "device_id": ME})
    canned.json("/_matrix/client/v3/devices", {"devices": [{"device_id": ME}, {"device_id": raw}]})


def matrix_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if method == "DELETE":
        return _segment_is(path, "/_matrix/client/v3/devices", raw)
    sent = _body(body)
    return (
        path == "/_matrix/client/v3/delete_devices"
        and isinstance(sent, dict)
        and sent.get("devices") == [raw]
    )


ADMIN_USER = "/_synapse/admin/v2/users/%40bob%3Ahs"


def synapse_admin_answers(canned: Canned, raw: str) -> None:
    canned.json("/_matrix/client/v3/account/whoami", {"user_id": "@ops:hs", "device_id": ME})
    canned.json(f"{ADMIN_USER}/devices", {"devices": [{"device_id": raw}], "total": 1})


def synapse_admin_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if method == "DELETE":
        return _segment_is(path, f"{ADMIN_USER}/devices", raw)
    return path == f"{ADMIN_USER}/delete_devices" and _body(body) == {"devices": [raw]}


def token_of(raw: str) -> str:
    return f"tok-{len(raw)}-{abs(hash(raw))}"


def ba_item(sid: str) -> dict[str, Any]:
    return {"id": sid, "token": token_of(sid), "createdAt": NOW_ISO, "userId": "u1"}


def better_auth_answers(canned: Canned, raw: str) -> None:
    canned.json(
        "/api/auth/get-session",
        {"session": {"id": ME}, "user": {"id": "u1", "email": "me@example.org"}},
    )
    canned.json("/api/auth/list-sessions", [ba_item(ME), ba_item(raw)])


def better_auth_own(method: str, path: str, body: bytes, raw: str) -> bool:
    # Signing out "every other session" names none; the listing here has just the one other.
    if path == "/api/auth/revoke-other-sessions":
        return body in (b"", b"{}")
    return path == "/api/auth/revoke-session" and _body(body) == {"token": token_of(raw)}


def ba_admin_answers(canned: Canned, raw: str) -> None:
    canned.json(
        "/api/auth/get-session",
        {"session": {"id": ME}, "user": {"id": "ops", "email": "ops@example.org"}},
    )
    canned.json("/api/auth/admin/list-users", {"users": [{"id": "u1", "email": "bob@x.org"}]})
    canned.json("/api/auth/admin/list-user-sessions", {"sessions": [ba_item(raw)]})


def ba_admin_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == "/api/auth/admin/revoke-user-sessions":  # all of bob's: the one listed
        return _body(body) == {"userId": "u1"}
    return path == "/api/auth/admin/revoke-user-session" and _body(body) == {
        "sessionToken": token_of(raw)
    }


def allauth_answers(canned: Canned, raw: str) -> None:
    canned.json("/_allauth/app/v1/config", {"data": {"usersessions": {"track_activity": True}}})
    canned.json(
        "/_allauth/app/v1/auth/sessions",
        {
            "status": 200,
            "data": [
                {"id": 1, "is_current": True, "created_at": 1_796_000_000},
                {"id": raw, "is_current": False, "created_at": 1_796_000_000},
            ],
        },
    )


def allauth_own(method: str, path: str, body: bytes, raw: str) -> bool:
    # allauth ids are integers: a string id is refused with the listing, so nothing is sent.
    return path == "/_allauth/app/v1/auth/sessions" and _body(body) == {"sessions": [raw]}


KC_ACCOUNT = "/realms/sessions/account/sessions"
KC_ADMIN = "/admin/realms/sessions"


def kc_tokens() -> TokenSource:
    return TokenSource(Realm("kc", "/realms/sessions", "session-tui"), Tokens("t", None, 1e12))


def keycloak_answers(canned: Canned, raw: str) -> None:
    sessions = [{"id": ME, "current": True}, {"id": raw}]
    canned.json(f"{KC_ACCOUNT}/devices", [{"os": "Linux", "sessions": sessions}])


def keycloak_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == f"{KC_ACCOUNT}?current=false":  # every other session: here, just this one
        return True
    return method == "DELETE" and _segment_is(path, KC_ACCOUNT, raw)


def kc_admin_answers(canned: Canned, raw: str) -> None:
    canned.json(f"{KC_ADMIN}/users", [{"id": "u1", "username": "bob"}])
    canned.json(f"{KC_ADMIN}/users/u1/sessions", [{"id": raw}])
    canned.json(f"{KC_ADMIN}/users/u1/consents", [])


def kc_admin_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == f"{KC_ADMIN}/users/u1/logout":  # all of bob's online sessions: this one
        return True
    return method == "DELETE" and _segment_is(path.split("?")[0], f"{KC_ADMIN}/sessions", raw)


def kratos_item(sid: str) -> dict[str, Any]:
    return {"id": sid, "active": True, "devices": [{"id": "d", "ip_address": "192.0.2.1"}]}


def kratos_answers(canned: Canned, raw: str) -> None:
    canned.json("/sessions/whoami", {**kratos_item(ME), "identity": {"id": "i"}})
    canned.json("/sessions", [kratos_item(raw)])


def kratos_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == "/sessions" and method == "DELETE":  # every other session: here, just this one
        return True
    return method == "DELETE" and _segment_is(path, "/sessions", raw)


def kratos_admin_answers(canned: Canned, raw: str) -> None:
    canned.json("/admin/identities/bob", {"id": "bob", "traits": {"email": "bob@x.org"}})
    canned.json("/admin/identities/bob/sessions", [kratos_item(raw)])


def kratos_admin_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == "/admin/identities/bob/sessions" and method == "DELETE":  # all of bob's
        return True
    return method == "DELETE" and _segment_is(path, "/admin/sessions", raw)


def auth0_answers(canned: Canned, raw: str) -> None:
    canned.json("/api/v2/users/bob/sessions", {"sessions": [{"id": raw}]})


def auth0_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == "/api/v2/users/bob/sessions" and method == "DELETE":  # all of bob's: this one
        return True
    return method == "DELETE" and _segment_is(path, "/api/v2/sessions", raw)


def clerk_answers(canned: Canned, raw: str) -> None:
    canned.json("/v1/sessions", [{"id": raw, "status": "active"}])


def clerk_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if not (method == "POST" and path.startswith("/v1/sessions/") and path.endswith("/revoke")):
        return False
    return _segment_is(path.removesuffix("/revoke"), "/v1/sessions", raw)


def auth0_provider(url: str) -> Auth0Provider:
    realm = Realm("auth0", "", "", token_endpoint="/oauth/token")
    return Auth0Provider(url, SharedTokens(TokenSource(realm, Tokens("t", None, 1e12))), "bob")


AK = "/api/v3/core/authenticated_sessions/"


def authentik_answers(canned: Canned, raw: str) -> None:
    rows = [{"uuid": ME, "current": True, "user": 1}, {"uuid": raw, "current": False, "user": 1}]
    canned.json(AK, {"pagination": {"next": 0}, "results": rows})


def authentik_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path.startswith(f"{AK}bulk_delete/"):  # all of the watched user's: here, this one
        return True
    return method == "DELETE" and _segment_is(path.removesuffix("/"), AK.rstrip("/"), raw)


def okta_answers(canned: Canned, raw: str) -> None:
    canned.json("/api/v1/users/bob", {"id": "00ubob"})
    start = {
        "eventType": "user.session.start",
        "outcome": {"result": "SUCCESS"},
        "published": "2026-12-06T08:00:00.000Z",
        "authenticationContext": {"externalSessionId": raw},
    }
    canned.json("/api/v1/logs", [start])
    canned.json(
        f"/api/v1/sessions/{url_segment(raw)}" if not id_problem(raw) else "/x",
        {"id": raw, "status": "ACTIVE"},
    )


def okta_own(method: str, path: str, body: bytes, raw: str) -> bool:
    if path == "/api/v1/users/00ubob/sessions" and method == "DELETE":  # all of bob's
        return True
    return method == "DELETE" and _segment_is(path, "/api/v1/sessions", raw)


CASES = {
    "rest": Case(lambda url: RestProvider(url, "t"), rest_answers, rest_own),
    "matrix": Case(lambda url: MatrixProvider(url, "t"), matrix_answers, matrix_own),
    "synapse-admin": Case(
        lambda url: SynapseAdminProvider(url, "t", "@bob:hs"),
        synapse_admin_answers,
        synapse_admin_own,
    ),
    "better-auth": Case(
        lambda url: BetterAuthProvider(url, "t"), better_auth_answers, better_auth_own
    ),
    "better-auth-admin": Case(
        lambda url: BetterAuthAdminProvider(url, "t", "bob@x.org"), ba_admin_answers, ba_admin_own
    ),
    "allauth": Case(lambda url: AllauthProvider(url, "t"), allauth_answers, allauth_own),
    "keycloak": Case(
        lambda url: KeycloakProvider(url, "sessions", kc_tokens()), keycloak_answers, keycloak_own
    ),
    "kratos": Case(lambda url: KratosProvider(url, "t"), kratos_answers, kratos_own),
    "kratos-admin": Case(
        lambda url: KratosAdminProvider(url, "k", "bob"), kratos_admin_answers, kratos_admin_own
    ),
    "auth0": Case(auth0_provider, auth0_answers, auth0_own),
    "okta": Case(lambda url: OktaProvider(url, "t", "bob"), okta_answers, okta_own),
    "authentik": Case(lambda url: AuthentikProvider(url, "t"), authentik_answers, authentik_own),
    "authentik-admin": Case(
        lambda url: AuthentikProvider(url, "t", watched="bob"), authentik_answers, authentik_own
    ),
    "clerk": Case(lambda url: ClerkProvider(url, "sk", "bob"), clerk_answers, clerk_own),
    "keycloak-admin": Case(
        lambda url: KeycloakAdminProvider(url, "sessions", SharedTokens(kc_tokens()), "bob"),
        kc_admin_answers,
        kc_admin_own,
    ),
}
REVOKING_WORDS = ("revoke", "delete")  # and any DELETE or PUT


def revoking(method: str, path: str) -> bool:
    return method in ("DELETE", "PUT") or any(w in path.lower() for w in REVOKING_WORDS)


async def attempt(provider: ProviderBase, raw: str, *, many: bool) -> Session | None:
    """List, find the generated session as the provider shows it, and revoke it."""
    try:
        listed = await provider.list_sessions()
        target = next((s for s in listed if not s.is_current and s.id != ME), None)
        if target is None:
            return None
        if many:
            await provider.revoke_others(only=[target.id], password="pw")
        else:
            await provider.revoke(target.id, password="pw")
        return target
    except ProviderError:
        return None
    finally:
        await provider.aclose()


def check(case: Case, canned: Canned, raw: str, many: bool) -> None:
    canned.answers.clear()
    canned.requests.clear()
    case.answers(canned, raw)
    provider = case.make(canned.url)
    refusal = provider.refusal(raw)  # what this API cannot be sent, whatever the id's text
    target = asyncio.run(attempt(provider, raw, many=many))
    sent = [(m, p, b) for m, p, b in canned.requests if revoking(m, p)]
    if id_problem(raw) is not None:
        assert sent == [], f"an unusable id {raw!r} was sent: {sent}"
    elif target is not None and target.id == raw and refusal is None:
        # Not a property that passes by refusing everything: a listed, usable id is sent.
        assert sent, f"a usable id {raw!r} was never sent"
    for method, path, body in sent:
        assert case.own(method, path, body, raw), f"{raw!r} -> {method} {path} {body[:200]!r}"
        assert "pw" not in path
        if is_dotlike(raw):
            assert method != "DELETE", "an id of dots went into a URL"


@pytest.mark.parametrize("name", list(CASES))
@PROPERTY
@given(raw=IDS, many=st.booleans())
@example(raw="..", many=False)
@example(raw=".", many=False)
@example(raw="a/b", many=False)
def test_a_revoke_is_for_its_own_resource_or_nothing(
    name: str, raw: str, many: bool, canned: Canned
) -> None:
    check(CASES[name], canned, raw, many)


@pytest.mark.parametrize("name", ["rest", "matrix", "synapse-admin"])
def test_an_id_of_dots_is_revoked_through_the_body(name: str, canned: Canned) -> None:
    """A hostile client named its session ".." so that it could not be ended: it still is, by
    the API's call that carries ids in its body."""
    check(CASES[name], canned, "..", many=False)
    sent = [(m, p, b) for m, p, b in canned.requests if revoking(m, p)]
    assert len(sent) == 1 and sent[0][0] == "POST"


class PathOnly(ProviderBase):
    """An API whose only revoke is `DELETE /v1/sessions/{id}` (as Keycloak's and Kratos' are):
    an id of dots has no safe way there, and is refused."""

    kind = "path-only"

    def __init__(self, rest: RestProvider) -> None:
        super().__init__()
        self.rest = rest

    async def _list(self) -> list[Session]:
        return await self.rest.list_sessions()

    async def _revoke_one(self, session_id: str, password: str | None) -> None:
        await self.rest._revoke_one(session_id, password)


@PROPERTY
@given(raw=IDS, many=st.booleans())
@example(raw="..", many=False)
@example(raw="．．", many=True)
def test_an_api_without_a_body_call_refuses_ids_it_cannot_name(
    raw: str, many: bool, canned: Canned
) -> None:
    case = Case(lambda url: PathOnly(RestProvider(url, "t")), rest_answers, rest_own)
    check(case, canned, raw, many)
    sent = [(m, p) for m, p, _ in canned.requests if revoking(m, p)]
    if is_dotlike(raw) or id_problem(raw):
        assert sent == []


def test_a_refused_id_says_why_and_how_else(canned: Canned) -> None:
    rest_answers(canned, "..")

    async def go() -> str:
        provider = PathOnly(RestProvider(canned.url, "t"))
        try:
            await provider.list_sessions()
            with pytest.raises(UnsafeSessionId) as caught:
                await provider.revoke("..")
            return str(caught.value)
        finally:
            await provider.aclose()

    message = asyncio.run(go())
    assert "made of dots" in message and "End it on the server itself" in message
    assert not [r for r in canned.requests if r[0] == "DELETE"]


@pytest.mark.parametrize(
    ("raw", "word"),
    [("a\r\nb", "control"), ("x" * 1025, "long"), ("a\u202eb", "hidden"), ("unsafe-x", "mimic")],
)
def test_an_unusable_id_is_listed_under_a_stand_in_that_says_why(
    raw: str, word: str, canned: Canned
) -> None:
    rest_answers(canned, raw)

    async def go() -> list[Session]:
        provider = RestProvider(canned.url, "t")
        try:
            return await provider.list_sessions()
        finally:
            await provider.aclose()

    first, second = asyncio.run(go()), asyncio.run(go())
    stand_in = next(s.id for s in first if not s.is_current)
    assert stand_in.startswith(f"unsafe-{word}-")
    assert stand_in == next(s.id for s in second if not s.is_current)  # stable: history keeps it
    assert refused_reason(stand_in) is not None
    with pytest.raises(UnsafeSessionId):
        url_segment(stand_in)


def test_url_segment_encodes_one_segment() -> None:
    assert url_segment("..") == "%2E%2E"
    assert url_segment("a/b?c#d%e") == "a%2Fb%3Fc%23d%25e"
    assert url_segment("ses_8c2f-A~") == "ses_8c2f-A~"
    assert url_segment("v1.2") == "v1%2E2"


def test_an_empty_id_from_a_parser_that_lets_it_through_is_a_stand_in_too() -> None:
    """The providers' parsers refuse an empty id with the listing; one that did not would
    still never send it."""
    shown = bounded(Session(id=""))
    assert shown.id.startswith("unsafe-empty-")
    assert "empty id" in (refused_reason(shown.id) or "")


def test_a_token_with_a_line_break_never_becomes_a_header(canned: Canned) -> None:
    """A token from a login answer (or the environment) that would split a header is refused
    before any request is made."""
    rest_answers(canned, "x")
    with pytest.raises(BadResponse, match="Authorization header"):
        RestProvider(canned.url, "tok\r\nX-Injected: 1")
    with pytest.raises(BadResponse):
        checked_headers({"X-Session-Token": "ok\x00"})
    assert canned.requests == []
