"""On call without a server: `--demo --admin` watches a few demo users through the contract's
on-call part (`/v1/users/{user_id}/sessions...`), as `--provider rest --admin` does a server's."""

from __future__ import annotations

import json

import jsonschema
from test_commands import cli, schema
from ui_support import settle, until

from session_tui.demo import DemoService
from session_tui.demo.users import DEMO_USERS, WatchedUsers
from session_tui.providers.rest_admin import RestAdminProvider
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.screens.confirm import ConfirmDialog


def test_demo_admin_lists_the_demo_users_and_none_of_their_sessions_is_ours() -> None:
    done = cli("list", "--json", "--demo", "--admin")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    jsonschema.validate(rows, schema("sessions"))
    assert {r["account"] for r in rows} == {email for _, _, email in DEMO_USERS}
    assert not any(r["current"] for r in rows)
    watched = json.loads(cli("list", "--json", "--demo", "--admin", "--watch", "sam").stdout)
    assert {r["account"] for r in watched} == {"sam@example.com"}


def test_a_forced_sign_out_ends_every_session_of_the_user_and_is_audited() -> None:
    flags = ("--demo", "--admin", "--watch", "priya")
    before = json.loads(cli("list", "--json", *flags).stdout)
    done = cli("revoke", "--all-others", "--yes", *flags)
    assert done.returncode == 0, done.stderr
    assert json.loads(cli("list", "--json", *flags).stdout) == []  # the account is kept
    (line,) = json.loads(cli("audit", "--json").stdout)
    assert line["action"] == "force-sign-out" and line["account"] == "priya@example.com"
    assert sorted(line["session_ids"]) == sorted(r["id"] for r in before)


def test_rest_admin_watches_a_servers_user_and_the_dashboard_signs_them_out() -> None:
    users = WatchedUsers.demo(("sam", "mei"), kept=False)
    with DemoService(seed=4, users=users) as service:
        mei = users.accounts["mei"][0]
        listed = cli(
            "list", "--json", "--provider", "rest", "--url", service.url, "--admin",
            "--watch", "mei", env={"SESSION_TUI_TOKEN": users.token},
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        assert {r["id"] for r in json.loads(listed.stdout)} == mei.session_ids()
        refused = cli(
            "list", "--provider", "rest", "--url", service.url, "--admin", "--watch", "mei",
            env={"SESSION_TUI_TOKEN": service.token},
        )  # fmt: skip
        assert refused.returncode == 2  # the account's own token may not act on call


async def test_the_on_call_dashboard_forces_a_sign_out_by_keys() -> None:
    users = WatchedUsers.demo(("sam",), kept=False)
    with DemoService(seed=6, users=users) as service:
        sam = users.accounts["sam"][0]
        provider = RestAdminProvider(service.url, users.token, "sam")
        app = SessionTuiApp([provider], AppOptions(interval=600))
        async with app.run_test(size=(120, 32)) as pilot:
            await settle(pilot, app)
            assert set(app.main.table.visible_ids) == sam.session_ids()
            assert not any("This device" in app.main.table.cell_text(s, "device")
                           for s in app.main.table.visible_ids)  # fmt: skip
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
            await pilot.press("y")
            await until(pilot, lambda: not sam.session_ids(), "the sign-out")


def test_a_watched_user_goes_into_the_url_as_one_encoded_segment() -> None:
    provider = RestAdminProvider("http://127.0.0.1:9", "token", "../admin?x=1#y")
    assert provider.path == "/v1/users/%2E%2E%2Fadmin%3Fx%3D1%23y/sessions"
    assert provider.account == "../admin?x=1#y"  # shown through plain(), like any account
