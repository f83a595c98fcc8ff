"""parse_device(): browsers, phones, tablets, bots, API clients and junk."""

from __future__ import annotations

import pytest

from session_tui.enrich.device import DeviceInfo, DeviceType, parse_device

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
CHROME_ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
EDGE = CHROME_WINDOWS + " Edg/131.0.0.0"


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device_type", "label"),
    [
        (FIREFOX_LINUX, "Firefox 128", "Linux", DeviceType.DESKTOP, "Firefox 128 on Linux"),
        (CHROME_WINDOWS, "Chrome 131", "Windows 10", DeviceType.DESKTOP, None),
        (EDGE, "Edge 131", "Windows 10", DeviceType.DESKTOP, None),
        (SAFARI_MAC, "Safari 17", "macOS 14.5", DeviceType.DESKTOP, "Safari 17 on macOS 14.5"),
        (SAFARI_IPHONE, "Mobile Safari 17", "iOS 17.5", DeviceType.MOBILE, None),
        (SAFARI_IPAD, "Mobile Safari 17", "iOS 17.5", DeviceType.TABLET, None),
        (CHROME_ANDROID_PHONE, "Chrome Mobile 131", "Android 14", DeviceType.MOBILE, None),
        (CHROME_ANDROID_TABLET, "Chrome 131", "Android 14", DeviceType.TABLET, None),
        (FIREFOX_ANDROID, "Firefox Mobile 128", "Android 14", DeviceType.MOBILE, None),
    ],
)
def test_browsers(
    ua: str, browser: str, os: str, device_type: DeviceType, label: str | None
) -> None:
    info = parse_device(ua)
    assert (info.browser, info.os, info.device_type) == (browser, os, device_type)
    assert info.label == (label or f"{browser} on {os}")


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device_type"),
    [
        (
            "Element/1.11.70 (iPhone; iOS 17.5; Scale/3.00)",
            "Element 1.11",
            "iOS 17.5",
            DeviceType.MOBILE,
        ),
        (
            "Element/1.11.70 (iPad; iOS 17.5; Scale/2.00)",
            "Element 1.11",
            "iOS 17.5",
            DeviceType.TABLET,
        ),
        (
            "Element/1.6.5 (Android 14; Pixel 8; Build/UD1A; Flavour GooglePlay; "
            "MatrixAndroidSdk2 1.6.5)",
            "Element 1.6",
            "Android 14",
            DeviceType.MOBILE,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Element/1.11.85 Chrome/130.0.6723.137 Electron/33.2.1 Safari/537.36",
            "Element 1.11",
            "Linux",
            DeviceType.DESKTOP,
        ),
    ],
)
def test_matrix_apps_name_themselves(
    ua: str, browser: str, os: str, device_type: DeviceType
) -> None:
    info = parse_device(ua)
    assert (info.browser, info.os, info.device_type) == (browser, os, device_type)
    assert info.label == f"{browser} on {os}"


@pytest.mark.parametrize(
    ("ua", "browser"),
    [
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Googlebot 2.1",
        ),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot 2.0"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.0.0 Safari/537.36",
            "HeadlessChrome 131.0",
        ),
        ("ExampleCrawler/3.1 (+https://crawler.example/)", "ExampleCrawler 3.1"),
    ],
)
def test_bots(ua: str, browser: str) -> None:
    info = parse_device(ua)
    assert info.device_type is DeviceType.BOT
    assert info.browser == browser
    assert info.label == f"{browser} (Bot)"


@pytest.mark.parametrize(
    ("ua", "client"),
    [
        ("curl/8.5.0", "curl 8.5"),
        ("Wget/1.21.4", "Wget 1.21"),
        ("python-httpx/0.27.0", "python-httpx 0.27"),
        ("python-requests/2.32.3", "python-requests 2.32"),
        ("Python/3.11 aiohttp/3.9.5", "aiohttp 3.9"),
        ("Python-urllib/3.11", "Python urllib 3.11"),
        ("Go-http-client/2.0", "Go-http-client 2.0"),
        ("Go-http-client/1.1", "Go-http-client 1.1"),
        ("Java/17.0.2", "Java 17.0"),
        ("Apache-HttpClient/4.5.14 (Java/17.0.2)", "Apache-HttpClient 4.5"),
        ("okhttp/4.12.0", "okhttp 4.12"),
        ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node-fetch 1.0"),
        ("undici", "undici"),
        ("node", "Node.js"),
        ("axios/1.7.2", "axios 1.7"),
        ("PostmanRuntime/7.39.0", "PostmanRuntime 7.39"),
        ("HTTPie/3.2.2", "HTTPie 3.2"),
        ("libwww-perl/6.72", "libwww-perl 6.72"),
        ("GuzzleHttp/7", "Guzzle 7"),
        ("Dart/3.2 (dart:io)", "Dart 3.2"),
        ("reqwest/0.12.4", "reqwest 0.12"),
        ("RestSharp/110.2.0.0", "RestSharp 110.2"),
        (
            "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506",
            "PowerShell 5.1",
        ),
    ],
)
def test_api_clients(ua: str, client: str) -> None:
    info = parse_device(ua)
    assert info.device_type is DeviceType.API_CLIENT
    assert info.browser == client
    assert info.label == f"API client: {client}"


def test_api_client_names_do_not_match_longer_words() -> None:
    # "Gottfried" starts with "got", "Javelin" with "java": neither is an HTTP library
    assert parse_device("Gottfried/1.0").device_type is not DeviceType.API_CLIENT
    assert parse_device("Javelin/2.0").device_type is not DeviceType.API_CLIENT


@pytest.mark.parametrize("ua", [None, "", "   ", "\x1b[31m\x1b[0m", "garbage", "Mozilla/5.0"])
def test_unknown(ua: str | None) -> None:
    assert parse_device(ua) == DeviceInfo(None, None, DeviceType.UNKNOWN, "Unknown client")


def test_unknown_product_keeps_its_name() -> None:
    info = parse_device("Synapse/1.120.0")
    assert info.device_type is DeviceType.UNKNOWN
    assert info.label == "Synapse 1.120"


@pytest.mark.parametrize(
    "ua",
    [
        "[bold red]x[/]" * 200,
        "\x1b]8;;https://evil.example/\x07" + "A" * 2048,
        FIREFOX_LINUX + "\n[blink]\x1b[5m" + "\u202e" * 10 + "B" * 2048,
        "curl/8.5.0\x1b[2J\x00" + "C" * 2048,
        "\x00" * 2048,
        "(" * 2048,
        "Mozilla/5.0 (" + "; ".join(["Linux"] * 400) + ")",
    ],
)
def test_hostile_input_is_harmless(ua: str) -> None:
    info = parse_device(ua)
    for field in (info.browser, info.os, info.label):
        if field is None:
            continue
        assert len(field) <= 128
        assert all(ch.isprintable() for ch in field)
        assert "\x1b" not in field


def test_markup_in_a_real_user_agent_does_not_disturb_parsing() -> None:
    info = parse_device(FIREFOX_LINUX + " [bold red]pwned[/]")
    assert info.label == "Firefox 128 on Linux"


def test_results_are_cached_per_user_agent() -> None:
    ua = "curl/8.5.0 (cache test)"
    assert parse_device(ua) is parse_device(ua)


def test_a_native_android_app_is_not_labelled_android_on_android() -> None:
    info = parse_device("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)")
    assert info.label == "Android 14"
    assert info.device_type is DeviceType.MOBILE


def test_session_tui_itself_is_an_api_client() -> None:
    assert parse_device("session-tui/0.1.0").label == "API client: session-tui 0.1"
