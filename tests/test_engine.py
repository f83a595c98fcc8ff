"""The engine on its own, with no front end: polling, revoking, renaming, alerts and history,
driven through `Engine`'s methods and heard through a subscriber on its events.

The servers are real: the embedded demo service (REST) and a real Synapse for renames.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from demo_fixtures import DEMO_NOW
from synapse_server import MatrixUser, SynapseServer

from session_tui import paths
from session_tui.commands.audit import audit_main
from session_tui.demo import DemoService
from session_tui.engine import events as ev
from session_tui.engine.core import Engine, EngineOptions
from session_tui.engine.polling import PollKind
from session_tui.engine.revocation import RevokeKind, RevokeOutcome
from session_tui.engine.state import Connection
from session_tui.errors import CurrentSessionProtected
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.rest import RestProvider
from session_tui.tracking.audit import read_records

JAPAN_IP = "133.242.0.3"


class Heard:
    """A subscriber that keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[ev.EngineEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: ev.EngineEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    async def until(self, condition: Callable[[], object], what: str, timeout: float = 10) -> None:
        async def wait() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None


def demo_engine(service: DemoService, **options: object) -> tuple[Engine, Heard]:
    provider = RestProvider(service.url, service.token)
    opts = EngineOptions(interval=600, clock=service.clock, **options)
    engine = Engine([provider], opts)
    heard = Heard()
    engine.subscribe(heard)
    return engine, heard


async def test_the_poll_loop_lists_records_and_raises_alerts(demo_service: DemoService) -> None:
    engine, heard = demo_engine(demo_service)
    account = engine.accounts[0]
    engine.start()
    try:
        await heard.until(lambda: heard.of(ev.PollRecorded), "the first listing recorded")
        listed = heard.of(ev.SessionsListed)[0]
        assert {s.id for s in listed.sessions} == demo_service.state.session_ids()
        assert heard.of(ev.PollRecorded)[0].events == []  # the first listing is the baseline
        assert account.connection is Connection.CONNECTED
        demo_service.clock.advance(minutes=1)
        new = demo_service.state.add_session(user_agent="curl/8.5.0", ip=JAPAN_IP)
        assert engine.refresh() == []  # ctrl+r: nothing stands in the way
        await heard.until(lambda: heard.of(ev.AlertsRaised), "the alert")
        [raised] = heard.of(ev.AlertsRaised)
        assert [a.session_id for a in raised.alerts] == [new]
        assert "new-country" in raised.alerts[0].rules
        recorded = heard.of(ev.PollRecorded)[-1]
        assert recorded.unseen == 1 and recorded.account_unseen == 1
    finally:
        await engine.aclose()


async def test_failures_back_off_and_say_so_once(demo_service: DemoService) -> None:
    engine, heard = demo_engine(demo_service)
    account = engine.accounts[0]
    engine.start()
    try:
        await heard.until(lambda: heard.of(ev.PollRecorded), "the first listing")
        demo_service.fail_next(503, times=3)
        engine.refresh()
        await heard.until(lambda: heard.of(ev.ProblemFound), "the problem")
        assert account.connection is Connection.ERROR and account.stale
        assert account.retry_at is not None and account.retry_at > DEMO_NOW
        problems = len(heard.of(ev.ProblemFound))
        engine.refresh()  # the same failure again: nothing new to say
        await heard.until(lambda: len(heard.of(ev.PollFinished)) >= 3, "the second failure")
        assert len(heard.of(ev.ProblemFound)) == problems
    finally:
        await engine.aclose()


async def test_revoking_is_audited_then_confirmed_by_a_listing(demo_service: DemoService) -> None:
    engine, heard = demo_engine(demo_service)
    account = engine.accounts[0]
    engine.start()
    try:
        await heard.until(lambda: heard.of(ev.PollRecorded), "the first listing")
        target = next(s for s in account.sessions.values() if not s.is_current)
        attempt = await engine.revoke(account, RevokeKind.ONE, [target])
        assert attempt.outcome is RevokeOutcome.DONE
        assert heard.of(ev.RevokeFinished)[0].attempt is attempt
        records = [r for _, r in read_records(paths.audit_file()) if r]
        assert records[-1]["action"] == "revoke" and records[-1]["session_ids"] == [target.id]
        await heard.until(
            lambda: any(
                target.id not in {s.id for s in e.sessions} for e in heard.of(ev.SessionsListed)[1:]
            ),
            "the listing after the revocation",
        )
        await asyncio.wait_for(engine.settled(), 10)
        entries = await engine.history(100)
        [entry] = [e for e in entries if e.row.session_id == target.id]
        assert str(entry.row.reason) == "revoked here" and entry.account is account
    finally:
        await engine.aclose()


async def test_the_current_session_is_refused_on_every_path(demo_service: DemoService) -> None:
    engine, _heard = demo_engine(demo_service)
    account = engine.accounts[0]
    try:
        report, _ = await engine.poll_once(account)
        assert report.kind is PollKind.OK
        current = account.sessions[demo_service.current_id]
        attempt = await engine.revoke(account, RevokeKind.ONE, [current])
        assert attempt.outcome is RevokeOutcome.REFUSED
        # Named among others, it is left out of what is sent: the rest end, it stays.
        mixed = await engine.revoke(account, RevokeKind.OTHERS, list(account.sessions.values()))
        assert demo_service.current_id not in mixed.ended
        assert mixed.outcome is RevokeOutcome.PARTIAL and mixed.remaining == (
            demo_service.current_id,
        )
        assert demo_service.current_id in demo_service.state.session_ids()
        with pytest.raises(CurrentSessionProtected):
            await account.provider.revoke(demo_service.current_id)
    finally:
        await engine.aclose()


async def test_the_command_lines_poll_is_recorded_before_it_returns(
    demo_service: DemoService,
) -> None:
    engine, heard = demo_engine(demo_service)
    account = engine.accounts[0]
    try:
        _, first = await engine.poll_once(account)
        assert first == []
        demo_service.clock.advance(minutes=2)
        gone = next(iter(demo_service.state.session_ids() - {demo_service.current_id}))
        demo_service.state.remove_session(gone)
        report, events = await engine.poll_once(account)
        assert report.kind is PollKind.OK
        assert [(str(e.kind), e.session_id) for e in events] == [("ended", gone)]
        assert not heard.of(ev.SessionsListed)[0].account.in_flight
    finally:
        await engine.aclose()


async def test_history_has_the_servers_own_record_as_the_pane_does(
    demo_service: DemoService,
) -> None:
    """The API's history is merged on the first listing of the loop and on demand; what
    `history` reads is the same either way (the pane and the command share it)."""
    engine, heard = demo_engine(demo_service)
    demo_service.clock.advance(minutes=3)
    gone = next(iter(demo_service.state.session_ids() - {demo_service.current_id}))
    demo_service.state.remove_session(gone)  # ended before we ever looked
    engine.start()
    try:
        await heard.until(lambda: heard.of(ev.HistoryChanged), "the first merge")
        entries = await engine.history(50)
        assert gone in {e.row.session_id for e in entries}
    finally:
        await engine.aclose()


async def test_on_call_one_outage_is_one_event(demo_service: DemoService) -> None:
    second = DemoService(clock=demo_service.clock, live=False, token="other-token-for-test")
    with second:
        providers = [RestProvider(demo_service.url, demo_service.token)]
        providers.append(RestProvider(demo_service.url, demo_service.token))
        engine = Engine(providers, EngineOptions(interval=600, clock=demo_service.clock))
        heard = Heard()
        engine.subscribe(heard)
        engine.start()
        try:
            await heard.until(lambda: len(heard.of(ev.PollRecorded)) == 2, "both listings")
            demo_service.fail_next(503, times=2)
            engine.refresh()
            await heard.until(lambda: len(heard.of(ev.PollFinished)) >= 4, "both failures")
            assert len(heard.of(ev.ServerDown)) == 1 and not heard.of(ev.ProblemFound)
            engine.refresh()
            await heard.until(lambda: heard.of(ev.ServerBack), "the server back")
            assert len(heard.of(ev.ServerBack)) == 1
        finally:
            await engine.aclose()


async def test_a_rename_is_done_by_the_server_and_audited(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    phone, _ = synapse.login(matrix_user, device_name="iPhone")
    _tui, token = synapse.login(matrix_user, device_name="TUI")
    provider = MatrixProvider(synapse.base_url, token, user_id=matrix_user.user_id)
    engine = Engine([provider], EngineOptions(interval=600, profile=matrix_user.user_id))
    heard = Heard()
    engine.subscribe(heard)
    account = engine.accounts[0]
    try:
        await engine.poll_once(account)
        await engine.rename(account, phone, "Old phone")
        assert heard.of(ev.Renamed)[0].name == "Old phone"
        assert synapse.devices(matrix_user, token)[phone]["display_name"] == "Old phone"
        records = [r for _, r in read_records(paths.audit_file()) if r]
        assert records[-1]["action"] == "rename" and records[-1]["name"] == "Old phone"
        assert records[-1]["session_ids"] == [phone] and records[-1]["outcome"] == "ok"
        assert "iPhone" in records[-1]["devices"][0]  # as it was named when renamed
        printed = io.StringIO()
        assert audit_main([], stdout=printed) == 0  # `session-tui audit`
        assert "rename" in printed.getvalue() and "new name: Old phone" in printed.getvalue()
    finally:
        await engine.aclose()


async def test_a_subscriber_that_raises_is_reported_and_the_engine_goes_on(
    demo_service: DemoService,
) -> None:
    engine, heard = demo_engine(demo_service)

    def broken(event: ev.EngineEvent) -> None:
        if isinstance(event, ev.SessionsListed):
            raise RuntimeError("a front end's bug")

    engine.subscribe(broken)
    engine.start()
    try:
        await heard.until(lambda: heard.of(ev.PollRecorded), "the listing recorded anyway")
        assert "RuntimeError" in heard.of(ev.SubscriberFailed)[0].error
    finally:
        await engine.aclose()


def test_background_accounts_wait_longer_than_the_one_on_screen(
    demo_service: DemoService,
) -> None:
    providers = [RestProvider(demo_service.url, demo_service.token) for _ in range(2)]
    engine = Engine(providers, EngineOptions(interval=5))
    first, second = engine.accounts
    assert engine.background_interval == 20
    engine.focus(first)
    assert engine.scheduler.every(first) == 5 and engine.scheduler.every(second) == 20
    engine.focus(None)  # `watch`: no account on screen
    assert engine.scheduler.every(first) == 20
    assert timedelta(seconds=engine.interval) == timedelta(seconds=5)
