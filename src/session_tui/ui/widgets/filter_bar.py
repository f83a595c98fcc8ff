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

    SESSIONS = "Filter sessions: device, place, IP…"
    ACCOUNTS = "Jump to account: type part of its name…"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=self.SESSIONS, id=id)
        self.jumping = False  # `/` from the account list: typing finds an account instead

    def start(self, *, jumping: bool) -> None:
        self.jumping = jumping
        self.placeholder = self.ACCOUNTS if jumping else self.SESSIONS
        if jumping:
            self.value = ""

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Closed(cleared=True))

    async def action_submit(self) -> None:
        self.post_message(self.Closed(cleared=False))
