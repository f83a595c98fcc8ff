"""Session views -> the rich `Text` the table, the details pane and the dialogs show.

Every piece of provider data reaches the screen through here, already made safe by
`enrich.text.plain` and wrapped in `Text`, which Textual never parses as markup. Nothing in this
module builds markup strings from data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from session_tui.engine.presentation import (
    THIS_DEVICE,
    describe,
    device_label,
    device_words,
    primary_name,
    risk_marks,
    risk_word,
    short_place,
)
from session_tui.enrich import DeviceType, SessionView, naming
from session_tui.enrich.risk import Risk, RiskLevel
from session_tui.enrich.times import ago_text, expires_text, is_online, last_active_text
from session_tui.ids import refused_reason
from session_tui.text import cut_middle
from session_tui.ui import glyphs

# The words are the engine's (`engine.presentation`); this module only styles them.
__all__ = [
    "THIS_DEVICE",
    "describe",
    "device_cell",
    "device_label",
    "device_words",
    "primary_name",
    "short_place",
]

ONLINE_DOT = "●"

BADGE_STYLE = Style(color="black", bgcolor="green", bold=True)
ONLINE_STYLE = Style(color="green", bold=True)
CURRENT_STYLE = Style(bold=True)
DIM_STYLE = Style(dim=True)
MISSING_STYLE = Style(dim=True)
IP_ROOM = 39  # the longest IPv6 address text
STALE_STYLE = Style(dim=True, italic=True)  # rows from the last good poll while polls fail

# Types worth a word in the Device column; API clients and bots already say so in their label.
_TYPE_WORD = {
    DeviceType.DESKTOP: "Desktop",
    DeviceType.MOBILE: "Mobile",
    DeviceType.TABLET: "Tablet",
}


def _cell(text: str = "", style: Style | str = "") -> Text:
    """A one-line cell that ends in "…" when its column is too narrow (cut, in ASCII mode).

    The style is a span, not the text's base style: the table renders its cells' segments
    itself (`Text.render`), which leaves a base style out."""
    cell = Text(no_wrap=True, overflow=glyphs.current().overflow, end="")
    cell.append(text, style or None)
    return cell


def value_text(text: str) -> Text:
    """A details value: the text, or the dimmed "no value" mark when there is none."""
    return Text(text) if text else Text(glyphs.missing(), style=MISSING_STYLE)


MARK_STYLE = Style(color="yellow", bold=True)
# A session whose id cannot be sent safely (`session_tui.ids`): never revoked from here.
UNSAFE_ID = "unsafe id: cannot revoke"
UNSAFE_STYLE = Style(color="yellow", bold=True)


def device_cell(view: SessionView, is_current: bool, *, marked: bool = False) -> Text:
    """Name (or browser on OS), then the rest of what we know, dimmed; a badge for our own,
    and a mark on the rows chosen with `space`."""
    text = _cell()
    for part, style in _device_parts(view, is_current, marked):
        text.append(part, style)
    return text


def device_width(view: SessionView, is_current: bool) -> int:
    """The cells `device_cell` needs, with room for a mark: measured on the texts, without
    building the cell (the table measures 10,000 of them for a first listing)."""
    return sum(cell_len(part) for part, _ in _device_parts(view, is_current, True))


def _device_parts(
    view: SessionView, is_current: bool, marked: bool
) -> list[tuple[str, Style | str]]:
    parts: list[tuple[str, Style | str]] = []
    if marked:
        parts.append((glyphs.current().mark + " ", MARK_STYLE))
    if is_current:
        parts += [(THIS_DEVICE, BADGE_STYLE), (" ", "")]
    label = device_label(view)
    primary = naming.primary_name(view.name, label, view.session.id)
    parts.append((primary, CURRENT_STYLE if is_current else ""))
    if refused_reason(view.session.id) is not None:  # before the details: a cut keeps it
        parts += [("  ", ""), (UNSAFE_ID, UNSAFE_STYLE)]
    extra = []
    if label and label != primary:
        extra.append(label)
    type_word = _TYPE_WORD.get(view.device.device_type)
    if type_word:
        extra.append(type_word)
    if extra:
        parts += [("  ", ""), (" · ".join(extra), DIM_STYLE)]
    return parts


def location_cell(view: SessionView) -> Text:
    where = short_place(view.place)
    if not where:
        return _cell(glyphs.missing(), MISSING_STYLE)
    text = _cell()
    if glyphs.flag(view.place.flag):
        text.append(view.place.flag + " ")
    text.append(where)
    return text


def location_width(view: SessionView) -> int:
    """The cells `location_cell` needs, measured on its texts."""
    where = short_place(view.place)
    if not where:
        return cell_len(glyphs.missing())
    flag = glyphs.flag(view.place.flag)
    return cell_len(f"{view.place.flag} {where}") if flag else cell_len(where)


def ip_cell(view: SessionView, width: int = IP_ROOM) -> Text:
    """The address, an IPv6 one shortened in the middle to `width` ("2a02:8108…4c1f:9b2e"):
    its network and its host both stay readable."""
    if not view.ip:
        return _cell(glyphs.missing(), MISSING_STYLE)
    return _cell(cut_middle(view.ip, width, glyphs.current().cut))


def last_active_cell(
    view: SessionView, now: datetime, window: timedelta, *, live: bool = True
) -> Text:
    """ "● Online" or "12 minutes ago"; from stale data (`live=False`) never "Online": only
    how long ago the last good poll saw it active."""
    last = view.session.last_active_at
    if last is None:
        return _cell(glyphs.missing(), MISSING_STYLE)
    if not live:
        return _cell(ago_text(last, now), STALE_STYLE)
    if is_online(last, now, window):
        text = _cell()
        text.append(glyphs.current().online, ONLINE_STYLE)
        text.append(" ")
        text.append("Online", ONLINE_STYLE)
        return text
    return _cell(last_active_text(last, now, window))


def signed_in_cell(view: SessionView, now: datetime) -> Text:
    created = view.session.created_at
    return _cell(ago_text(created, now)) if created else _cell(glyphs.missing(), MISSING_STYLE)


def expires_cell(view: SessionView, now: datetime) -> Text:
    expires = view.session.expires_at
    if expires is None:
        return _cell(glyphs.missing(), MISSING_STYLE)
    return _cell(expires_text(expires, now))


RISK_STYLES = {
    RiskLevel.HIGH: Style(color="red", bold=True),
    RiskLevel.MEDIUM: Style(color="yellow", bold=True),
    RiskLevel.LOW: Style(dim=True),
}


def risk_cell(view: SessionView, width: int) -> Text:
    """The Risk column: the level's marks and, where there is room, the strongest reason
    ("!!! travel"); nothing for a session with no known risk."""
    risk = view.risk
    if not risk.reasons:
        return _cell()
    marks = risk_marks(risk)
    text = f"{marks} {risk_word(risk)}" if width > len(marks) + 1 else marks
    return _cell(text, RISK_STYLES[risk.level])


def risk_level_text(risk: Risk) -> Text:
    """ "!!! high", styled by its level; what `t` ("this was me") would clear."""
    text = Text(f"{risk_marks(risk)} {risk.level.value}", style=RISK_STYLES[risk.level])
    text.append("  t: this was me", DIM_STYLE)
    return text
