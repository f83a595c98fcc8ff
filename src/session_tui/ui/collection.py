"""When the garbage collector runs while the dashboard is up.

Start-up: the command line holds collection off until the first listing is on screen, then
what start-up made is frozen (it lives as long as the app) and collection resumes.

Polls: at 10,000 sessions each one builds a few containers of 10,000 entries (the listing by
id, the views, the table's order), and a young collection walks every entry of every young
container. At CPython's default of a collection every 700 allocations, a poll that changed 1%
of the sessions ran about four of them on the UI thread: 2.5 ms of its 17. Collected every
5,000, one comes every three polls or so: each walks more (up to 3.5 ms measured at 10,000
sessions, where the default's older-generation collections took up to 3 ms), all of them
together about 1 ms a poll instead of 2.4. Cyclic garbage waits a little longer to be freed
(a few thousand objects at most).
"""

from __future__ import annotations

import gc

YOUNG_AFTER = 5_000  # allocations (net) between young collections; CPython's default is 700


def tune() -> tuple[int, int, int]:
    """Our thresholds on; the ones before, for `restore`."""
    before = gc.get_threshold()
    gc.set_threshold(max(YOUNG_AFTER, before[0]), *before[1:])
    return before


def restore(before: tuple[int, int, int]) -> None:
    gc.set_threshold(*before)


def resume() -> None:
    """Collection back on, if the command line held it off for start-up: what start-up made is
    frozen first (no collection need walk it again)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
