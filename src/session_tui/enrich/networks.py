"""Which network a session comes from, and what kind: offline, from data shipped or given.

Two questions, answered separately:

- Which network (for "a network this account has never used"): the autonomous system, when the
  server says it or a MaxMind-format ASN database (`--asn-db`) knows it; else the address's
  IPv4 /24 or IPv6 /48, the block one household or office usually gets.
- What kind (for "anonymous" and "hosting"): a Tor exit, a consumer VPN or privacy relay, or a
  hosting, cloud, CDN or crawler range. That comes from the ranges the `iporigin` package ships
  (MIT; built from the providers' own published lists and CC0 community lists): it is in the
  optional extra `session-tui[risk]`, being one vendor's young package. Without it the kind is
  unknown, and the app says that the check is off rather than that the address is clean.

Nothing here goes to the network: `iporigin.online` (a web API) is never imported.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import pathlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from session_tui.enrich.mmdb import IPAddress, lookup, open_database, parse_address
from session_tui.enrich.text import plain

_NAME_LEN = 80


class NetworkKind(enum.StrEnum):
    TOR = "tor"
    VPN = "vpn"  # a consumer VPN or privacy relay exit (Mullvad, ProtonVPN, iCloud Private Relay)
    HOSTING = "hosting"  # a cloud, hosting, CDN or declared crawler range: a machine, not a home

    @property
    def anonymous(self) -> bool:
        return self in (NetworkKind.TOR, NetworkKind.VPN)


# iporigin's kinds, as ours. "reserved" (private, loopback...) and "unknown" are neither.
_KINDS = {
    "tor": NetworkKind.TOR,
    "vpn": NetworkKind.VPN,
    "hosting": NetworkKind.HOSTING,
    "cdn": NetworkKind.HOSTING,  # an edge network's address as a client is a proxy or a VPN
    "bot": NetworkKind.HOSTING,  # a crawler's outbound range: a data centre
}


STALE_AFTER_DAYS = 180  # older offline data is shown with a warning: ranges move


@dataclass(frozen=True, slots=True)
class Dataset:
    """Offline data a verdict came from, for the details pane and `config show`."""

    name: str
    built: date | None
    source: str  # what it is and whose, in a few words

    def age_days(self, today: date) -> int | None:
        return (today - self.built).days if self.built is not None else None

    def stale(self, today: date) -> bool:
        age = self.age_days(today)
        return age is not None and age > STALE_AFTER_DAYS

    def describe(self, today: date) -> str:
        """ "iporigin 1.1.2, built 2026-10-05 (62 days ago)", with a warning when stale."""
        if self.built is None:
            return f"{self.name} ({self.source}), build date unknown"
        age = self.age_days(today)
        text = f"{self.name} ({self.source}), built {self.built.isoformat()} ({age} days ago)"
        if self.stale(today):
            text += f": older than {STALE_AFTER_DAYS} days, its verdicts may be out of date"
        return text


@dataclass(frozen=True, slots=True)
class Network:
    key: str  # what "new network" compares: "AS3320", or "91.64.46.0/24", "2a01:4f8:1::/48"
    asn: int | None
    organisation: str | None  # the autonomous system's holder, from the server or the database
    kind: NetworkKind | None  # None: not a known anonymous or hosting range (or no data)
    operator: str | None  # who runs that range, from the shipped ranges ("Hetzner", "Tor")

    @property
    def name(self) -> str:
        """How to name it to a person: "AS3320 Deutsche Telekom AG", "91.64.46.0/24"."""
        if self.asn is not None:
            return f"AS{self.asn} {self.organisation}" if self.organisation else f"AS{self.asn}"
        return self.key


def block_of(addr: IPAddress) -> str:
    """The /24 (IPv4) or /48 (IPv6) around an address."""
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def valid_asn(value: object) -> int | None:
    """An AS number from untrusted data ("AS3320", 3320), or None."""
    if isinstance(value, str):
        text = value.strip().upper().removeprefix("AS")
        value = int(text) if text.isdigit() and len(text) <= 10 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 2**32 else None


@functools.cache
def _ranges() -> Any:
    """The iporigin module, or None when the `risk` extra is not installed."""
    try:
        import iporigin
    except ImportError:
        return None
    return iporigin


@functools.cache  # its build date is read once: the details pane asks on every update
def ranges_dataset() -> Dataset | None:
    """The shipped anonymous and hosting ranges, or None without the `risk` extra."""
    module = _ranges()
    if module is None:
        return None
    built = None
    try:
        stamp = module.dataset_info().get("built_at")
        if isinstance(stamp, int | float):
            built = datetime.fromtimestamp(stamp, UTC).date()
    except Exception:  # a third party's data: no date is better than no app
        built = None
    version = getattr(module, "__version__", "?")
    return Dataset(f"iporigin {version}", built, "Tor, VPN and hosting ranges, MIT")


class NetworkLookup:
    """Looks networks up offline; one per app, cached per (address, what the server said)."""

    def __init__(self, asn_db: pathlib.Path | None = None) -> None:
        self.asn_db = asn_db
        self._reader: Any = open_database(asn_db, "ASN database") if asn_db is not None else None
        # Polls ask for the networks of new and changed sessions only (`Tracker._judged`);
        # a cache as large as a 10,000-session account held ~3 MiB for an hourly pass.
        self._cached = functools.lru_cache(maxsize=4096)(self._network)

    def network(
        self, ip: str | None, asn: object = None, organisation: object = None
    ) -> Network | None:
        """The network of `ip` (None for no public address); a server-given AS number wins."""
        org = plain(organisation, _NAME_LEN) if isinstance(organisation, str) else ""
        return self._cached(ip, valid_asn(asn), org or None)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._cached.cache_clear()

    def _network(self, ip: str | None, asn: int | None, org: str | None) -> Network | None:
        addr = parse_address(ip)
        if addr is None or not addr.is_global:
            return None
        if asn is None and self._reader is not None:
            asn, org = self._asn_lookup(addr)
        kind, operator = _kind_of(addr)
        key = f"AS{asn}" if asn is not None else block_of(addr)
        return Network(key, asn, org, kind, operator)

    def _asn_lookup(self, addr: IPAddress) -> tuple[int | None, str | None]:
        record = lookup(self._reader, addr)
        if record is None:
            return None, None
        # GeoLite2-ASN's fields, and the flat ones of other MaxMind-format ASN files.
        asn = valid_asn(record.get("autonomous_system_number", record.get("asn")))
        org = record.get("autonomous_system_organization", record.get("as_name"))
        return asn, (plain(org, _NAME_LEN) or None) if asn is not None else None


def _kind_of(addr: IPAddress) -> tuple[NetworkKind | None, str | None]:
    module = _ranges()
    if module is None:
        return None, None
    try:
        origin = module.classify(str(addr))
    except Exception:  # a third party's lookup: no verdict rather than a crash
        return None, None
    kind = _KINDS.get(getattr(origin, "kind", ""))
    operator = plain(getattr(origin, "provider", None), _NAME_LEN) or None
    return kind, operator if kind is not None else None
