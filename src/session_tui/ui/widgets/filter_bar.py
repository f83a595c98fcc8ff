"""The `/` filter: an input above the table; typing narrows the rows, escape clears it."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until `/`. Enter keeps the filter and returns to the table; escape clears it."""

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("escape", "clear_filter", "Clear filter"),
    ]

    class Closed(Message):
        """The user is done filtering; `cleared` when escape threw the filter away."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Filter sessions: device, place, IP…", id=id)

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Closed(cleared=True))

    async def action_submit(self) -> None:
        self.post_message(self.Closed(cleared=False))
