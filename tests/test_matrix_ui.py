"""The app on a real Synapse, driven by key presses: what the user does is what the server sees."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from rich.console import Console
from rich.text import Text
from synapse_server import MatrixUser, SynapseServer
from textual.pilot import Pilot
from textual.widgets import Static

from session_tui import credentials
from session_tui.cli import build_parser
from session_tui.connect import OpenAccounts, open_accounts
from session_tui.engine.state import Connection
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.synapse_admin import SynapseAdminProvider
from session_tui.ui.app import AppOptions, SessionTuiApp

SIZE = (160, 40)
PHONE_UA = "Element/1.11 (iPhone; iOS 17.5)"
LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Account:
    user: MatrixUser
    tui: str
    phone: str
    laptop: str

    @property
    def token(self) -> str:
        return self.user.devices[self.tui]


@pytest.fixture
def matrix_user(synapse: SynapseServer) -> MatrixUser:
    """Overrides the shared fixture: a short password, since the pilot types it key by key."""
    return synapse.new_user(prefix="alice", password="pw4")


@pytest.fixture
def account(synapse: SynapseServer, matrix_user: MatrixUser) -> Account:
    phone, _ = synapse.login(
        matrix_user, device_name="iPhone", user_agent=PHONE_UA, ip="198.51.100.7"
    )
    laptop, _ = synapse.login(
        matrix_user, device_name="Laptop", user_agent=LAPTOP_UA, ip="203.0.113.10"
    )
    tui, _ = synapse.login(matrix_user, device_name="TUI", ip="192.0.2.55")
    return Account(matrix_user, tui, phone, laptop)


@pytest.fixture
async def app(synapse: SynapseServer, account: Account) -> AsyncIterator[SessionTuiApp]:
    provider = MatrixProvider(synapse.base_url, account.token, user_id=account.user.user_id)
    yield SessionTuiApp([provider], AppOptions(interval=600, profile=account.user.user_id))


async def settle(pilot: Pilot[None], app: SessionTuiApp) -> None:
    """Wait until no poll or dialog action is running (real network, so poll for it)."""
    for _ in range(100):
        await pilot.pause(0.05)
        busy = any(a.in_flight for a in app.accounts) or any(
            not w.is_finished for w in app.screen.workers if w.group in ("confirm", "rename")
        )
        if not busy:
            return
    raise AssertionError("the app did not settle")


async def filter_to(pilot: Pilot[None], app: SessionTuiApp, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await pilot.pause()


def dialog_text(app: SessionTuiApp, widget_id: str) -> str:
    rendered = app.screen.query_one(f"#{widget_id}", Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


def signed_in(
    synapse: SynapseServer, user: MatrixUser, *more: str
) -> tuple[OpenAccounts, SessionTuiApp]:
    """The app as `session-tui --provider matrix ...` opens it: a password login, `reconnect`."""
    args = build_parser().parse_args(
        ["--provider", "matrix", "--homeserver", synapse.base_url, "--user", user.user_id, *more]
    )
    opened = open_accounts(args, {"SESSION_TUI_PASSWORD": user.password})
    app = SessionTuiApp(
        opened.providers,
        AppOptions(interval=600, profile=opened.profile),
        reconnect=opened.reconnect,
    )
    return opened, app


async def test_the_table_lists_the_server_and_marks_the_current_device(
    synapse: SynapseServer, app: SessionTuiApp, account: Account
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        state = app.accounts[0]
        assert set(state.sessions) == set(synapse.devices(account.user, account.token))
        assert state.current_id == account.tui
        assert set(app.main.table.visible_ids) == set(state.sessions)
        # The current device cannot be revoked: no dialog opens, the device stays.
        await filter_to(pilot, app, "TUI")
        assert app.main.table.selected_id == account.tui
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is app.main
    assert synapse.token_works(account.token)


async def test_revoke_asks_the_password_and_a_wrong_one_can_be_retried(
    synapse: SynapseServer, app: SessionTuiApp, account: Account
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await filter_to(pilot, app, "iPh")
        assert app.main.table.selected_id == account.phone
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.id == "confirm-revoke"
        await pilot.press(*"bad", "enter")
        await settle(pilot, app)
        assert app.screen.id == "confirm-revoke"
        assert "Wrong password" in dialog_text(app, "dialog-error")
        assert account.phone in synapse.devices(account.user, account.token)
        await pilot.press(*account.user.password, "enter")
        await settle(pilot, app)
        assert app.screen is app.main
        assert account.phone not in synapse.devices(account.user, account.token)
        assert account.phone not in app.accounts[0].sessions
    assert not synapse.token_works(account.user.devices[account.phone])


async def test_a_cancelled_revoke_changes_nothing(
    synapse: SynapseServer, app: SessionTuiApp, account: Account
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await filter_to(pilot, app, "Lap")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"wrong", "enter")
        await settle(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main
    assert account.laptop in synapse.devices(account.user, account.token)
    assert synapse.token_works(account.user.devices[account.laptop])


async def test_revoke_all_leaves_exactly_the_current_device(
    synapse: SynapseServer, app: SessionTuiApp, account: Account
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await pilot.pause()
        assert app.screen.id == "confirm-revoke-all"
        assert "3 other sessions" in dialog_text(app, "dialog-question")
        await pilot.press(*account.user.password, "enter")
        await settle(pilot, app)
        assert app.screen is app.main
        await settle(pilot, app)
        assert list(app.accounts[0].sessions) == [account.tui]
    assert set(synapse.devices(account.user, account.token)) == {account.tui}


async def test_rename_with_e_changes_it_on_the_server(
    synapse: SynapseServer, app: SessionTuiApp, account: Account
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await filter_to(pilot, app, "Lap")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Work", "enter")
        await settle(pilot, app)
        assert app.screen is app.main
    devices = synapse.devices(account.user, account.token)
    assert devices[account.laptop]["display_name"] == "Work"


async def test_a_revoked_own_session_is_detected_and_signing_in_again_works(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    opened, app = signed_in(synapse, matrix_user)
    provider = opened.providers[0]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            ours = app.accounts[0].current_id
            assert ours is not None
            # Someone signs our device out from another client.
            _, other = synapse.login(matrix_user, device_name="Element")
            with synapse.client(other) as c:
                c.post(
                    "/_matrix/client/v3/delete_devices",
                    json={
                        "devices": [ours],
                        "auth": {
                            "type": "m.login.password",
                            "identifier": {"type": "m.id.user", "user": matrix_user.user_id},
                            "password": matrix_user.password,
                        },
                    },
                ).raise_for_status()
            await pilot.press("ctrl+r")
            await settle(pilot, app)
            state = app.accounts[0]
            assert state.connection is Connection.SIGNED_OUT
            assert state.error is not None and "signed out elsewhere" in state.error
            assert app.screen.id == "sign-in"
            assert "signed out elsewhere" in dialog_text(app, "dialog-question")
            await pilot.press(*"wrong", "enter")
            await settle(pilot, app)
            assert app.screen.id == "sign-in"
            assert "Wrong password" in dialog_text(app, "dialog-error")
            await pilot.press(*matrix_user.password, "enter")
            await settle(pilot, app)
            await settle(pilot, app)
            assert app.screen is app.main
            state = app.accounts[0]
            assert state.provider is not provider
            assert state.connection is Connection.CONNECTED
            assert state.current_id not in (None, ours)
    finally:
        opened.close()


async def test_admin_sidebar_lists_watched_accounts_and_force_signs_out(
    synapse: SynapseServer, matrix_admin: MatrixUser
) -> None:
    _, operator_token = synapse.login(matrix_admin, device_name="on-call")
    bob = synapse.new_user(prefix="bob")
    synapse.login(bob, device_name="iPhone", user_agent=PHONE_UA, ip="198.51.100.7")
    carol = synapse.new_user(prefix="carol")
    synapse.login(carol, device_name="Laptop", user_agent=LAPTOP_UA, ip="203.0.113.10")
    providers = SynapseAdminProvider.watching(
        synapse.base_url, operator_token, [bob.user_id, carol.user_id]
    )
    app = SessionTuiApp(providers, AppOptions(interval=600, profile="on-call"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.main.query_one("#accounts")
        lines = [str(sidebar.get_option_at_index(i).prompt) for i in range(2)]
        assert lines[0].startswith(bob.user_id) and lines[0].endswith(" 2")
        # Whose admin token acts is on screen, not only whose sessions these are.
        header = Console(width=200, record=True, color_system=None, file=io.StringIO())
        header.print(app.main.header.render())
        assert f"{bob.user_id} as {matrix_admin.user_id}" in header.export_text()
        assert lines[1].startswith(carol.user_id) and lines[1].endswith(" 2")
        # The admin API gives the user agent, so the device column is parsed.
        assert "iPhone" in app.main.table.cell_text(
            next(s for s, v in app.accounts[0].sessions.items() if v.display_name == "iPhone"),
            "device",
        )
        # Switch to carol in the sidebar and sign out all her sessions: no password asked.
        await pilot.press("shift+tab")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.main.selected == 1
        await pilot.press("R")
        await pilot.pause()
        assert app.screen.id == "confirm-revoke-all"
        assert carol.user_id in dialog_text(app, "dialog-question")
        await pilot.press("y")
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.accounts[1].sessions == {}
    assert synapse.admin_devices(operator_token, carol.user_id) == {}
    assert len(synapse.admin_devices(operator_token, bob.user_id)) == 2
    assert synapse.token_works(operator_token)


async def test_a_non_admin_token_says_not_a_server_admin(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    provider = SynapseAdminProvider(
        synapse.base_url, matrix_user.registration_token, "@bob:localhost"
    )
    app = SessionTuiApp([provider], AppOptions(interval=600))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        state = app.accounts[0]
        assert state.error is not None and "not a server admin" in state.error
        assert state.stopped


async def test_on_call_sign_in_again_is_one_dialog_for_every_watched_account(
    synapse: SynapseServer, matrix_admin: MatrixUser
) -> None:
    """The watched accounts share the operator's credential: one password brings all back."""
    bob = synapse.new_user(prefix="bob")
    carol = synapse.new_user(prefix="carol")
    opened, app = signed_in(
        synapse, matrix_admin, "--admin", "--watch", bob.user_id, "--watch", carol.user_id
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert all(a.connection is Connection.CONNECTED for a in app.accounts)
            # Someone logs the operator's session out (every watched account goes with it).
            token = opened.providers[0].credential.token
            with synapse.client(token) as c:
                c.post("/_matrix/client/v3/logout", json={}).raise_for_status()
            await pilot.press("ctrl+r")
            await settle(pilot, app)
            await settle(pilot, app)
            assert all(a.connection is Connection.SIGNED_OUT for a in app.accounts)
            assert app.screen.id == "sign-in"
            await pilot.press(*matrix_admin.password, "enter")
            for _ in range(4):
                await settle(pilot, app)
            assert app.screen is app.main  # no second dialog for the second account
            assert all(a.connection is Connection.CONNECTED for a in app.accounts)
    finally:
        opened.close()


async def test_a_rename_that_finds_our_token_dead_offers_to_sign_in_again(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    opened, app = signed_in(synapse, matrix_user)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            # Our token, as the sign-in stored it (the 0600 credentials file).
            stored = credentials.load(
                credentials.credential_key(synapse.base_url, matrix_user.user_id)
            )
            assert stored is not None
            token = stored.access_token
            with synapse.client(token) as c:  # our session ends elsewhere, unseen by a poll
                c.post("/_matrix/client/v3/logout", json={}).raise_for_status()
            await pilot.press("e")
            await pilot.pause()
            await pilot.press("ctrl+u", *"Renamed", "enter")
            for _ in range(3):
                await settle(pilot, app)
            assert app.screen.id == "sign-in"
            assert app.accounts[0].connection is Connection.SIGNED_OUT
    finally:
        opened.close()
