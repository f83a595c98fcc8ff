"""The app on a real django-allauth site and a real Better Auth server, driven by keys.

Each test opens the app the way `session-tui --provider NAME --base-url URL --user USER` does
(the real parser, a password login), and checks what the server has afterwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from allauth_server import AllauthSite
from better_auth_server import BetterAuthServer
from textual.pilot import Pilot
from ui_support import settle, until

from session_tui import paths
from session_tui.cli import build_parser
from session_tui.connect import open_accounts
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog

SIZE = (120, 32)
LAPTOP = ("Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "81.2.69.142")
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "133.242.0.3",
)


@dataclass
class Site:
    """One real server and one fresh account on it with a laptop and a phone signed in."""

    provider: str
    server: Any  # AllauthSite or BetterAuthServer
    user: Any
    laptop: str
    phone: str

    @property
    def user_name(self) -> str:
        return getattr(self.user, "username", None) or self.user.email

    def argv(self) -> list[str]:
        base = self.server.base_url
        return ["--provider", self.provider, "--base-url", base, "--user", self.user_name]

    def server_ids(self) -> set[str]:
        """What the server lists, asked with another live session, else with the token the
        app stored (read from its credentials file, with plain httpx)."""
        stored = json.loads(paths.credentials_file().read_text())["credentials"]
        tokens = [*self.user.tokens.values(), *(c["access_token"] for c in stored.values())]
        live = next(t for t in tokens if self.server.token_works(t))
        return set(self.server.sessions(live))


@pytest.fixture(params=["allauth", "better-auth"])
def site(request: pytest.FixtureRequest) -> Site:
    if request.param == "allauth":
        server: AllauthSite | BetterAuthServer = request.getfixturevalue("allauth_site")
    else:
        server = request.getfixturevalue("better_auth")
    user = server.new_user()
    laptop = server.login(user, user_agent=LAPTOP[0], ip=LAPTOP[1])
    phone = server.login(user, user_agent=PHONE[0], ip=PHONE[1])
    return Site(request.param, server, user, laptop, phone)


@pytest.fixture
async def app(site: Site) -> AsyncIterator[SessionTuiApp]:
    args = build_parser().parse_args(site.argv())
    opened = open_accounts(args, {"SESSION_TUI_PASSWORD": site.user.password})
    try:
        yield SessionTuiApp(
            opened.providers,
            AppOptions(interval=600, profile=opened.profile),
            reconnect=opened.reconnect,
        )
    finally:
        opened.close()


def notifications(app: SessionTuiApp) -> list[str]:
    return [str(n.message) for n in app.notices]


async def select(pilot: Pilot[None], app: SessionTuiApp, session_id: str) -> None:
    assert app.main.table.select_id(session_id)
    await pilot.pause()


async def test_lists_the_account_and_marks_this_device(site: Site, app: SessionTuiApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = app.main.table
        ours = app.accounts[0].current_id
        assert ours is not None and ours not in (site.laptop, site.phone)
        assert set(table.visible_ids) == site.server_ids()
        assert table.cell_text(ours, "device").startswith("This device")
        assert "Firefox" in table.cell_text(site.laptop, "device")
        assert "Japan" in table.cell_text(site.phone, "location")
        # Neither API has a session expiry in allauth, nor activity in Better Auth: the table
        # shows what there is instead of a column of dashes.
        if site.provider == "allauth":
            assert "expires" not in table.column_keys and "last_active" in table.column_keys
        else:
            assert "expires" in table.column_keys and "signed_in" in table.column_keys


async def test_the_current_session_cannot_be_revoked(site: Site, app: SessionTuiApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ours = app.accounts[0].current_id
        assert ours is not None
        await select(pilot, app, ours)
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is app.main  # no dialog: refused before asking
        assert any("cannot be revoked" in m for m in notifications(app))
        await pilot.press("R", "y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert site.server_ids() == {ours}


async def test_revoke_one_by_keys_ends_it_on_the_server(site: Site, app: SessionTuiApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select(pilot, app, site.phone)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert site.phone not in app.main.table.visible_ids
        assert any(m.startswith("Revoked") for m in notifications(app))
    assert not site.server.token_works(site.user.tokens[site.phone])
    assert site.laptop in site.server_ids()


async def test_revoke_all_others_by_keys_leaves_only_this_device(
    site: Site, app: SessionTuiApp
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ours = app.accounts[0].current_id
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is app.main, "the dialog to close")
        await settle(pilot, app)
        assert app.main.table.visible_ids == [ours]
    assert not site.server.token_works(site.user.tokens[site.laptop])
    assert not site.server.token_works(site.user.tokens[site.phone])


async def test_e_says_these_sessions_cannot_be_renamed(site: Site, app: SessionTuiApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is app.main
        assert any("cannot be renamed" in m for m in notifications(app))
        footer_keys = {k for k, b in app.screen.active_bindings.items() if b.binding.show}
        assert "e" not in footer_keys
