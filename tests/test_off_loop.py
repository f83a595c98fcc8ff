"""Large answers are parsed and mapped on a thread: the UI loop never waits on them."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from session_tui.providers import http


@pytest.mark.parametrize(("size", "off"), [(10, False), (100_000, True)])
async def test_a_large_answer_is_parsed_on_a_thread(
    monkeypatch: pytest.MonkeyPatch, size: int, off: bool
) -> None:
    seen: list[int] = []
    real = http.json_of

    def recording(response: httpx.Response) -> object:
        seen.append(threading.get_ident())
        return real(response)

    monkeypatch.setattr(http, "json_of", recording)
    body = json.dumps({"x": "a" * size}).encode()
    request = httpx.Request("GET", "https://example.org/")
    assert (await http.read_json(httpx.Response(200, content=body, request=request)))["x"]
    assert (seen[0] != threading.get_ident()) is off


@pytest.mark.parametrize(("items", "off"), [(3, False), (5000, True)])
async def test_a_long_listing_is_mapped_on_a_thread(items: int, off: bool) -> None:
    where = await http.offload(lambda n: (threading.get_ident(), n), items, size=items)
    assert (where[0] != threading.get_ident()) is off
