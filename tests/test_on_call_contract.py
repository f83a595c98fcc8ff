"""The on-call contract: what every admin provider (`--admin --watch`) promises, stated once and
run against each one's server: a real Keycloak, and our models of Ory Kratos, Auth0, Clerk,
authentik and Okta.

The listing is the watched user's sessions on the server, none of them ours; revoking one ends
it for its client; signing the user out ends them all; a session ended elsewhere leaves the
listing; a session the server does not have is NotFound; nothing answering is Unreachable.
Adding a provider is one class below and its name in `ON_CALL`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from auth0_fake import Auth0Fake
from authentik_fake import AuthentikFake
from clerk_fake import SECRET as CLERK_SECRET
from clerk_fake import ClerkFake
from keycloak_server import ONCALL_CLIENT, OTHER_CLIENT, REALM, KeycloakServer
from kratos_fake import API_KEY, KratosFake
from okta_fake import TOKEN as OKTA_TOKEN
from okta_fake import OktaFake

from session_tui.errors import NotFound, Unreachable
from session_tui.providers.auth0 import Auth0Provider
from session_tui.providers.authentik import AuthentikProvider
from session_tui.providers.base import SessionProvider
from session_tui.providers.clerk import ClerkProvider
from session_tui.providers.keycloak_admin import KeycloakAdminProvider
from session_tui.providers.kratos import KratosAdminProvider
from session_tui.providers.oidc import Realm, Tokens
from session_tui.providers.okta import OktaProvider
from session_tui.providers.tokens import SharedTokens, TokenSource


@dataclass
class OnCall:
    """One watched user on one server, and how the server itself is asked and acted on."""

    make: Callable[[str | None], SessionProvider]  # base URL override (None: the server)
    server_ids: Callable[[], set[str]]
    sign_in: Callable[[], str]
    end_elsewhere: Callable[[str], None]
    alive: Callable[[str], bool]
    initial: list[str] = field(default_factory=list)


def keycloak_on_call(server: KeycloakServer) -> OnCall:
    import keycloak_server

    user = server.add_user()
    refresh: dict[str, str] = {}

    def sign_in() -> str:
        answer = server.sign_in(user, client_id=OTHER_CLIENT)
        refresh[answer["session_state"]] = answer["refresh_token"]
        return str(answer["session_state"])

    realm = Realm("kc", f"/realms/{REALM}", ONCALL_CLIENT, keycloak_server.ONCALL_SECRET)

    def make(base: str | None) -> SessionProvider:
        from session_tui.providers.http import make_sync_client
        from session_tui.providers.tokens import SharedTokens

        with make_sync_client(server.base_url) as client:
            first = realm.client_credentials_sync(client)
        access = SharedTokens(TokenSource(realm, first, service_account=True))
        return KeycloakAdminProvider(base or server.base_url, REALM, access, user.username)

    def end(sid: str) -> None:
        with server.admin() as admin:
            admin.delete(f"/{REALM}/sessions/{sid}").raise_for_status()

    initial = [sign_in() for _ in range(2)]
    return OnCall(
        make,
        lambda: set(server.sessions(user)),
        sign_in,
        end,
        lambda sid: server.refresh_works(refresh[sid], OTHER_CLIENT),
        initial,
    )


def kratos_on_call(fake: KratosFake) -> OnCall:
    ident = fake.add_identity(f"oc{len(fake.identities)}@example.org")

    def server_ids() -> set[str]:
        return {s.id for s in fake.sessions.values() if s.identity_id == ident and s.active}

    def end(sid: str) -> None:
        fake.sessions[sid].active = False

    initial = [fake.sign_in(ident).id for _ in range(2)]
    return OnCall(
        lambda base: KratosAdminProvider(base or fake.url, API_KEY, ident),
        server_ids,
        lambda: fake.sign_in(ident).id,
        end,
        fake.live,
        initial,
    )


def auth0_on_call(fake: Auth0Fake) -> OnCall:
    user = "auth0|oncall"

    def make(base: str | None) -> SessionProvider:
        token = fake.issue({"read:sessions", "delete:sessions"})
        realm = Realm("auth0", "", "", token_endpoint="/oauth/token")
        access = SharedTokens(TokenSource(realm, Tokens(token, None, 1e12)))
        return Auth0Provider(base or fake.url, access, user)

    initial = [fake.sign_in(user) for _ in range(2)]
    return OnCall(
        make,
        lambda: set(fake.of(user)),
        lambda: fake.sign_in(user),
        lambda sid: fake.sessions.pop(sid),
        lambda sid: sid in fake.sessions,
        initial,
    )


def clerk_on_call(fake: ClerkFake) -> OnCall:
    user = f"user_{len(fake.sessions)}"

    def end(sid: str) -> None:
        fake.sessions[sid]["status"] = "ended"

    initial = [fake.sign_in(user) for _ in range(2)]
    return OnCall(
        lambda base: ClerkProvider(base or fake.url, CLERK_SECRET, user),
        lambda: set(fake.active(user)),
        lambda: fake.sign_in(user),
        end,
        lambda sid: sid in fake.active(user),
        initial,
    )


def authentik_on_call(fake: AuthentikFake) -> OnCall:
    admin = fake.add_user(f"admin{len(fake.users)}")
    name = f"watched{len(fake.users)}"
    user = fake.add_user(name)
    token = fake.token_for(admin, admin=True)
    initial = [fake.sign_in(user) for _ in range(2)]
    return OnCall(
        lambda base: AuthentikProvider(base or fake.url, token, watched=name),
        lambda: set(fake.of(user)),
        lambda: fake.sign_in(user),
        lambda sid: fake.sessions.pop(sid),
        lambda sid: sid in fake.sessions,
        initial,
    )


def okta_on_call(fake: OktaFake) -> OnCall:
    uid = fake.add_user(f"watched{len(fake.users)}@example.com")
    initial = [fake.sign_in(uid) for _ in range(2)]
    return OnCall(
        lambda base: OktaProvider(base or fake.url, OKTA_TOKEN, uid),
        lambda: fake.live(uid),
        lambda: fake.sign_in(uid),
        fake.end,
        lambda sid: sid in fake.sessions,
        initial,
    )


ON_CALL = ["keycloak-admin", "kratos-admin", "auth0", "clerk", "authentik-admin", "okta"]


@pytest.fixture(params=ON_CALL)
async def on_call(request: pytest.FixtureRequest) -> AsyncIterator[OnCall]:
    name = request.param
    if name == "keycloak-admin":
        yield keycloak_on_call(request.getfixturevalue("keycloak"))
    elif name == "kratos-admin":
        yield kratos_on_call(request.getfixturevalue("kratos"))
    elif name == "authentik-admin":
        yield authentik_on_call(request.getfixturevalue("authentik"))
    elif name == "okta":
        yield okta_on_call(request.getfixturevalue("okta"))
    elif name == "clerk":
        yield clerk_on_call(request.getfixturevalue("clerk"))
    else:
        yield auth0_on_call(request.getfixturevalue("auth0"))


async def test_the_listing_is_the_users_sessions_none_of_them_ours(on_call: OnCall) -> None:
    provider = on_call.make(None)
    try:
        listed = await provider.list_sessions()
    finally:
        await provider.aclose()
    assert {s.id for s in listed} == on_call.server_ids() == set(on_call.initial)
    assert not any(s.is_current for s in listed)


async def test_revoke_one_ends_it_for_its_client(on_call: OnCall) -> None:
    target, kept = on_call.initial
    provider = on_call.make(None)
    try:
        await provider.revoke(target)
    finally:
        await provider.aclose()
    assert not on_call.alive(target) and on_call.alive(kept)
    assert on_call.server_ids() == {kept}


async def test_signing_the_user_out_ends_every_session(on_call: OnCall) -> None:
    on_call.sign_in()
    provider = on_call.make(None)
    try:
        await provider.list_sessions()
        ended = await provider.revoke_others()
    finally:
        await provider.aclose()
    assert ended == 3
    assert on_call.server_ids() == set()


async def test_ended_elsewhere_leaves_and_unknown_is_not_found(on_call: OnCall) -> None:
    gone, kept = on_call.initial
    on_call.end_elsewhere(gone)
    provider = on_call.make(None)
    try:
        assert {s.id for s in await provider.list_sessions()} == {kept}
        with pytest.raises(NotFound):
            await provider.revoke(gone)
    finally:
        await provider.aclose()
    assert on_call.alive(kept)


async def test_nothing_answering_is_unreachable(on_call: OnCall) -> None:
    from server_process import free_port

    provider = on_call.make(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(Unreachable):
            await provider.list_sessions()
    finally:
        await provider.aclose()
