"""On call with many accounts: polls spread and bounded, the one on screen polled most often,
one sidebar line touched per poll, a shared connection pool, history files bounded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from demo_fixtures import DEMO_NOW
from ui_support import SIZE, until

from session_tui import paths
from session_tui.demo import DemoService
from session_tui.engine import schedule
from session_tui.engine.state import AccountState
from session_tui.providers.base import SharedCredential
from session_tui.providers.rest import RestProvider
from session_tui.tracking import service as tracking_service
from session_tui.ui.app import AppOptions, SessionTuiApp
from session_tui.ui.widgets.accounts import AccountList


class _Named(RestProvider):
    """The demo account under another name, so each is its own watched account."""

    def __init__(self, url: str, token: str, name: str) -> None:
        super().__init__(url, token)
        self.label = name

    @property
    def account(self) -> str:
        return self.label

    @account.setter
    def account(self, value: str) -> None:
        pass


def test_due_puts_the_shown_account_first_and_bounds_what_is_in_flight() -> None:
    accounts = [AccountState(object()) for _ in range(20)]
    for index, account in enumerate(accounts):
        account.next_poll_at = float(index)
    accounts[3].in_flight = True
    accounts[4].stopped = True
    accounts[5].resume_at = 100.0  # rate limited
    shown = accounts[15]
    picked = schedule.due(accounts, 16.0, shown=shown, limit=8)
    assert picked[0] is shown and len(picked) == 7  # one is already in flight
    assert accounts[3] not in picked and accounts[4] not in picked and accounts[5] not in picked
    assert [accounts.index(a) for a in picked[1:]] == [0, 1, 2, 6, 7, 8]
    assert schedule.due(accounts, -1.0, shown=shown) == []  # nobody due yet

    account = accounts[0]
    schedule.plan_next(account, 50.0, every=20.0)
    assert 68.0 <= account.next_poll_at <= 72.0 and account.last_poll_at == 50.0
    schedule.bring_forward(account, 2.0)  # it came on screen
    assert account.next_poll_at == 52.0


async def test_many_accounts_are_polled_spread_out_and_bounded(
    demo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = 0
    most = 0
    polls: dict[str, int] = {}
    real = RestProvider.list_sessions

    async def counted(self: RestProvider) -> list:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        polls[self.account] = polls.get(self.account, 0) + 1
        try:
            await asyncio.sleep(0.05)  # a server that takes its time
            return await real(self)
        finally:
            in_flight -= 1

    monkeypatch.setattr(RestProvider, "list_sessions", counted)
    rewrites = 0
    real_set = AccountList.set_accounts

    def set_accounts(self: AccountList, accounts: object) -> None:
        nonlocal rewrites
        rewrites += 1
        real_set(self, accounts)

    monkeypatch.setattr(AccountList, "set_accounts", set_accounts)
    providers = [_Named(demo_service.url, demo_service.token, f"user{i:02d}") for i in range(24)]
    options = AppOptions(interval=0.5, background_interval=3.0, clock=lambda: DEMO_NOW)
    app = SessionTuiApp(providers, options)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: all(a.polls for a in app.accounts), "every first poll")
        first_wave = dict(polls)
        await pilot.pause(2.5)
        assert most <= schedule.MAX_IN_FLIGHT
        since = {name: polls[name] - first_wave[name] for name in polls}
        assert since["user00"] >= 3, (since, first_wave)  # on screen: every half second
        assert max(n for name, n in since.items() if name != "user00") <= 2  # the others wait
        assert rewrites <= 2  # the sidebar's lines are updated one by one, not rewritten
        # Switching to an account polls it at the on-screen pace at once.
        before = polls["user05"]
        app.main.show_account(5)
        await until(pilot, lambda: polls["user05"] > before, "the account shown to be polled")


async def test_a_shared_credential_shares_one_pool_until_the_last_provider_closes() -> None:
    credential: SharedCredential[object] = SharedCredential("token")
    first = credential.client("http://127.0.0.1:9")
    second = credential.client("http://127.0.0.1:9")
    assert first is second
    await credential.release()
    assert not first.is_closed
    await credential.release()
    assert first.is_closed
    assert credential.client("http://127.0.0.1:9") is not first  # opened again when needed


def test_every_account_of_a_profile_shares_one_history_file(tmp_path: Path) -> None:
    service = tracking_service.TrackingService("on-call")
    providers = [_Named("http://127.0.0.1:9", "t", f"user{i}") for i in range(10)]
    for provider in providers:
        service.observe(provider, [])
    databases = {id(t._store.database) for t in service.trackers()}
    assert len(databases) == 1 and len(list(service.trackers())) == 10
    history = paths.state_dir() / "history"
    assert sorted(p.name for p in history.glob("*.sqlite3")) == ["on-call.profile.sqlite3"]
    again = service.tracker(providers[0])
    assert "user0@127.0.0.1" in again.account_key
    assert service.unseen_alerts() == 0
    service.close()


async def test_the_account_list_jumps_by_name_and_sorts_by_recent_change(
    demo_service: DemoService,
) -> None:
    # Watched in reverse order: the list sorts them by name all the same.
    names = [f"user{i:02d}" for i in reversed(range(12))]
    providers = [_Named(demo_service.url, demo_service.token, n) for n in names]
    providers.append(_Named(demo_service.url, demo_service.token, "zed-oncall"))
    options = AppOptions(interval=600, clock=lambda: DEMO_NOW)
    app = SessionTuiApp(providers, options)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: all(a.polls for a in app.accounts), "every first poll")
        accounts = app.main.query_one("#accounts", AccountList)
        shown = [app.accounts[accounts.account_at(i)].name for i in range(accounts.option_count)]
        assert shown == sorted(shown) and shown[0] == "user00"
        assert app.main.account.name == "user11"  # the first watched is shown first
        accounts.focus()
        await pilot.press("slash", *"zed")
        assert app.main.account.name == "zed-oncall"
        assert accounts.account_at(accounts.highlighted) == 12
        assert app.main.header.account is app.accounts[12]
        await pilot.press("enter")  # found: back to the list, the sessions filter untouched
        assert accounts.has_focus and app.main.table.filter_text == ""

        # s in the list: by most recent change; the highlight stays on the account shown
        app.accounts[7].changed_at = DEMO_NOW
        await pilot.press("s")
        assert accounts.by_change and accounts.border_subtitle == "by change"
        assert accounts.account_at(0) == 7
        assert accounts.account_at(accounts.highlighted) == 12
        await pilot.press("j")  # and moving in it shows the account on that line
        assert app.main.account is app.accounts[accounts.account_at(accounts.highlighted)]
        await pilot.press("s")
        assert not accounts.by_change and accounts.account_at(0) == 11  # user00
