"""The people, devices and places the demo account is made of.

Everything is invented except the shapes: the user agents are the strings real browsers, apps
and tools send, and every address sits in a large consumer ISP range whose registry country has
been stable for years, so an offline IP-to-country lookup names the country we meant.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from session_tui import __version__

ACCOUNT_ID = "acc_7Qm2xK9d"
ACCOUNT_EMAIL = "alex@example.com"
ACCOUNT_NAME = "Alex Example"
ACCOUNT_FIRST = ACCOUNT_NAME.split()[0]  # in the device names ("Alex's MacBook")

CURRENT_USER_AGENT = f"session-tui/{__version__}"
CURRENT_DEVICE_NAME = "session-tui (demo)"


@dataclass(frozen=True, slots=True)
class Place:
    """A network and the town behind it; `city` None means the API leaves the place to us."""

    network: str  # an ISP range; demo addresses are drawn from it
    country: str
    city: str
    region: str


@dataclass(frozen=True, slots=True)
class Device:
    """A client as the service sees it: what it sends as user agent, what the user called it."""

    user_agent: str
    device_name: str | None
    lifetime_minutes: tuple[int, int] | None  # expiry window for new sign-ins; None: never


PLACES: dict[str, Place] = {
    "berlin4": Place("91.64.0.0/16", "DE", "Berlin", "Berlin"),
    "berlin6": Place("2003:e6:1f00::/40", "DE", "Berlin", "Berlin"),
    "hamburg": Place("95.91.0.0/16", "DE", "Hamburg", "Hamburg"),
    "london": Place("86.150.0.0/16", "GB", "London", "England"),
    "paris6": Place("2a01:cb00::/32", "FR", "Paris", "Île-de-France"),
    "lyon": Place("90.12.0.0/16", "FR", "Lyon", "Auvergne-Rhône-Alpes"),
    "sf": Place("73.162.0.0/16", "US", "San Francisco", "California"),
    "seattle6": Place("2601:600::/24", "US", "Seattle", "Washington"),
    "toronto": Place("24.114.0.0/16", "CA", "Toronto", "Ontario"),
    "sydney": Place("1.120.0.0/16", "AU", "Sydney", "New South Wales"),
    "saopaulo6": Place("2804:14c::/32", "BR", "São Paulo", "São Paulo"),
    "tokyo": Place("126.34.0.0/16", "JP", "Tokyo", "Tokyo"),
    "tokyo6": Place("2400:4050::/32", "JP", "Tokyo", "Tokyo"),
    "bengaluru": Place("49.207.0.0/16", "IN", "Bengaluru", "Karnataka"),
    "amsterdam6": Place("2a02:a440::/32", "NL", "Amsterdam", "North Holland"),
    # The risky ones (issue 24): Tor exits in the ranges the `risk` extra ships, and a cloud
    # range (Amazon AWS) a browser has no business signing in from.
    "tor": Place("185.220.101.0/26", "DE", "", ""),
    "aws": Place("52.95.110.0/24", "US", "", ""),
}

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_APP = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.122 Mobile Safari/537.36"
)
FIREFOX_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"
)
TOR_BROWSER = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
CURL = "curl/8.5.0"
HTTPX = "python-httpx/0.27.0"
REQUESTS = "python-requests/2.32.3"
GO_CLIENT = "Go-http-client/2.0"
OKHTTP = "okhttp/4.12.0"
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


@dataclass(frozen=True, slots=True)
class Seed:
    """One session of the starting set, its times in minutes relative to the demo's start."""

    device: Device
    place: str
    provider_location: bool  # True: the API reports city/region/country itself
    created_minutes_ago: int
    active_minutes_ago: int
    expires_in_minutes: int | None


def _dev(ua: str, name: str | None = None, life: tuple[int, int] | None = (8, 40)) -> Device:
    return Device(ua, name, life)


# The starting set. A few expire within minutes so a live demo visibly drops sessions.
INITIAL: tuple[Seed, ...] = (
    Seed(_dev(FIREFOX_LINUX, "Work laptop"), "berlin6", True, 60 * 24 * 9, 2, 60 * 24 * 21),
    Seed(_dev(CHROME_WINDOWS), "london", False, 60 * 24 * 3, 47, 60 * 24 * 4),
    Seed(_dev(SAFARI_MACOS, "Alex's MacBook"), "paris6", True, 60 * 24 * 14, 180, 60 * 24 * 16),
    Seed(_dev(SAFARI_IPHONE, "iPhone"), "berlin4", True, 60 * 24 * 30, 0, 60 * 24 * 60),
    Seed(_dev(ANDROID_APP, "Pixel 8"), "hamburg", False, 60 * 24 * 6, 12, 60 * 24 * 24),
    Seed(_dev(EDGE_WINDOWS), "toronto", False, 60 * 5, 38, 7),
    Seed(_dev(CURL, "deploy script"), "sydney", False, 60 * 24 * 40, 95, None),
    Seed(_dev(HTTPX, "backup job"), "saopaulo6", True, 60 * 24 * 2, 4, 60 * 24 * 5),
    Seed(_dev(SLACKBOT, "Slack link previews"), "sf", False, 60 * 26, 300, 3),
    # What the risk signals are for: a phone in São Paulo ten minutes after a sign-in in
    # Toronto (impossible travel), a Tor browser, and a browser in a cloud.
    Seed(_dev(CHROME_ANDROID), "saopaulo6", True, 60 * 5 - 10, 150, 60 * 24 * 20),
    Seed(_dev(TOR_BROWSER), "tor", False, 60 * 3, 25, 60 * 24 * 7),
    Seed(_dev(CHROME_LINUX), "aws", False, 60 * 24, 65, 60 * 24 * 6),
)

