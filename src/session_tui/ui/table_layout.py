"""Which columns the sessions table shows, and how wide, from its width and its content.

Device is what tells sessions apart, so it gets what its longest shown text needs first; the
place and the IP get their own longest text, not a fixed 39 cells of mostly blank IPv6 room.
What gives way when there is not room for all, in order: the IP shortens to a whole IPv4
address (an IPv6 address keeps its start and its end, "…" between; the details pane has it
all), the place narrows, the Risk column keeps only its marks ("!!!"), then Device is cut.
The IP column is there from 100 columns on, and never below.
"""

from __future__ import annotations

from collections.abc import Callable

Layout = tuple[tuple[str, int], ...]

LAST_ACTIVE_WIDTH = 14  # "12 minutes ago"
EXPIRES_WIDTH = 13  # "in 21 days"
LOCATION_MAX = 28
LOCATION_NARROW = 16
LOCATION_TIGHT = 13  # "🇩🇪 Berlin, DE"
IP_MAX = 39  # the longest IPv6 text
IP_SHORT = 15  # a whole IPv4 address
IP_FROM = 96  # the table's width in a 100-column terminal: from there on the IP shows
DEVICE_MAX = 90
DEVICE_LEAST = 12
RISK_WIDTH = 13  # "!! new device", "!!! travel": the level's marks and the strongest reason
RISK_MARKS = 3  # below RISK_FROM: the level's marks alone ("!!!")
RISK_FROM = 110  # the table's width from which the Risk column names its reason
DEVICE_COMFORT = 30  # Device keeps this much (or its need) before Risk gives way to its marks
CELL_PADDING = 1
SCROLLBAR = 2


def compute_layout(
    width: int,
    need: Callable[[str], int] = lambda column: 0,
    *,
    has_expiry: bool = True,
    has_activity: bool = True,
) -> Layout:
    """Column keys and widths for a table `width` cells wide whose rows need `need(column)`.

    Where the API records no activity, "Signed in" takes the place of "Last active"; where
    sessions never expire there is no Expires column (it would only say "—"). The Risk
    column is always last, whether or not a session has a risk yet (risks are judged after
    the first listing is shown, and a column that came later would make the table jump): its
    marks alone ("!!!") until a row has a risk, then its reason too where there is room.
    """
    device_need = min(max(need("device"), 20), DEVICE_MAX)
    named = width >= RISK_FROM and need("risk") > 0  # words only where a row has a risk
    for risk in (RISK_WIDTH, RISK_MARKS) if named else (RISK_MARKS,):
        rest = _columns(width - risk - 2 * CELL_PADDING, need, has_expiry, has_activity, width)
        if dict(rest)["device"] >= min(device_need, DEVICE_COMFORT):
            break  # else the Risk column gives way to its marks before Device is cut more
    return (*rest, ("risk", risk))


def _columns(
    width: int, need: Callable[[str], int], has_expiry: bool, has_activity: bool, table: int
) -> Layout:
    """The columns but Risk, in `width` cells of a table `table` cells wide."""
    device_need = min(max(need("device"), 20), DEVICE_MAX)
    wants = {
        "location": min(max(need("location"), LOCATION_TIGHT), LOCATION_MAX),
        "ip": min(max(need("ip"), 7), IP_MAX),
    }
    last = ("last_active" if has_activity else "signed_in", LAST_ACTIVE_WIDTH)
    times = (last, ("expires", EXPIRES_WIDTH)) if has_expiry else (last,)
    place, address = wants["location"], wants["ip"]
    short = min(address, IP_SHORT)
    # The columns beside Device at their least, most generous first. From IP_FROM the IP
    # always shows (shortened in the middle when it must, `cells.ip_cell`); below, it goes.
    candidates: list[tuple[tuple[str, int], ...]] = (
        [
            (("location", place), ("ip", address)),
            (("location", place), ("ip", short)),
            (("location", min(place, LOCATION_NARROW)), ("ip", short)),
            (("location", min(place, LOCATION_TIGHT)), ("ip", short)),
        ]
        if table >= IP_FROM
        else [
            (("location", place),),
            (("location", min(place, LOCATION_NARROW)),),
            (("location", min(place, LOCATION_TIGHT)),),
        ]
    )
    for index, rest in enumerate(candidates):
        columns = 1 + len(rest) + len(times)
        room = width - SCROLLBAR - 2 * CELL_PADDING * columns - sum(w for _, w in rest)
        room -= sum(w for _, w in times)
        if room >= device_need or index == len(candidates) - 1:
            break
    # What Device does not need goes back to the narrowed columns, then to Device.
    spare = max(room - device_need, 0)
    widths = dict(rest)
    for key in widths:
        grow = min(spare, wants[key] - widths[key])
        widths[key] += grow
        spare -= grow
    device = max(
        min(room - (sum(widths.values()) - sum(w for _, w in rest)), DEVICE_MAX), DEVICE_LEAST
    )
    return (("device", device), *widths.items(), *times)
