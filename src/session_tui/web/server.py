"""`session-tui serve`: the dashboard in a browser, one app process per page, through
textual-serve's `AppService` (the maintained bridge between Textual's web driver and a
websocket) behind a small aiohttp server of ours.

Why our own routes rather than textual-serve's `Server`:
- **Nothing from the internet.** Our page loads the terminal's script, stylesheet and font from
  textual-serve's own package over this server, and a Content-Security-Policy says the browser
  may fetch nothing else (textual-serve's page asks Google for its font).
- **Who may connect.** Bound to a loopback address, the page needs no token, but the Host header
  must name that address (no DNS rebinding) and a websocket's Origin must be this page (another
  site open in the same browser cannot drive the dashboard). Bound to anything else, every page
  and websocket needs the token, in the URL the server prints, compared in constant time.
- **Bounded.** At most `MAX_PAGES` app processes at once; more pages are refused, not queued.

What the page may do is the dashboard's own business: the app runs with `--read-only` unless
`--allow-revoke` was given (`commands`), and the current session stays impossible to revoke.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import ipaddress
import logging
import shlex
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from textual_serve.app_service import AppService

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

MAX_PAGES = 8
_PAGE = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class ServeOptions:
    """What `session-tui serve` was asked: where to listen, and the app command per page."""

    command: Sequence[str]  # argv of one dashboard process (`python -m session_tui …`)
    errors: Path | None = None  # where the pages' processes write their stderr (0600)
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # required on every request when set (any non-loopback bind)
    tls: ssl.SSLContext | None = None
    title: str = "session-tui"
    font_size: int = 16


def _static_dir() -> Path:
    import textual_serve

    return Path(textual_serve.__file__).parent / "static"


class WebServer:
    """The routes; `start` listens, `url` is what to open (with the token when one is needed)."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self._pages: set[asyncio.Task[None]] = set()  # the pages being served now
        self._runner: web.AppRunner | None = None
        self.port = options.port

    @property
    def scheme(self) -> str:
        return "https" if self.options.tls is not None else "http"

    @property
    def url(self) -> str:
        host = self.options.host
        shown = f"[{host}]" if ":" in host else host
        query = f"?token={self.options.token}" if self.options.token else ""
        return f"{self.scheme}://{shown}:{self.port}/{query}"

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/ws", self._websocket),
                web.get("/ws/{token}", self._websocket),
                web.static("/static", _static_dir(), show_index=False),
            ]
        )
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.options.host, self.options.port, ssl_context=self.options.tls
        )
        await site.start()
        for address in self._runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break

    async def stop(self) -> None:
        for task in list(self._pages):
            task.cancel()
        if self._pages:
            await asyncio.wait(self._pages, timeout=10)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- who may ask ------------------------------------------------------------------------

    def _token_ok(self, request: web.Request) -> bool:
        expected = self.options.token
        if expected is None:
            return True
        given = request.match_info.get("token") or request.query.get("token") or ""
        return hmac.compare_digest(given.encode(), expected.encode())

    def _host_ok(self, request: web.Request) -> bool:
        """Without a token, the Host header must name the loopback address we listen on."""
        if self.options.token is not None:
            return True
        return is_loopback(request.url.host or "")

    @web.middleware
    async def _guard(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if not self._host_ok(request):
            raise web.HTTPMisdirectedRequest(text="This server answers on its loopback address.")
        if not request.path.startswith("/static/") and not self._token_ok(request):
            raise web.HTTPForbidden(text="The URL's token is missing or wrong.")
        response = await handler(request)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays in this URL
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    # -- the page and its websocket ---------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        token = self.options.token
        socket = f"{'wss' if self.options.tls else 'ws'}://{request.host}/ws"
        page = _PAGE.substitute(
            title=html.escape(self.options.title),
            static="/static",
            websocket=html.escape(f"{socket}/{token}" if token else socket),
            font_size=str(self.options.font_size),
        )
        response = web.Response(text=page, content_type="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "font-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{self.scheme}://{request.host}":
            raise web.HTTPForbidden(text="Another site may not drive this dashboard.")
        if len(self._pages) >= MAX_PAGES:
            raise web.HTTPServiceUnavailable(text=f"At most {MAX_PAGES} pages at once.")
        socket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)
        await socket.prepare(request)
        task = asyncio.current_task()
        if task is not None:
            self._pages.add(task)
        try:
            await self._run_page(request, socket)
        finally:
            if task is not None:
                self._pages.discard(task)
        return socket

    async def _run_page(self, request: web.Request, socket: web.WebSocketResponse) -> None:
        from textual_serve.download_manager import DownloadManager

        async def close() -> None:
            await socket.close()

        command = shlex.join(self.options.command)
        # A page's stderr goes to a private file, never through textual-serve to this
        # command's terminal raw (it may quote what a server sent).
        errors = self.options.errors
        command += f" 2>>{shlex.quote(str(errors))}" if errors is not None else " 2>/dev/null"
        service = _page_service(
            command,
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=close,
            download_manager=DownloadManager(),
        )
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        try:
            await service.start(width, height)
            await _relay(socket, service)
        except (asyncio.CancelledError, ConnectionResetError):
            pass
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.stop(), 10)
            await socket.close()


def _page_service(command: str, **kwargs: object) -> AppService:
    """textual-serve's `AppService`, closing the page's websocket when the app's process ends
    however it ends: one that fails to start (it could not sign in, say) ends the page, which
    says so, rather than leaving it blank."""
    from textual_serve.app_service import AppService

    class PageService(AppService):
        async def run(self) -> None:
            try:
                await super().run()
            finally:
                with contextlib.suppress(Exception):
                    await self.remote_close()

    return PageService(command, **kwargs)  # type: ignore[arg-type]


def _size(text: str | None, default: int) -> int:
    try:
        return max(10, min(int(text or default), 1000))
    except ValueError:
        return default


async def _relay(socket: web.WebSocketResponse, service: AppService) -> None:
    """The browser's messages to the app: keys, size, focus. Anything else is ignored."""
    async for message in socket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, data = message.json()
        except (ValueError, TypeError):
            continue
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            width = _size(str(data.get("width")), 80)
            height = _size(str(data.get("height")), 24)
            await service.set_terminal_size(width, height)
        elif kind == "ping":
            await socket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()
