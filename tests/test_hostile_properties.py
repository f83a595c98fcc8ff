"""Property tests: whatever JSON a server sends, every provider's parser and the whole pipeline
after it (bounding, enrichment, table cells, the details pane, the history store) either shows
safe, bounded text or refuses with a typed error. Nothing else may escape.

The providers run their real code; only the transport is replaced, to answer the generated JSON.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from session_tui.enrich import Enricher, GeoLocator
from session_tui.errors import ProviderError
from session_tui.model import Session
from session_tui.providers.allauth import AllauthProvider
from session_tui.providers.base import MAX_TEXT, MAX_USER_AGENT
from session_tui.providers.better_auth import BetterAuthProvider
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.rest import RestProvider
from session_tui.tracking.tracker import Tracker
from session_tui.ui import cells
from session_tui.ui.widgets.details import details

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOSTILE = st.sampled_from(
    [
        "\x1b[31mred\x1b[0m",
        "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
        "[bold red]markup[/]",
        "\u202eevil\u202c",
        "zero\u200bwidth",
        "line\nbreak\r\n",
        "\x9b31m8-bit",
        "A" * 5000,
        "Z\u0301\u0302\u0303\u0304\u0305\u0306",
        "\ud800",
        "",
    ]
)
TEXT = st.one_of(st.text(max_size=50), HOSTILE)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
TIMES = st.one_of(
    st.none(),
    TEXT,
    st.integers(),
    st.floats(),
    st.just("2026-11-30T10:00:00Z"),
    st.just("9999-12-31T23:59:59Z"),
    st.just(1_796_000_000.5),
    st.just(1_796_000_000_000),
)
IPS = st.one_of(st.none(), TEXT, st.just("203.0.113.7"), st.just("2001:db8::1"), st.just(""))


def fields(**known: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Items a provider reads: mostly the right shapes carrying hostile strings (so they get
    through to the screen), sometimes any JSON at all in any field (so parsing is attacked)."""
    typed = st.fixed_dictionaries({}, optional=known)
    wild = st.fixed_dictionaries({}, optional={k: st.one_of(v, JSON) for k, v in known.items()})
    extra = st.dictionaries(TEXT, JSON, max_size=2)
    return st.one_of(typed, typed, typed, wild).flatmap(
        lambda d: extra.map(lambda more: {**more, **d})
    )


def identified(items: list[dict[str, Any]], key: str, *, current: str | None = None) -> None:
    """Distinct, non-empty ids (hostile text kept after a prefix), and one current session."""
    for index, item in enumerate(items):
        if isinstance(item.get(key), str) or key not in item:
            item[key] = f"s{index}{item.get(key, '')}"
        if current is not None:
            item[current] = index == 0


REST_ITEM = fields(
    id=TEXT,
    user_agent=TEXT,
    device_name=TEXT,
    ip=IPS,
    location=st.fixed_dictionaries({}, optional={"city": TEXT, "region": TEXT, "country": TEXT}),
    created_at=TIMES,
    last_active_at=TIMES,
    expires_at=TIMES,
)
MATRIX_ITEM = fields(device_id=TEXT, display_name=TEXT, last_seen_ip=IPS, last_seen_ts=TIMES)
ALLAUTH_ITEM = fields(
    id=st.one_of(st.integers(min_value=1), TEXT),
    user_agent=TEXT,
    ip=IPS,
    created_at=TIMES,
    last_seen_at=TIMES,
)
BA_ITEM = fields(
    id=TEXT,
    token=TEXT,
    userAgent=TEXT,
    ipAddress=IPS,
    createdAt=TIMES,
    expiresAt=TIMES,
    impersonatedBy=TEXT,
)


