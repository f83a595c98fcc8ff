"""Other users' accounts in the demo service, watched on call (`--demo --admin`): the
contract's on-call part, `/v1/users/{user_id}/sessions...`, with an operator's token. Each
account is kept in the state directory like the own one (`demo/users/ID.json`)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from session_tui import paths
from session_tui.demo.requests import ApiError, require_bearer
from session_tui.demo.routes import answer
from session_tui.demo.saved import SavedAccount
from session_tui.demo.state import DemoState

USERS_PREFIX = "/v1/users/"
# The users `--demo --admin` watches when no --watch names them: (id, name, e-mail).
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("sam", "Sam Okafor", "sam@example.com"),
    ("priya", "Priya Raman", "priya@example.com"),
    ("jonas", "Jonas Berg", "jonas@example.com"),
    ("mei", "Mei Tanaka", "mei@example.com"),
)


@dataclass
class WatchedUsers:
    """The watched accounts by user id, each with the file it is kept in (or none)."""

    accounts: dict[str, tuple[DemoState, SavedAccount | None]]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # the operator's

    @classmethod
    def demo(cls, users: tuple[str, ...] = (), *, kept: bool = True) -> WatchedUsers:
        """The demo's users (or these ids), kept in the state directory when `kept`."""
        known = {user_id: (user_id, name, email) for user_id, name, email in DEMO_USERS}
        chosen = [known.get(u, (u, u, u)) for u in users] or list(DEMO_USERS)
        accounts: dict[str, tuple[DemoState, SavedAccount | None]] = {}
        for index, account in enumerate(chosen):

            def make(account: tuple[str, str, str] = account, seed: int = index) -> DemoState:
                return DemoState(account=account, seed=None if kept else seed)

            saved = SavedAccount(user_file(account[0])) if kept else None
            accounts[account[0]] = (saved.open(make) if saved else make(), saved)
        return cls(accounts)

    def answer(
        self, method: str, path: str, query: str, authorization: str | None, body: bytes
    ) -> tuple[int, Any]:
        require_bearer(authorization, self.token)
        user_part, _, rest = path[len(USERS_PREFIX) :].partition("/")
        if rest != "sessions" and not rest.startswith("sessions/"):
            raise ApiError(404, "not_found", "No such endpoint.")
        entry = self.accounts.get(unquote(user_part))
        if entry is None:
            raise ApiError(404, "not_found", "No such user.")
        state, saved = entry
        with saved.turn(state) if saved is not None else contextlib.nullcontext():
            return answer(state, None, method, rest[len("sessions") :], query, body)

    def states(self) -> Iterator[DemoState]:
        return (state for state, _ in self.accounts.values())


def user_file(user_id: str) -> Any:
    return paths.state_dir() / "demo" / "users" / f"{paths.safe_key(user_id)}.json"
