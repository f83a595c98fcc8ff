"""Keys every list in the dashboard answers the same way (the table, the account list, the
history and the alert feed): j and k move like the arrows."""

from __future__ import annotations

from textual.binding import Binding

MOVE_KEYS = (
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
)
