"""The `e` dialog: give a session a new display name (providers with Capability.RENAME)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from session_tui.errors import SessionTuiError

MAX_NAME = 200


class RenameDialog(ModalScreen[str | None]):
    """Dismisses with the new name once `action(name)` succeeded, or None when cancelled."""

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self, *, describe: Text, current: str, action: Callable[[str], Awaitable[None]]
    ) -> None:
        super().__init__()
        self._describe = describe
        self._current = current
        self._action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(Text("Rename session", style="bold"), id="dialog-title")
            yield Static(self._describe, id="dialog-question")
            yield Input(value=self._current, max_length=MAX_NAME, id="rename-input")
            yield Static("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Rename", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#rename-input", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted, "#rename-input")
    def _confirm(self) -> None:
        name = self.query_one("#rename-input", Input).value.strip()
        if not name:
            self.query_one("#dialog-error", Static).update(
                Text("A name cannot be empty.", style="bold red")
            )
            return
        self._run(name)

    @work(exclusive=True, group="rename")
    async def _run(self, name: str) -> None:
        for button in self.query(Button):
            button.disabled = True
        try:
            await self._action(name)
        except Exception as exc:  # typed errors say what happened; anything else must not crash
            message = (
                str(exc)
                if isinstance(exc, SessionTuiError)
                else f"Unexpected error ({type(exc).__name__}); the name was not changed."
            )
            self.query_one("#dialog-error", Static).update(Text(message, style="bold red"))
            for button in self.query(Button):
                button.disabled = False
            return
        self.dismiss(name)
