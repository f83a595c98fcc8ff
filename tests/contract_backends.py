"""One `Backend` per real session API, so the provider contract suite runs against each.

A backend signs a provider in as a fresh account that also has sessions of other clients, and
acts on the server as those other clients would (sign in, end a session, check a token), never
through the provider under test. Adding a provider to the contract suite is adding one class
here and its name to `BACKENDS`.

Fixture: `backend`, parametrised over every name in `BACKENDS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import pytest
from allauth_server import AllauthSite
from better_auth_server import BetterAuthServer
from demo_fixtures import DEMO_NOW, DEMO_SEED, DEMO_TOKEN
from home_assistant_server import HomeAssistant
from keycloak_server import CLIENT_ID as KC_CLIENT
from keycloak_server import OTHER_CLIENT, KeycloakServer
from keycloak_server import REALM as KC_REALM
from kratos_fake import KratosFake
from synapse_server import SynapseServer

from session_tui.demo import DemoService, ManualClock
from session_tui.providers.allauth import AllauthProvider, login_sync
from session_tui.providers.base import SessionProvider
from session_tui.providers.better_auth import BetterAuthProvider
from session_tui.providers.better_auth_signin import login_sync as ba_login
from session_tui.providers.hass_auth import Granted, HassTokens
from session_tui.providers.home_assistant import HomeAssistantProvider
from session_tui.providers.keycloak import KeycloakProvider, realm_path
from session_tui.providers.kratos import KratosProvider
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.oidc import Realm, Tokens
from session_tui.providers.rest import RestProvider
from session_tui.providers.tokens import TokenSource

OTHER_CLIENTS = [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "198.51.100.7"),
    ("curl/8.5.0", "203.0.113.10"),
]


class Backend(Protocol):
    name: str
    ours: str  # the id of the session the provider is signed in with
    others: list[str]  # ids of the other clients' sessions, at the start

    def provider(self, base_url: str | None = None) -> SessionProvider:
        """A new provider signed in with our session (each call: a new client), talking to
        the server, or to `base_url` instead (to see what it does when nothing answers)."""
        ...

    def server_ids(self) -> set[str]:
        """Every active session id, as the server tells another of the account's clients."""
        ...

    def sign_in_other(self) -> str:
        """A new session from another client; its id."""
        ...

    def end_elsewhere(self, session_id: str) -> None:
        """End one session from another client."""
        ...

    def alive(self, session_id: str) -> bool:
        """Whether that session still works on the server (its token is accepted)."""
        ...


@dataclass
class DemoBackend:
    """Our REST contract, served by the embedded demo service."""

    service: DemoService
    name: str = "rest"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ours = self.service.current_id
        self.others = sorted(self.server_ids() - {self.ours})

    def provider(self, base_url: str | None = None) -> SessionProvider:
        return RestProvider(base_url or self.service.url, self.service.token)

    def server_ids(self) -> set[str]:
        return self.service.state.session_ids()

    def sign_in_other(self) -> str:
        return self.service.state.add_session(user_agent=OTHER_CLIENTS[1][0], ip="192.0.2.1")

    def end_elsewhere(self, session_id: str) -> None:
        assert self.service.state.remove_session(session_id)

    def alive(self, session_id: str) -> bool:
        # The demo has one token, for our own session; another session lives while listed.
        return session_id in self.server_ids()


@dataclass
class MatrixBackend:
    synapse: SynapseServer
    name: str = "matrix"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = self.synapse.new_user(prefix="contract")
        # The registration device is one more of the account's clients.
        self.others = [self.user.registration_device]
        for ua, ip in OTHER_CLIENTS:
            self.others.append(self.synapse.login(self.user, user_agent=ua, ip=ip)[0])
        self.ours, self._token = self.synapse.login(self.user, device_name="session-tui test")

    def provider(self, base_url: str | None = None) -> SessionProvider:
        url = base_url or self.synapse.base_url
        return MatrixProvider(url, self._token, user_id=self.user.user_id)

    def server_ids(self) -> set[str]:
        return set(self.synapse.devices(self.user))

    def sign_in_other(self) -> str:
        return self.synapse.login(self.user, user_agent="curl/8.5.0", ip="192.0.2.1")[0]

    def end_elsewhere(self, session_id: str) -> None:
        token = self.user.devices.pop(session_id)
        with self.synapse.client(token) as c:
            c.post("/_matrix/client/v3/logout", json={}).raise_for_status()

    def alive(self, session_id: str) -> bool:
        return self.synapse.token_works(self.user.devices[session_id])

    def revoke_password(self) -> str:
        return self.user.password