# Where a large account's sessions are: one region, as a company's fleet or a family is. From
# all over the world at random, thousands of them were "impossible journeys" for the risk rules.
_FLEET_PLACES = ("amsterdam6", "berlin4", "berlin6", "hamburg", "london", "lyon", "paris6")

# Sessions that ended before the demo started: (seed, ended minutes ago, reason).
INITIAL_HISTORY: tuple[tuple[Seed, int, str], ...] = (
    (Seed(_dev(CHROME_ANDROID, "Old phone"), "lyon", True, 60 * 24 * 50, 0, None), 180, "revoked"),
    (Seed(_dev(FIREFOX_MACOS), "london", False, 60 * 24 * 5, 0, None), 60 * 20, "expired"),
    (Seed(_dev(REQUESTS, "report"), "sydney", False, 60 * 24 * 9, 0, None), 1800, "signed_out"),
)

# Who signs in while the demo lives: (device, places it signs in from).
NEWCOMERS: tuple[tuple[Device, tuple[str, ...]], ...] = (
    (_dev(FIREFOX_LINUX), ("berlin6", "berlin4", "amsterdam6")),
    (_dev(CHROME_WINDOWS), ("london", "toronto", "bengaluru")),
    (_dev(SAFARI_IPAD, "iPad"), ("paris6", "lyon")),
    (_dev(SAFARI_IPHONE), ("berlin4", "tokyo6")),
    (_dev(CHROME_ANDROID), ("saopaulo6", "bengaluru", "hamburg")),
    (_dev(CURL, None, (3, 15)), ("sydney", "seattle6")),
    (_dev(HTTPX, "CI pipeline", (3, 15)), ("seattle6", "amsterdam6")),
    (_dev(GO_CLIENT, None, (3, 15)), ("sf", "tokyo")),
    (_dev(OKHTTP, "Android sync"), ("hamburg", "lyon")),
    (_dev(SLACKBOT, None, (2, 6)), ("sf", "seattle6")),
)


def address_in(place: Place, rng: random.Random) -> str:
    """A host address inside the place's network, never the network or broadcast address."""
    net = ipaddress.ip_network(place.network)
    offset = rng.randrange(1, min(net.num_addresses - 1, 2**64))
    return str(net.network_address + offset)


# `--demo-sessions N`: the shapes of a big account (a service account's API clients, a family
# of browsers and phones). Version numbers vary the way real fleets do, so nearly every user
# agent is distinct and the enrichment caches see what a real large account gives them.
# (weight, template, ranges of the numbers a, b, c fill in)
_Ranges = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
_FLEET: tuple[tuple[int, str, _Ranges], ...] = (
    (3, "python-httpx/0.{a}.{b}", ((20, 28), (0, 3), (0, 0))),
    (3, "python-requests/2.{a}.{b}", ((25, 32), (0, 5), (0, 0))),
    (2, "okhttp/4.{a}.{b}", ((9, 12), (0, 3), (0, 0))),
    (3, "Go-http-client/2.0 acme-agent/{a}.{b}.{c}", ((1, 6), (0, 40), (1000, 9999))),
    (1, "curl/8.{a}.{b}", ((0, 11), (0, 1), (0, 0))),
    (
        3,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{a}.0.{c}.{b} Safari/537.36",
        ((110, 131), (0, 200), (5000, 6800)),
    ),
    (
        2,
        "Mozilla/5.0 (X11; Linux x86_64; rv:{a}.0) Gecko/20100101 Firefox/{a}.{b}",
        ((115, 133), (0, 3), (0, 0)),
    ),
    (
        1,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_{b}) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.{b} Safari/605.1.15",
        ((0, 0), (0, 6), (0, 0)),
    ),
    (
        1,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{b} like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.{b} Mobile/15E{c} Safari/604.1",
        ((0, 0), (0, 6), (100, 999)),
    ),
    (
        1,
        "Dalvik/2.1.0 (Linux; U; Android 14; Pixel {a} Build/AP2A.{c}.005)",
        ((6, 9), (0, 0), (240101, 241231)),
    ),
)
_FLEET_NAMES = (None, None, None, None, "worker", "sync", "exporter", "CI runner", "kiosk")


def fleet_device(rng: random.Random, index: int) -> Device:
    """One member of a large account; a third of them never expire (API clients often don't)."""
    _, template, (a, b, c) = rng.choices(_FLEET, [w for w, _, _ in _FLEET])[0]
    ua = template.format(a=rng.randint(*a), b=rng.randint(*b), c=rng.randint(*c))
    name = rng.choice(_FLEET_NAMES)
    label = f"{name} {index}" if name else None
    life = None if rng.random() < 0.34 else (60, 60 * 24 * 30)
    return Device(ua, label, life)


def fleet_member(
    rng: random.Random, index: int, start: datetime
) -> tuple[Device, str, bool, datetime, datetime, datetime | None]:
    """One session of a large account, as (device, place key, place from the server, created,
    last active, expires): most idle for days, some for months (the inactive filter has
    something to find), a few online right now."""
    device = fleet_device(rng, index)
    created = start - timedelta(minutes=rng.randint(60, 60 * 24 * 200))
    roll = rng.random()
    if roll < 0.05:
        idle = timedelta(seconds=rng.randint(0, 240))
    elif roll < 0.8:
        idle = timedelta(minutes=rng.randint(5, 60 * 24 * 20))
    else:
        idle = timedelta(days=rng.randint(30, 200))
    active = max(created, start - idle)
    expires = None
    if device.lifetime_minutes is not None:
        expires = start + timedelta(minutes=rng.randint(*device.lifetime_minutes))
    return device, rng.choice(_FLEET_PLACES), rng.random() < 0.5, created, active, expires