def answering(routes: dict[str, Any]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        for suffix, body in routes.items():
            if request.url.path.endswith(suffix):
                return httpx.Response(200, content=json.dumps(body).encode())
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def run(provider: Any, transport: httpx.MockTransport) -> list[Session] | None:
    client = provider._client
    provider._client = httpx.AsyncClient(
        base_url=client.base_url, transport=transport, headers=client.headers
    )

    async def go() -> list[Session] | None:
        try:
            return await provider.list_sessions()
        except ProviderError:
            return None  # refused with a typed error: fine
        finally:
            await provider._client.aclose()
            await client.aclose()

    return asyncio.run(go())


def safe(text: str, limit: int) -> None:
    assert len(text) <= limit, len(text)
    for ch in text:
        assert ch not in "\x1b\x9b\n\r", repr(text)
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Cs"), repr(text)


def shown(sessions: list[Session] | None, tmp: Path) -> None:
    """Everything the pipeline shows for these sessions is safe and bounded."""
    event("refused" if sessions is None else f"shown {min(len(sessions), 2)}+")
    if not sessions:
        return
    for session in sessions:
        assert len(session.user_agent or "") <= MAX_USER_AGENT
        assert len(session.display_name or "") <= MAX_TEXT
    enricher = Enricher(GeoLocator())
    for session in sessions:
        view = enricher.view(session)
        for cell in (
            cells.device_cell(view, session.is_current),
            cells.location_cell(view),
            cells.ip_cell(view),
            cells.last_active_cell(view, NOW, timedelta(minutes=5)),
            cells.expires_cell(view, NOW),
        ):
            safe(cell.plain, 1024)
        console = Console(width=100, record=True, color_system=None)
        console.print(
            details(
                view, is_current=False, now=NOW, window=timedelta(minutes=5), account="a"
            ).renderable()
        )
        for line in console.export_text().splitlines():
            safe(line, 10_000)
            assert cell_len(line) <= 100  # it wraps: nothing runs past the pane
    with Tracker("p:rest:x@y", tmp / f"h{id(sessions)}.sqlite3") as tracker:
        tracker.observe(sessions, NOW)
        tracker.observe([], NOW + timedelta(minutes=1))
        for row in tracker.history():
            safe(row.device, 1024)
            safe(row.location, 1024)


PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(items=st.lists(REST_ITEM, min_size=1, max_size=4), account=JSON)
def test_rest(items: list[dict[str, Any]], account: Any, tmp_path: Path) -> None:
    body = {
        "account": account if not isinstance(account, type(None)) else {"id": "a"},
        "sessions": items,
    }
    provider = RestProvider("https://api.example.com", "t")
    shown(run(provider, answering({"/v1/sessions": body})), tmp_path)


@PROPERTY
@given(items=st.lists(MATRIX_ITEM, min_size=1, max_size=4), whoami=JSON)
def test_matrix(items: list[dict[str, Any]], whoami: Any, tmp_path: Path) -> None:
    identified(items, "device_id")
    me = whoami if isinstance(whoami, dict) else {"user_id": "@a:x", "device_id": "s0"}
    provider = MatrixProvider("https://matrix.example.org", "t")
    routes = {"/account/whoami": me, "/devices": {"devices": items}}
    shown(run(provider, answering(routes)), tmp_path)


@PROPERTY
@given(items=st.lists(ALLAUTH_ITEM, min_size=1, max_size=4), config=JSON)
def test_allauth(items: list[dict[str, Any]], config: Any, tmp_path: Path) -> None:
    identified(items, "id", current="is_current")
    cfg = config if isinstance(config, dict) else {"usersessions": {"track_activity": True}}
    provider = AllauthProvider("https://shop.example.com", "t", account="a")
    routes = {"/config": {"data": cfg}, "/auth/sessions": {"data": items}}
    shown(run(provider, answering(routes)), tmp_path)


@PROPERTY
@given(items=st.lists(BA_ITEM, min_size=1, max_size=4), me=JSON)
def test_better_auth(items: list[dict[str, Any]], me: Any, tmp_path: Path) -> None:
    who = (
        me
        if isinstance(me, dict)
        else {"session": {"id": "s1"}, "user": {"email": "a@x", "id": "u"}}
    )
    provider = BetterAuthProvider("https://shop.example.com", "t")
    routes = {"/get-session": who, "/list-sessions": items}
    shown(run(provider, answering(routes)), tmp_path)


def test_the_strategies_reach_the_screen() -> None:
    """Not every example is refused: valid listings with hostile strings do get shown."""
    body = {
        "account": {"id": "a"},
        "sessions": [
            {
                "id": "s1",
                "current": True,
                "device_name": "\x1b[31m" + "A" * 5000,
                "user_agent": "[bold]x\u202e",
            },
        ],
    }
    sessions = run(RestProvider("https://api.example.com", "t"), answering({"/v1/sessions": body}))
    assert sessions is not None and len(sessions[0].display_name or "") == MAX_TEXT
