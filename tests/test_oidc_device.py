"""The device authorization grant's waiting, against a canned token endpoint: each answer the
RFC and Keycloak give (pending, slow_down, denied, expired, a server error mid-approval) is
followed as the server asks, and each failure is a clear message."""

from __future__ import annotations

import json
import time
from email.message import Message

import pytest
from canned_rest import Answer, serving

from session_tui.errors import AuthExpired, WrongPassword
from session_tui.providers.http import make_sync_client
from session_tui.providers.oidc import DeviceCode, Realm

REALM = Realm("sso", "/realms/acme", "session-tui")


def run(answers: list[tuple[int, dict[str, str]]]) -> tuple[object, list[float]]:
    """Wait for a device sign-in whose token endpoint answers `answers` in turn; what it
    returned (or raised) and the intervals it slept."""
    queue = list(answers)
    sent: list[str] = []

    def handle(method: str, path: str, body: bytes, headers: Message) -> Answer:
        sent.append(body.decode())
        status, payload = queue.pop(0)
        return status, "application/json", json.dumps(payload).encode(), {}

    slept: list[float] = []
    code = DeviceCode(
        "dev-code", "WDJB-MJHT", "https://sso/device", None, time.monotonic() + 600, 5.0
    )
    with serving(handle) as url, make_sync_client(url) as client:
        try:
            result: object = REALM.wait_for_device(client, code, sleep=slept.append)
        except Exception as exc:
            result = exc
    assert all("device_code=dev-code" in body for body in sent)
    return result, slept


TOKENS = {"access_token": "a.b.c", "refresh_token": "r", "expires_in": 300}


def test_pending_then_slow_down_then_approved() -> None:
    result, slept = run(
        [
            (400, {"error": "authorization_pending"}),
            (400, {"error": "slow_down"}),
            (400, {"error": "authorization_pending"}),
            (200, TOKENS),
        ]
    )
    assert getattr(result, "refresh_token", None) == "r"
    assert slept == [5.0, 5.0, 10.0, 10.0]  # five seconds more after slow_down, from then on


def test_a_server_error_mid_approval_is_asked_again() -> None:
    result, _ = run([(500, {"error": "unknown_error"}), (200, TOKENS)])
    assert getattr(result, "access_token", None) == "a.b.c"


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        ("access_denied", WrongPassword, "denied"),
        ("expired_token", AuthExpired, "expired"),
    ],
)
def test_denied_and_expired_say_so(error: str, kind: type, words: str) -> None:
    result, _ = run([(400, {"error": "authorization_pending"}), (400, {"error": error})])
    assert isinstance(result, kind) and words in str(result)
