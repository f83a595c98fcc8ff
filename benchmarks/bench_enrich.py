"""How much the per-user-agent cache saves: the same user agents parsed every poll.

Run: python benchmarks/bench_enrich.py. Prints timings and the uncached/cached ratio from one run;
no thresholds, machines differ.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from session_tui.enrich.device import parse_device, parse_device_uncached
from session_tui.enrich.geo import GeoLocator

USER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Element/1.11.70 (iPhone; iOS 17.5; Scale/3.00)",
    "curl/8.5.0",
    "python-httpx/0.27.0",
    "Go-http-client/2.0",
]
IPS = ["8.8.8.8", "1.0.16.1", "2a00:1450:4001:82b::200e", "81.2.69.142", "10.0.0.1", "192.0.2.1"]
POLLS = 200  # a table of ten sessions refreshed 200 times


def _time(fn: Callable[[str], Any], items: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            fn(item)
    return time.perf_counter() - start


def main() -> None:
    parse_device_uncached(USER_AGENTS[0])  # load the rules outside the timing
    uncached = _time(parse_device_uncached, USER_AGENTS, POLLS)
    parse_device.cache_clear()
    cached = _time(parse_device, USER_AGENTS, POLLS)
    calls = POLLS * len(USER_AGENTS)
    print(f"user agents: {calls} parses of {len(USER_AGENTS)} distinct strings")
    print(f"  uncached {uncached * 1e6 / calls:9.2f} µs/parse")
    print(f"  cached   {cached * 1e6 / calls:9.2f} µs/parse")
    print(f"  ratio    {uncached / cached:9.1f}x")

    geo = GeoLocator()
    uncached = _time(lambda ip: geo._locate(ip, None), IPS, POLLS)
    cached = _time(geo.locate, IPS, POLLS)
    print(f"IP lookups: ratio uncached/cached {uncached / cached:.1f}x")


if __name__ == "__main__":
    main()