@dataclass
class AllauthBackend:
    site: AllauthSite
    name: str = "allauth"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = self.site.new_user()
        self.others = [self.site.login(self.user, user_agent=u, ip=i) for u, i in OTHER_CLIENTS]
        login = login_sync(self.site.base_url, self.user.username, self.user.password)
        assert login.session_id is not None
        self.ours, self._token = login.session_id, login.token
        self.user.tokens[self.ours] = login.token

    def provider(self, base_url: str | None = None) -> SessionProvider:
        return AllauthProvider(base_url or self.site.base_url, self._token)

    def _other_token(self) -> str:
        """A live token of another client; ours (read with plain httpx) when none is left."""
        live = (t for s, t in self.user.tokens.items() if s != self.ours and self._live(t))
        return next(live, self._token)

    def _live(self, token: str) -> bool:
        return self.site.token_works(token)

    def server_ids(self) -> set[str]:
        return set(self.site.sessions(self._other_token()))

    def sign_in_other(self) -> str:
        return self.site.login(self.user, user_agent="curl/8.5.0", ip="192.0.2.1")

    def end_elsewhere(self, session_id: str) -> None:
        helper = self.site.login(self.user, user_agent="helper", ip="192.0.2.200")
        self.site.end(self.user.tokens[helper], session_id)
        with self.site.client(self.user.tokens.pop(helper)) as c:
            c.delete("/auth/session")  # the helper signs itself out (allauth answers 401)

    def alive(self, session_id: str) -> bool:
        return self._live(self.user.tokens[session_id])


@dataclass
class BetterAuthBackend:
    server: BetterAuthServer
    name: str = "better-auth"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = self.server.new_user()
        self.others = [self.server.login(self.user, user_agent=u, ip=i) for u, i in OTHER_CLIENTS]
        token, me = ba_login(self.server.api, self.user.email, self.user.password)
        self.ours, self._token = me.session_id, token
        self.user.tokens[self.ours] = token

    def provider(self, base_url: str | None = None) -> SessionProvider:
        return BetterAuthProvider(base_url or self.server.base_url, self._token)

    def _a_live_token(self) -> str:
        """A live token of another client; ours (read with plain httpx) when none is left."""
        live = (
            t for s, t in self.user.tokens.items() if s != self.ours and self.server.token_works(t)
        )
        return next(live, self._token)

    def server_ids(self) -> set[str]:
        return set(self.server.sessions(self._a_live_token()))

    def sign_in_other(self) -> str:
        return self.server.login(self.user, user_agent="curl/8.5.0", ip="192.0.2.1")

    def end_elsewhere(self, session_id: str) -> None:
        helper = self.server.login(self.user, user_agent="helper", ip="192.0.2.200")
        self.server.end(self.user.tokens[helper], session_id)
        with self.server.client(self.user.tokens.pop(helper)) as c:
            c.post("/sign-out").raise_for_status()

    def alive(self, session_id: str) -> bool:
        return self.server.token_works(self.user.tokens[session_id])


@dataclass
class KeycloakBackend:
    """A Keycloak realm: our session from a password sign-in of session-tui's client, the
    others from independent sign-ins (another client among them). A session's tokens tell
    whether it is alive: its refresh is refused once it has ended."""

    server: KeycloakServer
    name: str = "keycloak"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = self.server.add_user()
        self.refresh: dict[str, tuple[str, str]] = {}
        for user_agent, ip in OTHER_CLIENTS:
            self.others.append(self._sign_in(user_agent, ip, OTHER_CLIENT))
        answer = self.server.sign_in(self.user, user_agent="session-tui", ip=None)
        self.ours = answer["session_state"]
        self._tokens = kc_tokens(answer)

    def _sign_in(self, user_agent: str, ip: str | None, client_id: str = KC_CLIENT) -> str:
        answer = self.server.sign_in(self.user, client_id=client_id, user_agent=user_agent, ip=ip)
        sid = str(answer["session_state"])
        self.refresh[sid] = (str(answer["refresh_token"]), client_id)
        return sid

    def provider(self, base_url: str | None = None) -> SessionProvider:
        realm = Realm("keycloak", realm_path(KC_REALM), KC_CLIENT)
        return KeycloakProvider(
            base_url or self.server.base_url, KC_REALM, TokenSource(realm, self._tokens)
        )

    def server_ids(self) -> set[str]:
        return set(self.server.sessions(self.user))

    def sign_in_other(self) -> str:
        return self._sign_in("curl/8.5.0", "192.0.2.1")

    def end_elsewhere(self, session_id: str) -> None:
        with self.server.admin() as admin:
            admin.delete(f"/{KC_REALM}/sessions/{session_id}").raise_for_status()

    def alive(self, session_id: str) -> bool:
        if session_id == self.ours:
            return self.server.account_works(self._tokens.access_token)
        token, client_id = self.refresh[session_id]
        return self.server.refresh_works(token, client_id)


