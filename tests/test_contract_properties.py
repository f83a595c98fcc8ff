"""The demo service against docs/session-api.yaml, with schemathesis: property-based requests
made from the contract alone (valid and invalid ones, every method), and every answer checked
against it (status codes, schemas, headers, 405 with Allow for what is not declared)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from session_tui.demo import DemoService, DemoState
from session_tui.demo.users import WatchedUsers

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "session-api.yaml"
TOKEN = "contract-properties-token"  # the demo's token for this test (it is made per run)
# The contract's own security scheme carries the token, so that requests made without it (to
# see the 401) are told apart from those made with it.
CONFIG = schemathesis.Config.from_dict({"auth": {"openapi": {"bearerAuth": {"bearer": TOKEN}}}})
schema = schemathesis.openapi.from_path(CONTRACT, config=CONFIG)


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    users = WatchedUsers(
        {"sam": (DemoState(seed=5, account=("sam", "Sam", "sam@example.com")), None)}, TOKEN
    )
    with DemoService(seed=23, sessions=60, token=TOKEN, users=users) as running:
        yield running


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run: CI is reproducible (a seed from the
    deadline=None,  # test's name); a random run found `session_ids` over the limit accepted
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_demo_service_keeps_the_contract(case: schemathesis.Case, service: DemoService) -> None:
    case.call_and_validate(base_url=service.url)
