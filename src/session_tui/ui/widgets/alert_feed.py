"""The Alert feed (`a`): every sign-in the tracker saw, newest first, alerts marked.

Severity is said in words as well as colour ("ALERT" on red, "info" dimmed), and an alert says
which rule fired ("new device: API client · curl", "new country: Japan"). Selecting an entry
(enter or a click) asks the bridge to jump to that session in the table, if it is still signed in.
`A` acknowledges the highlighted alert for the whole team; an acknowledged one says who and when
("acknowledged by alice@ops 14:02"), and every entry shows its id ("#42") for `session-tui ack`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from session_tui.engine.presentation import risk_marks
from session_tui.enrich.risk import NO_RISK, Risk, RiskLevel
from session_tui.enrich.text import plain
from session_tui.providers.base import SessionProvider
from session_tui.ui import glyphs
from session_tui.ui.cells import RISK_STYLES
from session_tui.ui.widgets.keys import MOVE_KEYS
from session_tui.ui.widgets.pane_rows import PaneRows

if TYPE_CHECKING:
    from session_tui.tracking.events import Event

ALERT_BADGE = Style(color="white", bgcolor="red", bold=True)
ACKED_BADGE = Style(color="white", bgcolor="dark_green", bold=True)
ACKED_STYLE = Style(color="green")
INFO_BADGE = Style(dim=True)
NEW_BADGE = Style(color="black", bgcolor="yellow", bold=True)
REASON_STYLE = Style(color="yellow")
_DIM = Style(dim=True)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One sign-in event of one account, as the feed shows it.

    `new` is whether it was unseen when the feed loaded it; `active` whether the session is still
    in that account's latest listing (so selecting it can jump there).
    """

    provider: SessionProvider
    account: str
    event: Event
    new: bool = False
    active: bool = False


def entry_text(entry: FeedEntry, *, multi: bool = False) -> Text:
    """Two lines: marker, severity word, time, device and place; then why (or "known ...")."""
    badge, first, second = _entry_parts(entry, multi)
    return Text.assemble(badge, first, "\n", "    ", second, end="")