@dataclass
class HomeAssistantBackend:
    """Home Assistant: each sign-in is a refresh token; a token's refresh tells whether its
    session is alive."""

    server: HomeAssistant
    name: str = "home-assistant"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = self.server.add_user()
        for _, ip in OTHER_CLIENTS:
            self.others.append(self.server.device(self.user, ip=ip)[0])
        self.ours, answer = self.server.device(self.user)
        self._granted = Granted(answer["access_token"], answer["refresh_token"], float("inf"))

    def provider(self, base_url: str | None = None) -> SessionProvider:
        base = base_url or self.server.base_url
        return HomeAssistantProvider(base, HassTokens(base, self._granted))

    def server_ids(self) -> set[str]:
        """As another of the user's devices sees them (a helper sign-in, gone again)."""
        helper, answer = self.server.device(self.user, ip="192.0.2.201")
        try:
            return self.server.token_ids(answer["access_token"]) - {helper}
        finally:
            self.server.sign_out(self.user.tokens.pop(helper))

    def sign_in_other(self) -> str:
        return self.server.device(self.user, ip="192.0.2.1")[0]

    def end_elsewhere(self, session_id: str) -> None:
        helper, answer = self.server.device(self.user, ip="192.0.2.200")
        self.server.command(
            answer["access_token"], "auth/delete_refresh_token", refresh_token_id=session_id
        )
        self.server.sign_out(self.user.tokens.pop(helper))

    def alive(self, session_id: str) -> bool:
        return self.server.refresh_works(self.user.tokens[session_id])


@dataclass
class KratosBackend:
    """Our model of Ory Kratos (tests/kratos_fake.py): sessions of one identity."""

    fake: KratosFake
    name: str = "kratos"
    ours: str = ""
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.identity = self.fake.add_identity(f"u{len(self.fake.identities)}@example.org")
        self.others = [
            self.fake.sign_in(self.identity, agent=ua, ip=ip).id for ua, ip in OTHER_CLIENTS
        ]
        self._ours = self.fake.sign_in(self.identity, agent="session-tui/0.1.0", ip="127.0.0.1")
        self.ours = self._ours.id

    def provider(self, base_url: str | None = None) -> SessionProvider:
        return KratosProvider(base_url or self.fake.url, self._ours.token)

    def server_ids(self) -> set[str]:
        return {
            s.id for s in self.fake.sessions.values() if s.identity_id == self.identity and s.active
        }

    def sign_in_other(self) -> str:
        return self.fake.sign_in(self.identity, ip="192.0.2.1").id

    def end_elsewhere(self, session_id: str) -> None:
        self.fake.sessions[session_id].active = False

    def alive(self, session_id: str) -> bool:
        return self.fake.live(session_id)


BACKENDS = [
    "rest",
    "matrix",
    "allauth",
    "better-auth",
    "keycloak",
    "home-assistant",
    "kratos",
]


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    name = request.param
    if name == "rest":
        with DemoService(
            seed=DEMO_SEED, clock=ManualClock(DEMO_NOW), live=False, token=DEMO_TOKEN
        ) as service:
            yield DemoBackend(service)
    elif name == "matrix":
        yield MatrixBackend(request.getfixturevalue("synapse"))
    elif name == "allauth":
        yield AllauthBackend(request.getfixturevalue("allauth_site"))
    elif name == "kratos":
        yield KratosBackend(request.getfixturevalue("kratos"))
    elif name == "home-assistant":
        yield HomeAssistantBackend(request.getfixturevalue("home_assistant"))
    elif name == "keycloak":
        yield KeycloakBackend(request.getfixturevalue("keycloak"))
    else:
        yield BetterAuthBackend(request.getfixturevalue("better_auth"))


def password_for(backend: Backend) -> str | None:
    """Matrix asks the account password to revoke (user-interactive auth); others do not."""
    getter = getattr(backend, "revoke_password", None)
    return getter() if getter else None


def now() -> datetime:
    return datetime.now(UTC)


def kc_tokens(answer: dict[str, object]) -> Tokens:
    """A token endpoint's answer as the provider holds it."""
    return Tokens(str(answer["access_token"]), str(answer["refresh_token"]), float("inf"))
