"""Fields of a server's answer to typed values: RFC 3339 and epoch times, IP addresses,
optional strings. Anything of the wrong shape is `BadResponse`, never a crash further up."""

from __future__ import annotations

import ipaddress
import math
import socket
from datetime import UTC, datetime
from typing import Any

from session_tui.errors import BadResponse


def parse_time(value: Any, field: str) -> datetime | None:
    """RFC 3339 text to an aware UTC datetime; None stays None, anything else is BadResponse."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(
            f"Field {field!r} should be an RFC 3339 time, got {type(value).__name__}."
        )
    if "z" in value:  # RFC 3339 allows a lower-case "z"; Python 3.11 reads only "Z" itself
        value = value.replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadResponse(f"Field {field!r} is not an RFC 3339 time.") from exc
    if parsed.tzinfo is None:
        raise BadResponse(f"Field {field!r} has no time zone.")
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def from_epoch_ms(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadResponse(f"Field {field!r} should be milliseconds since the epoch.")
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadResponse(f"Field {field!r} is out of range.") from exc


def from_epoch_seconds(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadResponse(f"Field {field!r} should be seconds since the epoch.")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadResponse(f"Field {field!r} is out of range.") from exc


def canonical_ip(text: str) -> str:
    """`str(ipaddress.ip_address(text))`, at C speed for the usual addresses (a listing of
    10,000 spent ~50 ms here): `inet_pton` takes dotted IPv4 only in the form ipaddress
    writes, and IPv6 without an IPv4 part comes back from `inet_ntop` in the same short form
    (RFC 5952). Anything else, and every refusal, is ipaddress's to decide. ValueError when
    it is not an address."""
    try:
        socket.inet_pton(socket.AF_INET, text)
        return text
    except (OSError, ValueError):
        pass
    if "." not in text:
        try:
            short = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, text))
        except (OSError, ValueError):
            pass
        else:
            if "." not in short:
                return short
    return str(ipaddress.ip_address(text))


def optional_ip(value: Any, field: str) -> str | None:
    """An IP address in its usual short form; "" (some servers' "unknown") is None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Field {field!r} should be an IP address, got {type(value).__name__}.")
    try:
        return canonical_ip(value.strip())
    except ValueError:
        raise BadResponse(f"Field {field!r} is not an IP address.") from None


def optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"Field {key!r} should be a string, got {type(value).__name__}.")
    return value


def coordinates(latitude: Any, longitude: Any) -> tuple[float | None, float | None]:
    """A server's latitude and longitude for `Location`, or (None, None) when either is not a
    finite number in range (a wrong place is worse than none: the travel check trusts it)."""
    values = []
    for value, limit in ((latitude, 90.0), (longitude, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, None
        number = float(value)
        if not math.isfinite(number) or abs(number) > limit:
            return None, None
        values.append(number)
    return values[0], values[1]
