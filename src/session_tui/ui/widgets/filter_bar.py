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

    PLACEHOLDERS = {  # noqa: RUF012
        "sessions": "Filter sessions: device, place, IP…",
        "accounts": "Jump to account: type part of its name…",
        "history": "Filter the history: device, place, how it ended…",
        "alerts": "Filter the sign-ins: device, place, reason…",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=self.PLACEHOLDERS["sessions"], id=id)
        # What `/` was pressed in: the sessions, the account list (typing finds an account),
        # or the history or the alert feed (typing narrows that pane).
        self.target = "sessions"

    @property
    def jumping(self) -> bool:
        return self.target == "accounts"

    def start(self, target: str, value: str = "") -> None:
        self.target = target
        self.placeholder = self.PLACEHOLDERS[target]
        with self.prevent(Input.Changed):
            self.value = value

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Closed(cleared=True))

    async def action_submit(self) -> None:
        self.post_message(self.Closed(cleared=False))
