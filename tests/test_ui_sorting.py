"""The default order follows what the Last active column shows, so rows hold still."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from session_tui.engine.ordering import SortColumn, ordered
from session_tui.enrich import Enricher
from session_tui.model import Session

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENRICH = Enricher()


def _order(*sessions: Session) -> list[str]:
    views = [ENRICH.view(s) for s in sessions]
    return [v.session.id for v in ordered(views, SortColumn.LAST_ACTIVE, NOW)]


def _s(sid: str, ago: timedelta | None, *, name: str = "", current: bool = False) -> Session:
    last = NOW - ago if ago is not None else None
    return Session(id=sid, display_name=name or sid, last_active_at=last, is_current=current)


def test_online_rows_go_by_how_recently_they_were_active() -> None:
    first = _order(_s("b", timedelta(seconds=5)), _s("a", timedelta(seconds=40)))
    later = _order(_s("b", timedelta(seconds=50)), _s("a", timedelta(seconds=1)))
    assert first == ["b", "a"] and later == ["a", "b"]  # ties break by the exact activity


def test_this_device_leads_the_online_rows_and_older_rows_go_by_the_minute() -> None:
    order = _order(
        _s("phone", timedelta(minutes=40, seconds=10), name="Phone"),
        _s("laptop", timedelta(minutes=40, seconds=50), name="Laptop"),
        _s("tui", timedelta(minutes=1), name="zz", current=True),
        _s("web", timedelta(seconds=2), name="Web"),
        _s("never", None),
        _s("old", timedelta(days=2)),
    )
    # Phone and laptop share a minute: the one active more recently goes first.
    assert order == ["tui", "web", "phone", "laptop", "old", "never"]


def test_device_names_sort_in_natural_order() -> None:
    names = ["worker 9775", "worker 977", "worker 9750", "Worker 10", "worker 2", "alpha"]
    sessions = [_s(f"s{i}", timedelta(hours=1), name=n) for i, n in enumerate(names)]
    views = ordered([ENRICH.view(s) for s in sessions], SortColumn.DEVICE, NOW)
    assert [v.session.display_name for v in views] == [
        "alpha",
        "worker 2",
        "Worker 10",
        "worker 977",
        "worker 9750",
        "worker 9775",
    ]
