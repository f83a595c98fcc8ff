"""The details pane: everything known about the selected session, long values wrapped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from session_tui.engine.map_items import journey_of
from session_tui.engine.presentation import (
    EXTRA_ROWS,
    NOT_REPORTED,
    NOT_TRACKED,
    full_place,
    online,
    place_source,
    risk_evidence,
)
from session_tui.enrich import SessionView, naming
from session_tui.enrich.networks import ranges_dataset
from session_tui.enrich.text import plain
from session_tui.enrich.times import absolute_text, ago_text, expires_text
from session_tui.ids import refused_reason
from session_tui.ui import cells, glyphs
from session_tui.ui.map_text import journey_map
from session_tui.ui.widgets.details_grid import DetailsGrid, RowLines

USER_AGENT_LEN = 1024  # shown whole up to here (wrapped); beyond, it ends in "…"
JOURNEY_MAP = (40, 8)  # a journey's small map in the pane, in cells (the world at 9 by 5 degrees)


def _when(value: datetime | None, relative: str) -> Text:
    if value is None:
        return Text(glyphs.missing(), style=cells.MISSING_STYLE)
    return Text.assemble(absolute_text(value), "  ", (relative, cells.DIM_STYLE))


_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")


@dataclass(frozen=True, slots=True)
class Details:
    """What the pane shows of one session: a warning when the data is stale, a title, and
    labelled values; all `Text`, never markup."""

    stale: Text | None
    title: Text
    rows: tuple[tuple[str, Text], ...]

    def shape(self) -> tuple[str, ...]:
        """Equal shapes wrap into the same lines at any width: the text with every digit as
        "0" (digits are one cell each and never end a word). From poll to poll the selected
        session's times change, and most often in their digits only."""
        texts = [self.stale.plain if self.stale else "", self.title.plain]
        texts.extend(f"{label}\t{value.plain}" for label, value in self.rows)
        return tuple(text.translate(_DIGITS_AS_ZERO) for text in texts)

    def renderable(self, cache: RowLines | None = None) -> RenderableType:
        """Labels in a column under the title, values wrapped beside them; `cache` keeps
        the rows' lines from one update to the next."""
        heading = [self.title] if self.stale is None else [self.stale, self.title]
        return DetailsGrid(heading, self.rows, cache)


def details(
    view: SessionView,
    *,
    is_current: bool,
    now: datetime,
    window: timedelta,
    account: str | None,
    activity_tracked: bool = True,
    stale_since: datetime | None = None,
) -> Details:
    """Everything known about the session, labelled.

    Where the API records no activity at all (Better Auth; allauth without
    USERSESSIONS_TRACK_ACTIVITY) "Last active" says so, rather than a bare "—" that reads
    as "never".
    """
    session = view.session
    device = view.device
    rows: list[tuple[str, Text]] = []

    def add(label: str, value: Text) -> None:
        rows.append((label, value))

    if account:
        add("Account", Text(plain(account, 120)))
    add("Name", cells.value_text(view.name))
    add("Device", _device(view))
    add("IP", cells.value_text(view.ip))
    add("Location", _where(view))
    rows.extend(_risk_rows(view))
    # From stale data nothing is "Online": it only says when the last good poll saw it.
    add("Last active", _last_active(view, now, window, stale_since is None, activity_tracked))
    add("Expires", _when(session.expires_at, expires_text(session.expires_at, now)))
    add("Created", _when(session.created_at, ago_text(session.created_at, now)))
    if naming.reported(session.user_agent, device):  # else "Device: not reported" says it all
        add("Browser", cells.value_text(plain(device.browser, 120)))
        add("OS", cells.value_text(plain(device.os, 120)))
    for key, label in EXTRA_ROWS.items():
        value = session.extras.get(key) if session.extras else None
        if isinstance(value, str) and value:
            add(label, cells.value_text(plain(value, 300)))
    add("Session id", Text(plain(session.id, 200)))
    refusal = refused_reason(session.id)
    if refusal is not None:
        add("Revoke", Text(f"not from here: {refusal} (r says how else)", style="bold yellow"))
    if session.user_agent:
        add("User agent", cells.value_text(plain(session.user_agent, USER_AGENT_LEN)))

    stale = None
    if stale_since is not None:
        stale = Text(
            f"Not live: from the last good poll, {absolute_text(stale_since)} "
            f"({ago_text(stale_since, now)}).",
            style="bold yellow",
        )
    return Details(stale, _title(view, is_current), tuple(rows))


