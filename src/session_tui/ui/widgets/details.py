"""The details pane: everything known about the selected session, long values wrapped."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from session_tui.enrich import SessionView
from session_tui.enrich.text import plain
from session_tui.enrich.times import absolute_text, ago_text, expires_text, is_online
from session_tui.ui import cells, glyphs

USER_AGENT_LEN = 1024  # shown whole up to here (wrapped); beyond, it ends in "…"


def _when(value: datetime | None, relative: str) -> Text:
    if value is None:
        return Text(glyphs.missing(), style=cells.MISSING_STYLE)
    return Text.assemble(absolute_text(value), "  ", (relative, cells.DIM_STYLE))


NOT_TRACKED = "not recorded by this server"


def details_renderable(
    view: SessionView,
    *,
    is_current: bool,
    now: datetime,
    window: timedelta,
    account: str | None,
    activity_tracked: bool = True,
    stale_since: datetime | None = None,
) -> RenderableType:
    """A two-column grid of labels and values; values are `Text`, never markup.

    Where the API records no activity at all (Better Auth; allauth without
    USERSESSIONS_TRACK_ACTIVITY) "Last active" says so, rather than a bare "—" that reads
    as "never".
    """
    session = view.session
    device = view.device
    title = Text(no_wrap=False)
    if is_current:
        title.append(cells.THIS_DEVICE, cells.BADGE_STYLE)
        title.append(" ")
    title.append(cells.device_words(view), "bold")

    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, min_width=11)
    grid.add_column(ratio=1, overflow="fold")
    if account:
        grid.add_row("Account", Text(plain(account, 120)))
    grid.add_row("Name", cells.value_text(view.name))
    if session.user_agent:
        kind = str(device.device_type)
        device_text = device.label if kind.casefold() in device.label.casefold() else None
        device_text = device_text or " · ".join(p for p in (device.label, kind) if p)
        grid.add_row("Device", cells.value_text(plain(device_text, 160)))
    else:
        grid.add_row("Device", Text("not reported by the server", style=cells.DIM_STYLE))
    grid.add_row("IP", cells.value_text(view.ip))
    place = view.place
    where = Text()
    if glyphs.flag(place.flag):
        where.append(place.flag + " ")
    parts = [p for p in (place.city, place.region, place.country_name) if p]
    where.append(
        plain(", ".join(parts), 200) if parts else plain(place.label, 80) or glyphs.missing()
    )
    if place.source in ("provider", "lookup") and parts:
        source = "from the server" if place.source == "provider" else "looked up offline"
        where.append("  ")
        where.append(source, cells.DIM_STYLE)
    grid.add_row("Location", where)
    last = session.last_active_at
    # From stale data nothing is "Online": it only says when the last good poll saw it.
    online = stale_since is None and last is not None and is_online(last, now, window)
    if last is None and not activity_tracked:
        grid.add_row("Last active", Text(NOT_TRACKED, style=cells.DIM_STYLE))
    else:
        relative = ("Online, " if online else "") + ago_text(last, now)
        grid.add_row("Last active", _when(last, relative))
    grid.add_row("Expires", _when(session.expires_at, expires_text(session.expires_at, now)))
    grid.add_row("Created", _when(session.created_at, ago_text(session.created_at, now)))
    if session.user_agent:  # without one, "Device: not reported by the server" says it all
        grid.add_row("Browser", cells.value_text(plain(device.browser, 120)))
        grid.add_row("OS", cells.value_text(plain(device.os, 120)))
    grid.add_row("Session id", Text(plain(session.id, 200)))
    if session.user_agent:
        grid.add_row("User agent", cells.value_text(plain(session.user_agent, USER_AGENT_LEN)))

    outer = Table.grid(expand=True)
    outer.add_column(overflow="fold")
    if stale_since is not None:
        outer.add_row(
            Text(
                f"Not live: from the last good poll, {absolute_text(stale_since)} "
                f"({ago_text(stale_since, now)}).",
                style="bold yellow",
            )
        )
    outer.add_row(title)
    outer.add_row(grid)
    return outer


class DetailsPane(VerticalScroll):
    """Scrolls when the user agent is long; shows a hint when nothing is selected."""

    DEFAULT_CLASSES = "pane"

    def compose(self):  # type: ignore[no-untyped-def]
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
        body = self.query_one("#details-body", Static)
        if view is None:
            body.update(Text(empty_hint, style="dim"))
            return
        body.update(
            details_renderable(
                view,
                is_current=is_current,
                now=now,
                window=window,
                account=account,
                activity_tracked=activity_tracked,
                stale_since=stale_since,
            )
        )
