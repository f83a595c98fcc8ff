"""Fixtures that run the embedded demo service in-process, on 127.0.0.1, per test.

- `demo_service`: frozen (`live=False`), seed `DEMO_SEED`, clock fixed at `DEMO_NOW`
  (2026-11-25T12:00:00Z). Same session ids, addresses and times every run, so snapshot tests
  can use it; `demo_service.clock.advance(minutes=5)` moves "now" without changing the data.
  Change the data through `demo_service.state` (`add_session`, `remove_session`, ...) or the
  HTTP API; `demo_service.fail_next(503)` makes the next request fail.
- `live_demo_service`: the same start, but live: activity, sign-ins (about one a minute) and
  expiry happen as the test advances `live_demo_service.clock`. Still deterministic.
- `demo_provider`: a `RestProvider` signed in to `demo_service`, closed after the test.

The clock is a `session_tui.demo.ManualClock`; the UI's own clock is not frozen by these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from session_tui.demo import DemoService, ManualClock
from session_tui.providers.rest import RestProvider

DEMO_NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
DEMO_SEED = 20261125
DEMO_TOKEN = "demo-test-token-not-a-secret"


@pytest.fixture
def demo_service() -> Iterator[DemoService]:
    """A frozen demo service (see module doc); started before the test, stopped after."""
    with DemoService(
        seed=DEMO_SEED, clock=ManualClock(DEMO_NOW), live=False, token=DEMO_TOKEN
    ) as service:
        yield service


@pytest.fixture
def live_demo_service() -> Iterator[DemoService]:
    """A live demo service whose time moves only with `live_demo_service.clock.advance()`."""
    with DemoService(
        seed=DEMO_SEED, clock=ManualClock(DEMO_NOW), live=True, token=DEMO_TOKEN
    ) as service:
        yield service


@pytest.fixture
async def demo_provider(demo_service: DemoService) -> AsyncIterator[RestProvider]:
    """A `RestProvider` on `demo_service` (plain http is fine: it is loopback)."""
    provider = RestProvider(demo_service.url, demo_service.token)
    try:
        yield provider
    finally:
        await provider.aclose()