def _risk_rows(view: SessionView) -> list[tuple[str, Text]]:
    """ "Risk  !!! high", then each reason with what it rests on, dimmed; and, without the
    `risk` extra, that the network checks are off (not that the address is clean)."""
    rows: list[tuple[str, Text]] = []
    if ranges_dataset() is None and view.ip:
        off = "Tor, VPN and hosting not checked: pip install 'session-tui[risk]'"
        rows.append(("Networks", Text(off, style=cells.DIM_STYLE)))
    if not view.risk.reasons:
        return rows
    rows.append(("Risk", cells.risk_level_text(view.risk)))
    for reason in view.risk.reasons:
        why = Text(plain(reason.text, 300))
        evidence = risk_evidence(reason)
        if evidence:
            why.append(f"\n{evidence}", cells.DIM_STYLE)
        rows.append(("", why))
        journey = journey_of(reason)
        if journey is not None:  # both places on a small map: where from, where to (red)
            small = journey_map(journey, *JOURNEY_MAP, ascii_only=glyphs.current().ascii)
            rows.append(("", small))
    return rows


def _device(view: SessionView) -> Text:
    """ "iPhone · Mobile", or that the server reported nothing about the device."""
    device = view.device
    if not naming.reported(view.session.user_agent, device):
        return Text(NOT_REPORTED, style=cells.DIM_STYLE)
    kind = str(device.device_type)
    device_text = device.label if kind.casefold() in device.label.casefold() else None
    device_text = device_text or " · ".join(p for p in (device.label, kind) if p)
    return cells.value_text(plain(device_text, 160))


def _title(view: SessionView, is_current: bool) -> Text:
    title = Text(no_wrap=False)
    if is_current:
        title.append(cells.THIS_DEVICE, cells.BADGE_STYLE)
        title.append(" ")
    title.append(cells.device_words(view), "bold")
    return title


def _where(view: SessionView) -> Text:
    """The flag, the whole place, and where it came from, dimmed."""
    place = view.place
    where = Text()
    if glyphs.flag(place.flag):
        where.append(place.flag + " ")
    where.append(full_place(place) or glyphs.missing())
    source = place_source(place)
    if source:
        where.append("  ")
        where.append(source, cells.DIM_STYLE)
    return where


def _last_active(
    view: SessionView, now: datetime, window: timedelta, live: bool, tracked: bool
) -> Text:
    last = view.session.last_active_at
    if last is None and not tracked:
        return Text(NOT_TRACKED, style=cells.DIM_STYLE)
    relative = ("Online, " if live and online(view, now, window) else "") + ago_text(last, now)
    return _when(last, relative)


class DetailsPane(VerticalScroll):
    """Scrolls when the user agent is long; shows a hint when nothing is selected."""

    DEFAULT_CLASSES = "pane"

    def __init__(self, *children: Widget, **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self._row_lines = RowLines()

    def compose(self):
        yield Static(Text("No session selected.", style="dim"), id="details-body")

    def show(
        self,
        view: SessionView | None,
        *,
        is_current: bool = False,
        now: datetime,
        window: timedelta,
        account: str | None = None,
        empty_hint: str = "No session selected.",
        activity_tracked: bool = True,
        stale_since: datetime | None = None,
    ) -> None:
        if view is None:
            self._shape = None
            self.query_one("#details-body", Static).update(Text(empty_hint, style="dim"))
            return
        self._put(
            details(
                view,
                is_current=is_current,
                now=now,
                window=window,
                account=account,
                activity_tracked=activity_tracked,
                stale_since=stale_since,
            )
        )

    _shape: tuple[tuple[str, ...], int] | None = None

    def _put(self, shown: Details) -> None:
        """Repaint the pane alone while its text keeps its shape (so its height holds), and
        lay the screen out only when the height changed.

        The selected session's times change on every poll, and a layout pass (what
        `Static.update` asks for) reflows the whole screen: at 10,000 sessions it was the
        largest single cost of a poll on the UI thread (~14 ms of ~50). Working out the new
        height renders the grid once more, so that is done only when the shape changed.
        """
        body = self.query_one("#details-body", Static)
        size = body.content_size
        shape = (shown.shape(), size.width)
        same = shape == self._shape
        self._shape = shape
        body.update(shown.renderable(self._row_lines), layout=False)
        if same and size.width:
            return
        height = body.get_content_height(size, self.app.size, size.width) if size.width else 0
        if not size.width or height != size.height:
            body.refresh(layout=True)
