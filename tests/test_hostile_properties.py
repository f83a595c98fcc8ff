"""Property tests: whatever JSON a server sends, every provider's parser and the whole pipeline
after it (bounding, enrichment, table cells, the details pane, the history store) either shows
safe, bounded text or refuses with a typed error. Nothing else may escape.

The providers run their real code; only the transport is replaced, to answer the generated JSON.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import canned_rest
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
# The same, with every time and address well-formed: a strict contract (REST, Better Auth)
# refuses a whole listing for one malformed field, so these are what gets through to the screen.
GOOD_TIMES = st.one_of(st.none(), st.just("2026-11-30T10:00:00Z"), st.just("2026-12-01T08:30:00Z"))
GOOD_IPS = st.one_of(st.none(), st.just("203.0.113.7"), st.just("2001:db8::1"))
REST_GOOD_ITEM = fields(
    id=TEXT,
    user_agent=TEXT,
    device_name=TEXT,
    ip=GOOD_IPS,
    location=st.fixed_dictionaries({}, optional={"city": TEXT, "region": TEXT, "country": TEXT}),
    created_at=GOOD_TIMES,
    last_active_at=GOOD_TIMES,
    expires_at=GOOD_TIMES,
)
MATRIX_ITEM = fields(device_id=TEXT, display_name=TEXT, last_seen_ip=IPS, last_seen_ts=TIMES)
ALLAUTH_ITEM = fields(
    id=st.one_of(st.integers(min_value=1), TEXT),
    user_agent=TEXT,
    ip=IPS,
    created_at=TIMES,
    last_seen_at=TIMES,
)
EPOCHS = st.one_of(st.none(), st.just(1_796_000_000), st.just(1_796_003_600.5))
MATRIX_GOOD_ITEM = fields(
    device_id=TEXT, display_name=TEXT, last_seen_ip=GOOD_IPS, last_seen_ts=EPOCHS
)
ALLAUTH_GOOD_ITEM = fields(
    id=st.one_of(st.integers(min_value=1), TEXT),
    user_agent=TEXT,
    ip=GOOD_IPS,
    created_at=EPOCHS,
    last_seen_at=EPOCHS,
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
BA_GOOD_ITEM = fields(
    id=TEXT,
    token=TEXT,
    userAgent=TEXT,
    ipAddress=GOOD_IPS,
    createdAt=GOOD_TIMES,
    expiresAt=GOOD_TIMES,
    impersonatedBy=TEXT,
)


# Mostly a valid account object whose strings are hostile; sometimes anything at all.
ACCOUNT_OR_JUNK = st.one_of(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1).map(lambda t: "a" + t)}, optional={"email": TEXT}
    ),
    st.fixed_dictionaries({"id": st.just("a")}),
    JSON,
)
WHO = {"email": "a@x.example", "id": "u"}
# A server's own answers (who we are, its configuration): mostly the usual one, sometimes junk.
MOSTLY_NONE_OR_JUNK = st.one_of(st.none(), st.none(), st.none(), JSON)


def run(make: Callable[[str], Any], routes: dict[str, Any]) -> list[Session] | None:
    """A provider made for a loopback server that answers each path ending in a route's
    suffix with its JSON body: what it lists, or None when it refused with a typed error."""

    def handle(method: str, path: str, body: bytes, headers: Any) -> canned_rest.Answer:
        for suffix, answer in routes.items():
            if urlsplit(path).path.endswith(suffix):
                return 200, "application/json", json.dumps(answer).encode(), {}
        return 404, "application/json", b"{}", {}

    async def go(url: str) -> list[Session] | None:
        provider = make(url)
        try:
            return cast("list[Session]", await provider.list_sessions())
        except ProviderError:
            return None  # refused with a typed error: fine
        finally:
            await provider.aclose()

    with canned_rest.serving(handle) as url:
        return asyncio.run(go(url))


def safe(text: str, limit: int) -> None:
    assert len(text) <= limit, len(text)
    for ch in text:
        assert ch not in "\x1b\x9b\n\r", repr(text)
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Cs"), repr(text)


def shown(sessions: list[Session] | None, tmp: Path) -> bool:
    """Everything the pipeline shows for these sessions is safe and bounded; True when there
    was something to show (the listing was accepted)."""
    event("refused" if sessions is None else f"shown {min(len(sessions), 2)}+")
    if not sessions:
        return False
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
    return True


def accepted_share(results: list[bool], least: float = 0.1) -> None:
    """Not a property that passes by refusing everything: a share of the examples (valid
    listings full of hostile strings) must be accepted and shown."""
    assert results, "no examples ran"
    share = sum(results) / len(results)
    assert share >= least, f"only {share:.0%} of {len(results)} examples were shown"


PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


Routes = dict[str, Any]


def shown_share(
    tmp_path: Path,
    make: Callable[[str], Any],
    items: st.SearchStrategy[list[dict[str, Any]]],
    own: st.SearchStrategy[Any],
    routes: Callable[[list[dict[str, Any]], Any], Routes],
) -> None:
    """The property for one provider: whatever `items` and the server's own answer (`own`)
    are drawn, everything shown is safe; and a share of the examples is shown at all."""
    results: list[bool] = []

    @PROPERTY
    @given(drawn=st.tuples(items, own))
    def listing(drawn: tuple[list[dict[str, Any]], Any]) -> None:
        results.append(shown(run(make, routes(*drawn)), tmp_path))

    listing()
    accepted_share(results)


def between(*items: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.one_of(*items), min_size=1, max_size=4)


def test_rest(tmp_path: Path) -> None:
    def routes(items: list[dict[str, Any]], account: Any) -> Routes:
        identified(items, "id", current="current")
        return {"/v1/sessions": {"account": account, "sessions": items}}

    items = between(REST_ITEM, REST_GOOD_ITEM, REST_GOOD_ITEM)
    shown_share(tmp_path, lambda url: RestProvider(url, "t"), items, ACCOUNT_OR_JUNK, routes)


def test_matrix(tmp_path: Path) -> None:
    def routes(items: list[dict[str, Any]], whoami: Any) -> Routes:
        identified(items, "device_id")
        me = whoami if isinstance(whoami, dict) else {"user_id": "@a:x", "device_id": "s0"}
        return {"/account/whoami": me, "/devices": {"devices": items}}

    items = between(MATRIX_ITEM, MATRIX_GOOD_ITEM)
    shown_share(tmp_path, lambda url: MatrixProvider(url, "t"), items, MOSTLY_NONE_OR_JUNK, routes)


def test_allauth(tmp_path: Path) -> None:
    def routes(items: list[dict[str, Any]], config: Any) -> Routes:
        identified(items, "id", current="is_current")
        cfg = config if isinstance(config, dict) else {"usersessions": {"track_activity": True}}
        return {"/config": {"data": cfg}, "/auth/sessions": {"data": items}}

    def make(url: str) -> AllauthProvider:
        return AllauthProvider(url, "t", account="a")

    items = between(ALLAUTH_ITEM, ALLAUTH_GOOD_ITEM)
    shown_share(tmp_path, make, items, MOSTLY_NONE_OR_JUNK, routes)


def test_better_auth(tmp_path: Path) -> None:
    def routes(items: list[dict[str, Any]], me: Any) -> Routes:
        identified(items, "id")
        identified(items, "token")
        ours = items[0]["id"] if isinstance(items[0].get("id"), str) else "s0"
        who = me if isinstance(me, dict) else {"session": {"id": ours}, "user": WHO}
        return {"/get-session": who, "/list-sessions": items}

    items = between(BA_ITEM, BA_GOOD_ITEM, BA_GOOD_ITEM)
    make = BetterAuthProvider
    shown_share(tmp_path, lambda url: make(url, "t"), items, MOSTLY_NONE_OR_JUNK, routes)


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
    sessions = run(lambda url: RestProvider(url, "t"), {"/v1/sessions": body})
    assert sessions is not None and len(sessions[0].display_name or "") == MAX_TEXT