def entry_prompt(entry: FeedEntry, *, multi: bool = False) -> Table:
    """`entry_text` as the feed shows it: where a line wraps, it goes on under its own text,
    not under the badge (a hanging indent)."""
    badge, first, second = _entry_parts(entry, multi)
    grid = Table.grid()
    grid.add_column(width=badge.cell_len, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(badge, first)
    grid.add_row("", second)
    return grid


def _entry_parts(entry: FeedEntry, multi: bool) -> tuple[Text, Text, Text]:
    """(the badges, the first line's text, the second line's text)."""
    from session_tui.tracking.events import SignIn  # loaded after start-up, with the feed
    from session_tui.tracking.wording import acked_text, short_time

    event = entry.event
    badge = Text(end="")
    if event.is_alert and event.acked_by is not None:
        badge.append(" ✓ ACKED ", ACKED_BADGE)
    elif event.is_alert:
        badge.append(" ▲ ALERT ", ALERT_BADGE)
    else:
        badge.append(" · info  ", INFO_BADGE)
    if entry.new:
        badge.append(" ")
        badge.append(" NEW ", NEW_BADGE)
    badge.append(" ")
    text = Text(end="")
    text.append(short_time(event.at), _DIM)
    if event.event_id is not None:
        text.append(f" #{event.event_id}", _DIM)
    text.append("  ")
    if multi:
        text.append(plain(entry.account, 80), "bold")
        text.append(": ")
    text.append(plain(event.device, 120) or "Unknown client")
    location = glyphs.shown(plain(event.location, 80))
    if location:
        text.append(" from ")
        text.append(location)
    if event.session.is_current:
        text.append(" (this device)", _DIM)
    why = Text(end="")
    reasons = event.reasons if isinstance(event, SignIn) else ()
    risk = event.risk if isinstance(event, SignIn) else NO_RISK
    if risk.reasons:
        why.append(f"{risk_marks(risk)} {risk.level.value}: ", RISK_STYLES[risk.level])
    if reasons:
        why.append("; ".join(plain(r, 120) for r in reasons), REASON_STYLE)
    else:
        why.append("known device and place", _DIM)
    why.append("  ·  ", _DIM)
    if event.acked_by is not None:
        why.append(acked_text(event.acked_by, event.acked_at), ACKED_STYLE)
        why.append("  ·  ", _DIM)
    elif event.is_alert:
        why.append("A: acknowledge", _DIM)
        why.append("  ·  ", _DIM)
    if entry.active:
        why.append("still signed in — enter to select it", _DIM)
    else:
        why.append("ended", _DIM)
    return badge, text, why


class AlertList(OptionList):
    """The option list inside the feed; option ids are positions in `entries`."""

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        *MOVE_KEYS,
        Binding("l", "level", "Risk level"),
        Binding("A", "acknowledge", "Acknowledge"),
    ]

    class Chosen(Message):
        """The user picked an entry (enter or click)."""

        def __init__(self, entry: FeedEntry) -> None:
            super().__init__()
            self.entry = entry

    class AckAsked(Message):
        """`A` on an alert: acknowledge it for the team."""

        def __init__(self, entry: FeedEntry) -> None:
            super().__init__()
            self.entry = entry

    class LevelChanged(Message):
        """`l` changed the least risk level shown (`AlertList.least`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[FeedEntry] = []  # what is shown: the filter's share of `_all`
        self._all: list[FeedEntry] = []
        self._multi = False
        self.filter_text = ""  # `/` in the feed: only entries with every word in them
        self.least = RiskLevel.NONE  # `l`: only sign-ins of this risk level and up

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.show(self._all, multi=self._multi)

    def show(self, entries: Sequence[FeedEntry], *, multi: bool) -> None:
        """Replace the entries, keeping the highlight on the same event where possible."""
        keep = self._highlighted_key()
        self._all, self._multi = list(entries), multi
        words = self.filter_text.casefold().split()
        least = self.least.rank
        self.entries = [
            e
            for e in self._all
            if _level(e).rank >= least
            and all(word in entry_text(e, multi=multi).plain.casefold() for word in words)
        ]
        self.clear_options()
        self.add_options(
            Option(entry_prompt(e, multi=multi), id=str(i)) for i, e in enumerate(self.entries)
        )
        if not self.entries:
            return
        index = 0
        if keep is not None:
            for i, entry in enumerate(self.entries):
                if _key(entry) == keep:
                    index = i
                    break
        self.highlighted = index

    def action_level(self) -> None:
        """l: only sign-ins of risk low and up, medium and up, high; then all again."""
        order = list(RiskLevel)
        self.least = order[(order.index(self.least) + 1) % len(order)]
        self.show(self._all, multi=self._multi)
        self.post_message(self.LevelChanged())

    def action_acknowledge(self) -> None:
        index = self.highlighted
        if index is not None and 0 <= index < len(self.entries):
            self.post_message(self.AckAsked(self.entries[index]))

    def _highlighted_key(self) -> tuple[int, int | None] | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return _key(self.entries[index])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.entries):
            self.post_message(self.Chosen(self.entries[event.option_index]))

    def lines(self) -> list[str]:
        """Each entry's text (for tests)."""
        return [entry_text(e).plain for e in self.entries]


def _key(entry: FeedEntry) -> tuple[int, int | None]:
    return (id(entry.provider), entry.event.event_id)


def _level(entry: FeedEntry) -> RiskLevel:
    risk = getattr(entry.event, "risk", NO_RISK)  # sign-ins carry one; nothing else is here
    return risk.level if isinstance(risk, Risk) else RiskLevel.NONE


class AlertFeed(PaneRows, Vertical):
    """The pane: a hint while empty, else the list of sign-ins."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading sign-ins…", style="dim"), id="alerts-hint")
        yield AlertList(id="alerts-list")

    TITLE = "Sign-in alerts"

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self._subtitle()

    def _subtitle(self) -> None:
        least = self.list.least if self.is_mounted else RiskLevel.NONE
        level = f"risk {least.value} and up · " if least is not RiskLevel.NONE else ""
        self.border_subtitle = (
            f"{level}newest first · enter jumps to the session · A: acknowledge · l: level"
        )

    def on_alert_list_level_changed(self, event: AlertList.LevelChanged) -> None:
        event.stop()
        self._subtitle()

    @property
    def list(self) -> AlertList:
        return self.query_one(AlertList)

    def show(self, entries: Sequence[FeedEntry], *, multi: bool) -> None:
        self.list.show(entries, multi=multi)
        hint = self.query_one("#alerts-hint", Static)
        if entries:
            hint.display = False
        else:
            hint.update(
                Text(
                    "No sign-ins seen yet. New sessions on the account appear here; one from a "
                    "device or country never seen before is an alert.",
                    style="dim",
                )
            )
            hint.display = True

    @property
    def rows(self) -> AlertList:
        return self.list
