"""httpx plumbing shared by the HTTP providers: URL policy, error mapping, time parsing.

Kept apart from the protocol so that a provider for a non-HTTP source needs none of it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from session_tui import __version__
from session_tui.errors import (
    BadResponse,
    InsecureURLError,
    NoAnswer,
    ProviderError,
    RateLimited,
    ServerBusy,
    Unreachable,
    clamp_wait,
)
from session_tui.providers.failures import why
from session_tui.text import plain

T = TypeVar("T")
USER_AGENT = f"session-tui/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=10.0)


def host_of(url: str) -> str:
    """The host (and port) a URL names, for messages and headers: never its path or query."""
    return urlsplit(url).netloc or url


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Return the URL without a trailing slash, or refuse it.

    Plain http would send the bearer token in clear, so it is allowed only to loopback or when
    the user asked for it explicitly.
    """
    # Credentials first, and no message below echoes a URL with an "@" in it: whatever precedes
    # the "@" may be a password, even when the URL is too mangled to parse as userinfo.
    shown = f": {plain(url, 200)!r}" if "@" not in url else ""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise InsecureURLError(f"Not a valid URL{shown}.") from None
    if "@" in parts.netloc:
        raise InsecureURLError("Put credentials in the token, not in the URL.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureURLError(f"Not an http(s) URL{shown}.")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise InsecureURLError(
            f"Refusing plain http to {parts.hostname}: the token would travel unencrypted. "
            "Use https, or pass --allow-insecure-http if you really mean it."
        )
    return url.rstrip("/")


