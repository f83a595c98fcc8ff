"""Quitting with tracking work about: the history files close off the UI thread, for good.

`Engine.aclose` (its recorder's) is what the app awaits on unmount. Closing a history file
writes the
last quiet poll and may wait for a job still on its thread, so it must not block the loop; and
a tracking job still queued must find the recorder closed instead of opening a file again.
"""

from __future__ import annotations

import threading

import pytest
from ui_support import SIZE, settle, until
from ui_support import demo_app as make_app

from session_tui.demo import DemoService
from session_tui.tracking.service import TrackingClosed


async def test_aclose_closes_the_history_off_the_loop_and_for_good(
    demo_service: DemoService,
) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        recorder = app.engine.recorder
        service = recorder.service
        assert list(service.trackers())  # the first poll opened the account's history
        real_close = service.close
        closed_on: list[int] = []

        def close() -> None:
            closed_on.append(threading.get_ident())
            real_close()

        service.close = close
        account = app.accounts[0]
        # A poll's tracking job is queued, and the app quits before it runs.
        recorder.listed(account, list(account.sessions.values()), app.now())
        await recorder.aclose()
        assert closed_on and closed_on[0] != threading.get_ident()
        assert service.closed and list(service.trackers()) == []
        await until(pilot, lambda: recorder.idle, "the queued job to give up")
        assert list(service.trackers()) == []  # the queued job opened nothing
        with pytest.raises(TrackingClosed):
            service.tracker(account.provider)
        assert not [n for n in app.notices if n.severity == "error"]
        await recorder.aclose()  # a second close, after the first, is harmless
