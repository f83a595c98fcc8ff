"""User agent -> what kind of device a session is: browser/app, OS and a device type.

ua-parser (1.x, compiled builtins, with the ua-parser-rs accelerator when installed) knows
browsers, operating systems and crawlers. It is inconsistent about HTTP libraries and tools (it
calls `Java/17` a spider, HTTPie a feature phone and does not know python-httpx), and those are
what a stolen token is most often used from, so they are recognised first from a small table of
product names. Matrix clients put their own name first ("Element/1.11 (iPhone; iOS 17.5)"), which
ua-parser reads as a web view; they get their own table too.
"""

from __future__ import annotations

import enum
import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from session_tui.enrich.text import plain
from session_tui.model import Session

# User agents longer than this are cut before parsing: real ones are far shorter, and a hostile
# 100 KB string should not cost a regex engine's time on every poll.
MAX_UA_LEN = 512
_FIELD_LEN = 48


class DeviceType(enum.StrEnum):
    DESKTOP = "Desktop"
    MOBILE = "Mobile"
    TABLET = "Tablet"
    BOT = "Bot"
    API_CLIENT = "API client"
    UNKNOWN = "Unknown client"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What one user agent says about the device; every text field is already sanitised."""

    browser: str | None  # "Firefox 128", "Chrome Mobile 131", "Element 1.11", "curl 8.5"
    os: str | None  # "Linux", "Windows 10", "macOS 14.5", "iOS 17.5", "Android 14"
    device_type: DeviceType
    label: str  # "Firefox 128 on Linux", "API client: curl 8.5", "Googlebot 2.1 (Bot)"


UNKNOWN_DEVICE = DeviceInfo(None, None, DeviceType.UNKNOWN, DeviceType.UNKNOWN.value)

_VERSION = r"(?:/v?(?P<major>\d+)(?:\.(?P<minor>\d+))?[\w.+-]*)?(?=[\s/;(),]|$)"

# (pattern matched at the start of the user agent, display name). Order matters only where one
# name is a prefix of another (python-urllib3 before python-urllib).
_API_CLIENTS: tuple[tuple[str, str], ...] = (
    (r"session-tui", "session-tui"),  # ourselves: a terminal client of the session API
    (r"curl", "curl"),
    (r"wget", "Wget"),
    (r"python-httpx", "python-httpx"),
    (r"python-requests", "python-requests"),
    (r"python-urllib3", "urllib3"),
    (r"python-urllib", "Python urllib"),
    (r"(?:python/[\w.]+\s+)?aiohttp", "aiohttp"),
    (r"go-http-client", "Go-http-client"),
    (r"apache-httpclient", "Apache-HttpClient"),
    (r"apache-httpasyncclient", "Apache-HttpAsyncClient"),
    (r"java", "Java"),
    (r"okhttp", "okhttp"),
    (r"node-fetch", "node-fetch"),
    (r"undici", "undici"),
    (r"node", "Node.js"),
    (r"axios", "axios"),
    (r"got", "got"),
    (r"postmanruntime", "PostmanRuntime"),
    (r"insomnia", "Insomnia"),
    (r"httpie", "HTTPie"),
    (r"libwww-perl", "libwww-perl"),
    (r"lwp::simple", "libwww-perl"),
    (r"guzzlehttp", "Guzzle"),
    (r"faraday", "Faraday"),
    (r"ruby", "Ruby"),
    (r"dart", "Dart"),
    (r"reqwest", "reqwest"),
    (r"rest-client", "rest-client"),
    (r"restsharp", "RestSharp"),
    (r"powershell", "PowerShell"),
    (r"mozilla/[\w.]+ \([^)]*\) windowspowershell", "PowerShell"),
)


@functools.cache
def _api_res() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Compiled on the first user agent not described before: a start that knows them all
    # (device_memory) never needs them.
    return tuple((re.compile(p + _VERSION, re.IGNORECASE), n) for p, n in _API_CLIENTS)


# Matrix and other native apps that name themselves first, or anywhere in an Electron UA.
_APPS = re.compile(
    r"\b(?P<name>Element(?:X)?|Element Nightly|Riot|SchildiChat|FluffyChat|Nheko|Fractal|Cinny"
    r"|NeoChat|Thunderbird)" + _VERSION,
)
_APP_NAMES = {"ElementX": "Element X", "Riot": "Element"}

_PRODUCT = re.compile(r"(?P<name>[A-Za-z][\w.+-]{0,30})/v?(?P<major>\d+)(?:\.(?P<minor>\d+))?")
_BOT_WORDS = re.compile(r"bot\b|bot/|crawl|spider|slurp|scrap|fetcher|headless|monitor", re.I)
_TABLET_WORDS = re.compile(r"\b(?:tablet|ipad|kindle|silk|playbook)\b", re.I)

_OS_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# OSes whose version is worth showing, and how many parts of it.
_OS_VERSION_PARTS = {"macOS": 2, "iOS": 2, "iPadOS": 2, "Android": 1, "Windows": 1}
_MOBILE_OSES = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "HarmonyOS"})
_DESKTOP_OSES = frozenset(
    {
        "Windows",
        "macOS",
        "Linux",
        "ChromeOS",
        "Ubuntu",
        "Fedora",
        "Debian",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
        "Arch Linux",
        "Mint",
        "Gentoo",
        "Red Hat",
        "SUSE",
    }
)


def _version(major: str | None, minor: str | None, parts: int = 2) -> str:
    if not major:
        return ""
    if parts >= 2 and minor:
        return f"{major}.{minor}"
    return major


def _named(name: str, version: str) -> str:
    return plain(f"{name} {version}" if version else name, _FIELD_LEN)


_parser_lock = threading.Lock()
_small: Any = None  # ua-parser's pure-Python resolver, regexes compiled as they are needed
_large: Any = None  # the native resolver: fast, but ~30 MiB of compiled regexes
_parsed = 0  # user agents parsed so far (each distinct one once: the cache sits above)
# Past this many distinct user agents the account is large: the native resolver earns its
# memory (10,000 parse in well under a second). Below it, a few parses at ~0.5 ms each cost
# less than 30 MiB for as long as the app runs.
LARGE_AFTER = 200


def expect(count: int) -> None:
    """About `count` distinct user agents are coming (a large account's first listing): past
    LARGE_AFTER, go to the native resolver at once rather than parse the first LARGE_AFTER
    with the pure-Python one (~4 ms each while its regexes compile: 0.8 s at 10,000)."""
    global _parsed
    if count > LARGE_AFTER:
        _parsed = max(_parsed, LARGE_AFTER)


def _parser() -> Any:
    """The ua-parser parser without its own cache (ours sits above it)."""
    global _small, _large, _parsed
    _parsed += 1
    if _large is not None:
        return _large
    with _parser_lock:  # a background build and a first parse never both build one
        import ua_parser

        if _parsed > LARGE_AFTER:
            if _large is None:
                lazy = ua_parser.RegexResolver or ua_parser.Re2Resolver
                matchers = ua_parser.load_lazy_builtins() if lazy else ua_parser.load_builtins()
                _large = ua_parser.Parser(ua_parser.BestAvailableResolver(matchers))
            return _large
        if _small is None:
            _small = ua_parser.Parser(ua_parser.BasicResolver(ua_parser.load_lazy_builtins()))
        return _small


def _warm_up() -> None:
    # The regexes a browser's user agent walks through get compiled now, not on first use.
    _parser().parse("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")


def build_large_in_background() -> None:
    """A large listing is arriving (`http.Limits.large_answer`): the native resolver, now."""
    if _large is None and not _parser_lock.locked():
        expect(LARGE_AFTER + 1)
        threading.Thread(target=_parser, name="ua-parser", daemon=True).start()


def build_in_background() -> None:
    """Build the parser (and compile the regexes browsers need) on a thread while the first
    request is in flight; at most once."""
    if _small is None and _large is None and not _parser_lock.locked():
        threading.Thread(target=_warm_up, name="ua-parser", daemon=True).start()


def _os_text(os: Any) -> str | None:
    if os is None or not os.family or os.family == "Other":
        return None
    family = _OS_NAMES.get(os.family, os.family)
    parts = _OS_VERSION_PARTS.get(family, 0)
    version = _version(os.major, os.minor, parts) if parts else ""
    return _named(family, version)


def _api_client(ua: str) -> tuple[str, str] | None:
    for pattern, name in _api_res():
        if m := pattern.match(ua):
            return name, _version(m.group("major"), m.group("minor"))
    return None


def _device_type(ua: str, os_family: str | None, device: Any) -> DeviceType:
    family = device.family if device is not None else ""
    brand = device.brand if device is not None else ""
    if family in ("iPad",) or "Tablet" in (brand or "") or _TABLET_WORDS.search(ua):
        return DeviceType.TABLET
    if os_family == "Android":
        # Android browsers mark phones with "Mobile"; a browser UA without it is a tablet.
        # Native apps ("Element/1.6 (Android 14; Pixel 8 ...)") do not follow that convention.
        if ua.startswith("Mozilla/") and "mobile" not in ua.lower():
            return DeviceType.TABLET
        return DeviceType.MOBILE
    if os_family in _MOBILE_OSES or family in ("iPhone", "iPod", "Generic Smartphone"):
        return DeviceType.MOBILE
    if os_family in _DESKTOP_OSES or family == "Mac":
        return DeviceType.DESKTOP
    return DeviceType.UNKNOWN


def _label(browser: str | None, os: str | None, device_type: DeviceType) -> str:
    if device_type is DeviceType.API_CLIENT:
        return f"API client: {browser}"
    if device_type is DeviceType.BOT:
        return f"{browser} (Bot)" if browser else "Bot"
    if browser and os:
        return f"{browser} on {os}"
    return browser or os or DeviceType.UNKNOWN.value


def _first_product(ua: str) -> str | None:
    """`Name/1.2` at the start of an otherwise unknown UA: say at least what it calls itself."""
    m = _PRODUCT.match(ua)
    if not m or m.group("name").lower() == "mozilla":
        return None
    return _named(m.group("name"), _version(m.group("major"), m.group("minor")))


def parse_device_uncached(user_agent: str | None) -> DeviceInfo:
    """`parse_device` without the cache; the benchmark compares the two."""
    ua = plain(user_agent, MAX_UA_LEN)
    if not ua:
        return UNKNOWN_DEVICE

    if client := _api_client(ua):
        name, version = client
        tool = _named(name, version)
        return DeviceInfo(
            tool, None, DeviceType.API_CLIENT, _label(tool, None, DeviceType.API_CLIENT)
        )

    result = _parser().parse(ua)
    agent, os, device = result.user_agent, result.os, result.device
    os_text = _os_text(os)
    os_family = os_text.split(" ")[0] if os_text else None
    if os is not None and os.family in _OS_NAMES:
        os_family = _OS_NAMES[os.family]

    browser: str | None = None
    if agent is not None and agent.family and agent.family != "Other":
        browser = _named(agent.family, _version(agent.major, agent.minor, parts=1))
        if os is not None and agent.family == os.family:
            # ua-parser names a native app's HTTP stack after its OS ("Dalvik/2.1 (Android 14)"
            # comes out as browser "Android 14"); "Android 14 on Android 14" says nothing more.
            browser = None

    app = _APPS.search(ua)
    is_spider = device is not None and device.family == "Spider"
    if is_spider or (_BOT_WORDS.search(ua) and not app):
        if agent is not None and agent.family and agent.family != "Other":
            browser = _named(agent.family, _version(agent.major, agent.minor))
        return DeviceInfo(
            browser, os_text, DeviceType.BOT, _label(browser, os_text, DeviceType.BOT)
        )

    if app:
        name = _APP_NAMES.get(app.group("name"), app.group("name"))
        browser = _named(name, _version(app.group("major"), app.group("minor")))

    device_type = _device_type(ua, os_family, device)
    if browser is None and os_text is None:
        browser = _first_product(ua)
    return DeviceInfo(browser, os_text, device_type, _label(browser, os_text, device_type))


# Devices described in earlier runs, by sanitised user agent (`session_tui.engine.device_memory`
# keeps them in a file): ua-parser walks hundreds of regexes, compiling each on first use, for
# every new user agent, which was most of the dashboard's start-up. `_learned` holds what this
# run described, for the next one; both are bounded.
MAX_REMEMBERED = 2_000
_known: dict[str, DeviceInfo] = {}
_learned: dict[str, DeviceInfo] = {}


def remember(devices: dict[str, DeviceInfo]) -> None:
    """Take these descriptions (from an earlier run) as known: no parsing for them."""
    for ua, info in list(devices.items())[-MAX_REMEMBERED:]:
        _known[ua] = info
    while len(_known) > MAX_REMEMBERED:
        del _known[next(iter(_known))]


def learned() -> dict[str, DeviceInfo]:
    """What this run described that the earlier ones had not (oldest first)."""
    return dict(_learned)


def has_learned() -> bool:
    return bool(_learned)


def forget_learned(saved: dict[str, DeviceInfo]) -> None:
    """These were written down; they count as known from now on."""
    for ua in saved:
        _learned.pop(ua, None)
    remember(saved)


def description_key(user_agent: str | None) -> str:
    """What a user agent's description depends on: the text the parser is given."""
    return plain(user_agent, MAX_UA_LEN)


@functools.lru_cache(maxsize=4096)
def parse_device(user_agent: str | None) -> DeviceInfo:
    """Describe the device behind `user_agent`; cached per distinct string (sessions repeat)."""
    key = description_key(user_agent)
    known = _known.get(key) or _learned.get(key)
    if known is not None:
        return known
    info = parse_device_uncached(user_agent)
    if key:
        _learned[key] = info
        if len(_learned) > MAX_REMEMBERED:  # the newest are the ones worth keeping
            del _learned[next(iter(_learned))]
    return info


def device_of(session: Session) -> DeviceInfo:
    """What a session's device is: from its user agent, or, where the server parsed the user
    agent itself and keeps only the result (Keycloak), from `extras["device"]`
    (`{"browser", "os", "mobile"}`)."""
    if session.user_agent:
        return parse_device(session.user_agent)
    hint = session.extras.get("device") if session.extras else None
    if not isinstance(hint, dict):
        return UNKNOWN_DEVICE
    browser, os_name = hint.get("browser"), hint.get("os")
    return _described(
        browser if isinstance(browser, str) else None,
        os_name if isinstance(os_name, str) else None,
        hint.get("mobile") is True,
    )


@functools.lru_cache(maxsize=256)
def _described(browser_text: str | None, os_text: str | None, mobile: bool) -> DeviceInfo:
    """A device from what the server parsed: the browser as "Family/1.2.3" (Keycloak's form),
    the OS as words. API clients are recognised by the same table as their user agents."""
    raw = plain(browser_text, MAX_UA_LEN)
    os_name = plain(os_text, _FIELD_LEN) or None
    if client := (_api_client(raw) if raw else None):
        tool = _named(*client)
        return DeviceInfo(
            tool, None, DeviceType.API_CLIENT, _label(tool, None, DeviceType.API_CLIENT)
        )
    family, _, version = raw.partition("/")
    numbers = version.split(".")
    browser = (
        _named(family, _version(numbers[0] if numbers[0].isdigit() else None, None))
        if family and family not in ("Other", "Unknown")
        else None
    )
    if browser is None and os_name is None:
        return UNKNOWN_DEVICE
    os_family = os_name.split(" ")[0] if os_name else None
    if mobile:
        kind = DeviceType.MOBILE
    elif os_family in _DESKTOP_OSES or os_family in ("Windows", "Mac", "macOS", "Linux"):
        kind = DeviceType.DESKTOP
    else:
        kind = DeviceType.UNKNOWN
    return DeviceInfo(browser, os_name, kind, _label(browser, os_name, kind))