def no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing.

    Every provider authenticates with a header. A cookie a server sets would otherwise ride
    along on later requests, and some servers then switch to browser rules: Better Auth refuses
    a POST that carries a cookie but no matching Origin.
    """
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _headers(extra: dict[str, str] | None) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Accept": "application/json", **checked_headers(extra)}


MAX_HEADER = 8192


def checked_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """Headers whose values may go on the wire: printable ASCII, bounded. A token comes from a
    server's answer (a login, a `set-auth-token` header), so it is checked like any server
    data before it becomes a header; the message never quotes it."""
    for name, value in (headers or {}).items():
        if not (
            isinstance(value, str)
            and len(value) <= MAX_HEADER
            and value.isascii()
            and value.isprintable()
        ):
            raise BadResponse(
                f"Refusing to send a {name} header: the credential or value it carries has "
                "characters no header may hold (a line break or a control character)."
            )
    return headers or {}


def _tls(base_url: str) -> ssl.SSLContext | bool:
    """Certificate checks for an https server; for a plain-http one (the demo, a loopback
    API), a context with no trusted roots: loading the CA bundle costs 3 MiB and 20 ms of
    start-up for nothing, and should a request ever reach TLS it fails closed.

    `SSL_CERT_FILE` / `SSL_CERT_DIR` still name the trusted roots, as they would for httpx:
    our clients do not trust the environment otherwise (see `_options`)."""
    if base_url.lower().startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile or None, capath=capath or None)
    return True


def _options(base_url: str, headers: dict[str, str] | None) -> dict[str, Any]:
    """What every client of ours is made with, blocking or not.

    Never the environment's proxies (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`), nor `.netrc`:
    a proxy would see every plain-http request whole, bearer token included. Only
    `--proxy URL` routes requests through a proxy, and only https ones (the proxy then sees
    the host, not the request)."""
    https = base_url.lower().startswith("https://")
    return {
        "base_url": base_url,
        "headers": _headers(headers),
        "cookies": no_cookies(),
        "timeout": DEFAULT_TIMEOUT,
        "follow_redirects": False,
        "verify": _tls(base_url),
        "trust_env": False,
        "proxy": LIMITS.proxy if https else None,
    }


def make_client(
    base_url: str, headers: dict[str, str] | None = None, *, limits: httpx.Limits | None = None
) -> httpx.AsyncClient:
    options = _options(base_url, headers)
    if limits is not None:
        options["limits"] = limits
    return httpx.AsyncClient(**options)


def make_sync_client(base_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    """The blocking twin of `make_client`, for signing in before any event loop runs."""
    return httpx.Client(**_options(base_url, headers))


def request_failed(exc: httpx.HTTPError, host: str) -> ProviderError:
    """The typed error for any way an httpx request can fail, for the async and sync senders.

    No answer at all (DNS, refused, TLS, timeout) is `Unreachable`; an answer that is not
    well-formed HTTP (a body that fails its Content-Encoding, a redirect loop, a garbled status
    line or headers) is `BadResponse`. The sentence names the host and the kind of failure
    only: never the URL, the headers or httpx's own text, which may quote what we sent.
    """
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return Unreachable(f"{host} did not answer in time (no connection).")
    if isinstance(exc, httpx.TimeoutException):
        return NoAnswer(f"{host} did not answer in time.")
    if isinstance(exc, httpx.DecodingError):
        return BadResponse(f"{host} sent a response body that cannot be decoded.")
    if isinstance(exc, httpx.TooManyRedirects):
        return BadResponse(f"{host} redirected too many times.")
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith("Server disconnected"):
        # A server going down (or a restart racing a kept-alive connection): no answer at all.
        return NoAnswer(f"{host} closed the connection without answering.")
    if isinstance(exc, httpx.ProtocolError):
        return BadResponse(f"{host} did not speak valid HTTP.")
    if isinstance(exc, httpx.TransportError):
        return Unreachable(f"Cannot reach {host}: {why(exc)}.")
    return BadResponse(f"The request to {host} failed: {why(exc)}.")


def _where(url: httpx.URL) -> str:
    """host, or host:port when the port is not the default one (two local servers differ)."""
    return f"{url.host}:{url.port}" if url.port else url.host


@dataclass
class Limits:
    """What one answer may cost: a size (counted after decompression, so a gzip bomb is
    refused too) and an overall deadline for the whole request, body included (a per-read
    timeout alone lets a server that trickles a byte every few seconds hold a poll forever)."""

    max_body: int = 4 * 1024 * 1024
    deadline: float = 30.0
    proxy: str | None = None  # --proxy: for https requests only
    # Called when an answer passes LARGE_ANSWER: the engine readies a large listing's parser.
    large_answer: Callable[[], None] | None = None


LARGE_ANSWER = 256 * 1024


def _grown(before: int, size: int) -> None:
    if before <= LARGE_ANSWER < size and LIMITS.large_answer is not None:
        LIMITS.large_answer()


LIMITS = Limits()


def configure(
    *, max_body: int | None = None, deadline: float | None = None, proxy: str | None = None
) -> None:
    """Set the limits for this process (the command line's --max-response and --proxy)."""
    if max_body is not None:
        LIMITS.max_body = max_body
    if deadline is not None:
        LIMITS.deadline = deadline
    if proxy is not None:
        LIMITS.proxy = check_proxy(proxy)


def check_proxy(url: str) -> str:
    """A proxy URL for `--proxy`: http(s), with a host; never echoed if it carries
    credentials."""
    shown = f" {plain(url, 200)!r}" if "@" not in url else ""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise InsecureURLError(f"--proxy: not a valid URL{shown}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureURLError(f"--proxy wants an http:// or https:// URL with a host{shown}.")
    return url


_DROPPED = {b"content-encoding", b"content-length", b"transfer-encoding"}


def _whole(response: httpx.Response, body: bytes) -> httpx.Response:
    """The streamed answer as an ordinary response holding the (already decoded) body."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DROPPED]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


def _too_large(host: str, limit: int) -> BadResponse:
    return BadResponse(
        f"{host} sent an answer larger than {limit // 1024} KiB; refused unread "
        "(--max-response raises the limit)."
    )


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    declared = response.headers.get("Content-Length", "")
    return declared.isdigit() and int(declared) > limit


async def send(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request within `LIMITS`; every httpx failure comes out as a typed error.

    The body is read as a stream and refused as soon as it passes the size limit, before any
    parsing; the whole exchange must finish within the deadline.
    """
    host = _where(client.base_url)
    limit, deadline = LIMITS.max_body, LIMITS.deadline
    checked_headers(kwargs.get("headers"))
    try:
        async with asyncio.timeout(deadline), client.stream(method, path, **kwargs) as response:
            if _declared_too_large(response, limit):
                raise _too_large(host, limit)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large(host, limit)
                _grown(size - len(chunk), size)
                chunks.append(chunk)
            return _whole(response, b"".join(chunks))
    except TimeoutError:
        raise NoAnswer(f"{host} did not answer within {deadline:g} s.") from None
    except httpx.HTTPError as exc:
        raise request_failed(exc, host) from exc


def send_sync(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """`send` for the synchronous client the CLI uses before any event loop exists."""
    host = _where(client.base_url)
    limit, deadline = LIMITS.max_body, LIMITS.deadline
    checked_headers(kwargs.get("headers"))
    started = time.monotonic()
    try:
        with client.stream(method, path, **kwargs) as response:
            if _declared_too_large(response, limit):
                raise _too_large(host, limit)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large(host, limit)
                _grown(size - len(chunk), size)
                if time.monotonic() - started > deadline:
                    raise NoAnswer(f"{host} did not answer within {deadline:g} s.")
                chunks.append(chunk)
            return _whole(response, b"".join(chunks))
    except httpx.HTTPError as exc:
        raise request_failed(exc, host) from exc


def json_of(response: httpx.Response) -> Any:
    """The body as JSON, or `BadResponse`: not JSON, not UTF-8, or nested too deeply to read."""
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:
        what = (
            "JSON nested too deeply to read"
            if isinstance(exc, RecursionError)
            else ("something that is not JSON")
        )
        raise BadResponse(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with {what}."
        ) from exc


OFFLOAD_BYTES = 64 * 1024  # answers bigger than this are parsed on a thread
OFFLOAD_ITEMS = 64  # listings (or changes) longer than this are mapped on a thread


async def read_json(response: httpx.Response) -> Any:
    """`json_of`, on a thread for a large answer, so the UI loop never waits on parsing."""
    if len(response.content) > OFFLOAD_BYTES:
        return await asyncio.to_thread(json_of, response)
    return json_of(response)


async def offload(fn: Callable[..., T], *args: Any, size: int) -> T:
    """`fn(*args)`, on a thread when `size` (items to map) is large; pure work only."""
    if size > OFFLOAD_ITEMS:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


def json_or_none(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is not readable JSON: for error answers, where the
    status already says what happened and the body can only add detail."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait a 429 or 503 asks for: `Retry-After` (seconds or a date), or Better Auth's
    `X-Retry-After` (seconds)."""
    value = response.headers.get("Retry-After") or response.headers.get("X-Retry-After")
    if not value:
        return None
    try:
        return clamp_wait(float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return clamp_wait((when - datetime.now(UTC)).total_seconds())


def rate_limited(response: httpx.Response, retry_after: float | None = None) -> RateLimited:
    wait = clamp_wait(retry_after if retry_after is not None else retry_after_seconds(response))
    hint = f" It asks us to wait {wait:.0f} s." if wait is not None else ""
    return RateLimited(f"The server is rate limiting us.{hint}", retry_after=wait)


def server_busy(response: httpx.Response, host: str, detail: str = "") -> ServerBusy:
    """A 503, with the wait its Retry-After asks for (honoured like a 429's). `detail` is the
    server's own sentence, already made plain."""
    wait = retry_after_seconds(response)
    hint = f"; it asks us to retry in {wait:.0f} s" if wait is not None else ""
    said = f" ({detail})" if detail else ""
    return ServerBusy(f"{host} is unavailable (HTTP 503){said}{hint}.", retry_after=wait)
