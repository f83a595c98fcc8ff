"""`TableRows` kept up to date poll after poll says exactly what one built afresh says.

The rows are reused wherever the engine handed over the same view, re-keyed only (widths and
filter match kept) where only a session's activity time moved, and patched in place when few
changed; hypothesis drives random polls (activity moving, for one session or many, sessions
ending and signing in, renames, new user agents, the clock, sort, filters, reverse) and
compares order, index, views and column widths with a fresh build.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from session_tui.engine.ordering import SortColumn
from session_tui.enrich import Enricher
from session_tui.model import Session
from session_tui.ui.table_rows import Query, TableRows

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
AGENTS = (
    "curl/8.5",
    "python-httpx/0.27.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0",
)


def _session(i: int) -> Session:
    return Session(
        id=f"s{i:03d}",
        is_current=i == 0,
        user_agent=AGENTS[i % len(AGENTS)],
        ip=f"91.64.0.{i % 250 + 1}",
        display_name=f"box {i % 4}" if i % 3 else None,
        created_at=NOW - timedelta(days=3),
        last_active_at=NOW - timedelta(minutes=i),
    )


step = st.tuples(
    st.sampled_from(["touch", "end", "sign-in", "rename", "agent", "clock", "query", "burst"]),
    st.integers(0, 60),
    st.integers(0, 30),
)
queries = st.builds(
    Query,
    st.sampled_from(list(SortColumn)),
    st.booleans(),
    st.sampled_from(["", "box", "curl", "box 1"]),
    st.sampled_from([frozenset(), frozenset({"inactive"}), frozenset({"unrecognised"})]),
    st.sampled_from([90.0, 0.001]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=25), queries)
def test_kept_rows_match_a_fresh_build(steps, query) -> None:
    enricher = Enricher()
    sessions = {s.id: s for s in (_session(i) for i in range(40))}
    now = NOW
    kept = TableRows()
    for action, n, minutes in steps:
        sid = f"s{n:03d}"
        if action == "touch" and sid in sessions:
            sessions[sid] = dataclasses.replace(
                sessions[sid], last_active_at=now - timedelta(minutes=minutes)
            )
        elif action == "end" and sid in sessions and n:
            del sessions[sid]
        elif action == "sign-in":
            sessions.setdefault(sid, _session(n))
        elif action == "rename" and sid in sessions:
            sessions[sid] = dataclasses.replace(sessions[sid], display_name=f"box {minutes}")
        elif action == "agent" and sid in sessions:
            sessions[sid] = dataclasses.replace(sessions[sid], user_agent=f"curl/{minutes}.0")
        elif action == "burst":  # many at once: past what is patched in place
            for other in list(sessions)[: n % 20]:
                sessions[other] = dataclasses.replace(
                    sessions[other], last_active_at=now - timedelta(minutes=minutes + n)
                )
        elif action == "clock":
            now += timedelta(minutes=minutes)
        elif action == "query":
            query = dataclasses.replace(query, reverse=not query.reverse)
        views = enricher.views(sessions.values())
        kept.update(views, current_id="s000", now=now, window=WINDOW, query=query)
        fresh = TableRows()
        fresh.update(views, current_id="s000", now=now, window=WINDOW, query=query)
        assert kept.order == fresh.order
        assert kept.index == fresh.index
        assert kept.views == fresh.views
        for column in ("device", "location", "ip"):
            assert kept.need(column) == fresh.need(column)
