"""Why a connection failed, in words a user can act on ("the connection was refused"), never
a library's class name ("ConnectError") or its own text (which may quote what we sent)."""

from __future__ import annotations

import errno
import socket
import ssl

_BY_ERRNO = {
    errno.ECONNREFUSED: "the connection was refused (is the server running?)",
    errno.ECONNRESET: "the connection was reset",
    errno.EHOSTUNREACH: "no route to the host",
    errno.ENETUNREACH: "the network is unreachable",
    errno.ETIMEDOUT: "the connection timed out",
    errno.EPIPE: "the connection broke",
}


def why(exc: BaseException) -> str:
    """The first cause in `exc`'s chain that can be told in words; a general sentence else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(current, ssl.SSLCertVerificationError):
            return "its TLS certificate is not trusted"
        if isinstance(current, ssl.SSLError):
            return "the TLS handshake failed"
        if isinstance(current, OSError) and current.errno in _BY_ERRNO:
            return _BY_ERRNO[current.errno]
        if isinstance(current, ConnectionRefusedError):
            return _BY_ERRNO[errno.ECONNREFUSED]
        if isinstance(current, ConnectionError):
            return "the connection broke"
        current = current.__cause__ or current.__context__
    return _by_name(exc)


def _by_name(exc: BaseException) -> str:
    """What httpx's and websockets' own exceptions mean, by their (stable, public) names."""
    name = type(exc).__name__
    if "Proxy" in name:
        return "the proxy refused or failed"
    if "Connect" in name or "InvalidHandshake" in name or "InvalidStatus" in name:
        return "no connection could be made"
    if "Read" in name or "Write" in name or "Closed" in name:
        return "the connection broke"
    if "Protocol" in name:
        return "the answer was not valid HTTP"
    if "Decoding" in name:
        return "the answer's body cannot be decoded"
    if "Redirect" in name:
        return "it redirected too many times"
    return "the request failed"
