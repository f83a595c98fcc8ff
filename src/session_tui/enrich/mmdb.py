"""Opening a user's MaxMind-format database (`--city-db`, `--asn-db`) and parsing addresses.

The files are the user's, so every way one can be wrong is a `ConfigError` naming the file, and
addresses come from servers, so they are parsed as untrusted text.
"""

from __future__ import annotations

import ipaddress
import pathlib
from datetime import UTC, date, datetime
from typing import Any

from session_tui.enrich.text import plain
from session_tui.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(ip: object) -> IPAddress | None:
    """An address from a server's text ("[2001:db8::1]" and IPv4-mapped IPv6 included), or None."""
    if not isinstance(ip, str) or len(ip) > 64:
        return None
    try:
        addr = ipaddress.ip_address(ip.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def open_database(path: pathlib.Path, what: str) -> Any:
    """The opened database (`maxminddb` reader); `what` names it in errors ("city database")."""
    import maxminddb

    try:
        return maxminddb.open_database(str(path))
    except FileNotFoundError:
        raise ConfigError(f"The {what} {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(f"The {what} {path} is a directory, not an .mmdb file.") from None
    except PermissionError:
        raise ConfigError(f"The {what} {path} cannot be read (permission denied).") from None
    except (maxminddb.InvalidDatabaseError, ValueError, OSError) as exc:
        reason = plain(str(exc), 120) or type(exc).__name__
        raise ConfigError(
            f"The {what} {path} is not a MaxMind-format .mmdb file ({reason})."
        ) from None


def built(reader: Any) -> date | None:
    """When the opened database was built (its metadata's build epoch), or None."""
    try:
        epoch = reader.metadata().build_epoch
    except Exception:  # a reader without metadata: no date rather than no app
        return None
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch <= 0:
        return None
    return datetime.fromtimestamp(epoch, UTC).date()


def lookup(reader: Any, addr: IPAddress) -> dict[str, Any] | None:
    """The database's record for the address, or None: a bad record counts as no record."""
    try:
        record = reader.get(str(addr))
    except (ValueError, OSError, RuntimeError):  # IPv6 in an IPv4-only file, corrupt data
        return None
    return record if isinstance(record, dict) else None
