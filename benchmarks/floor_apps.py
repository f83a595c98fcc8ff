"""The least any app built on our stack must do, as apps of their own: the floors `floors.py`
sets against the targets of issue 11.

    python floor_apps.py start-async   the bare app, but its 10 rows come from one httpx
    python floor_apps.py start-sync    request to a local server (async client / blocking
                                       client on a thread), as session-tui's first rows do
    python floor_apps.py memory URL [ua]
        the bare app after one httpx GET of URL/v1/sessions (token in FLOOR_TOKEN), keeping
        the parsed listing as any client must; with `ua`, also describing every distinct user
        agent in it with ua-parser's native resolver, the one the project prescribes
    python floor_apps.py serve PORT N  the demo service with N sessions as a process of its
                                       own (a real server is never inside the client)

Each shows "This device" in its first row, as the bare app and session-tui do.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

ROWS = [{"device": f"Device {row}", "place": "Berlin, DE"} for row in range(10)]


class _Rows(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(ROWS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Floor(App[None]):
    """A 10-row DataTable filled from `fetch` (a coroutine giving the rows)."""

    def __init__(self, fetch: Any) -> None:
        super().__init__()
        self.fetch = fetch

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        self.run_worker(self._fill())

    async def _fill(self) -> None:
        rows = await self.fetch()
        table = self.query_one(DataTable)
        table.add_columns("Device", "Location", "Last active")
        for index, row in enumerate(rows[:10]):
            label = "This device" if index == 0 else "now"
            table.add_row(str(row.get("device"))[:30], str(row.get("place"))[:30], label)


def _start(blocking: bool) -> None:
    import httpx

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rows)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    async def fetch_async() -> list[dict[str, Any]]:
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).json()

    def get() -> list[dict[str, Any]]:
        with httpx.Client() as client:
            return client.get(url).json()

    async def fetch_blocking() -> list[dict[str, Any]]:
        return await asyncio.to_thread(get)

    Floor(fetch_blocking if blocking else fetch_async).run()


KEPT: list[Any] = []  # the parsed listing stays alive, as a client's sessions do


def _memory(url: str, describe: bool) -> None:
    import httpx

    async def fetch() -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {os.environ['FLOOR_TOKEN']}"}
        async with httpx.AsyncClient() as client:
            body = (await client.get(f"{url}/v1/sessions", headers=headers)).json()
        KEPT.append(body)
        sessions = body["sessions"]
        if describe:
            import ua_parser

            resolver = ua_parser.BestAvailableResolver(ua_parser.load_lazy_builtins())
            parser = ua_parser.Parser(resolver)
            KEPT.append([parser.parse(ua) for ua in {s.get("user_agent") or "" for s in sessions}])
        return [{"device": s.get("user_agent"), "place": s.get("ip")} for s in sessions]

    Floor(fetch).run()


def _serve(port: int, sessions: int) -> None:
    from session_tui.demo import DemoService

    service = DemoService(sessions=sessions, port=port)
    service.start()
    print(service.url, service.token, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    what, *rest = sys.argv[1:]
    if what in ("start-async", "start-sync"):
        _start(blocking=what == "start-sync")
    elif what == "memory":
        _memory(rest[0], describe="ua" in rest[1:])
    elif what == "serve":
        _serve(int(rest[0]), int(rest[1]))
    else:
        raise SystemExit(__doc__)
