"""A connection that fails says why in words, never a library's class name."""

from __future__ import annotations

import socket

import pytest

from session_tui.errors import Unreachable
from session_tui.providers.failures import why
from session_tui.providers.rest import RestProvider


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_refused_connection_is_said_in_words() -> None:
    port = closed_port()
    provider = RestProvider(f"http://127.0.0.1:{port}", "token")
    try:
        with pytest.raises(Unreachable) as raised:
            await provider.list_sessions()
    finally:
        await provider.aclose()
    message = str(raised.value)
    assert "refused" in message and "is the server running" in message
    assert "Error" not in message  # no ConnectError, no OSError


def test_causes_are_told_by_what_they_are() -> None:
    assert why(socket.gaierror(-2, "Name or service not known")) == "the host name does not resolve"
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = ConnectionResetError(104, "reset")
    assert why(wrapped) == "the connection was reset"
    assert why(ValueError("x")) == "the request failed"
