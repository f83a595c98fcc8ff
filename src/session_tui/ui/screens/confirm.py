"""A modal confirm dialog that runs its action itself, so a wrong password can be retried.

Used for revoke, revoke-all and signing in again. Cancel has the focus unless a password is
asked for; `y` and `enter` confirm, `n` and escape cancel, space presses the focused button
(while typing the password, y, n and space are just letters and enter submits it). The
password lives only in the input while the dialog is open and is cleared as soon as it has
been used; it is never stored, logged or put in a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from session_tui.errors import SessionTuiError, WrongPassword

ResultT = TypeVar("ResultT")

WRONG_PASSWORD = "Wrong password. Try again, or cancel."
NEED_PASSWORD = "Enter your password to confirm."


@dataclass(frozen=True)
class Question(Generic[ResultT]):
    """What a confirm dialog asks, and what confirming does (`action(password)`)."""

    title: str
    question: Text
    confirm_label: str
    action: Callable[[str | None], Awaitable[ResultT]]
    lines: Sequence[Text] = ()
    note: Text | None = None
    password_for: str | None = None  # who the password is asked for; None: no password
    danger: bool = True


class ConfirmDialog(ModalScreen[ResultT | None], Generic[ResultT]):
    """Asks a yes/no question (and maybe a password), then awaits `action(password)`.

    Dismisses with the action's result, or None when cancelled. `WrongPassword` keeps the dialog
    open saying so; another `SessionTuiError` keeps it open with its message (retry or cancel).
    """

    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("y", "confirm", "Yes"),
        # The contract: enter confirms, wherever the focus is. Cancel has the focus so
        # that space or a stray click on it cancels, and `n`/`escape` always do.
        Binding("enter", "confirm", "Confirm", priority=True),
        Binding("space", "press_focused", "Press", show=False),
        Binding("n", "cancel_key", "No"),
        Binding("escape", "cancel", "Cancel"),
        Binding("down,j", "scroll_lines(1)", "Scroll down", show=False),
        Binding("up,k", "scroll_lines(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_lines(5)", show=False),
        Binding("pageup", "scroll_lines(-5)", show=False),
    ]

    def __init__(self, ask: Question[ResultT], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._busy = False
        self._ask = ask

    def refill(self, ask: Question[ResultT]) -> None:
        """Ask another question with this dialog: opening a dialog kept composed (an
        installed screen) is ~15 ms where composing and styling a new one is ~85."""
        self._ask = ask
        if self.is_mounted:
            self._show()

    @property
    def asks_password(self) -> bool:
        return self._ask.password_for is not None

    def compose(self) -> ComposeResult:
        # Every part, shown or hidden by `_show`: the same dialog asks other questions later.
        with Vertical(id="dialog", classes="dialog"):
            yield Static(id="dialog-title")
            yield Static(id="dialog-question")
            # Scrolls rather than pushing the buttons off a short terminal; what does not
            # fit is counted under it ("and 3 more"), and ↓ / ↑ scroll it.
            with VerticalScroll(id="dialog-lines"):
                yield Static(id="dialog-lines-text")
            yield Static("", id="dialog-more")
            yield Static(id="dialog-note")
            yield Static(id="dialog-password-label")
            yield Input(password=True, id="dialog-password", placeholder="password")
            yield Static("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button("", id="confirm")

    def on_mount(self) -> None:
        listed = self.query_one("#dialog-lines", VerticalScroll)
        self.watch(listed, "scroll_y", self._count_hidden)
        self._show()

    def _show(self) -> None:
        """Put this question's parts on screen, hide the others, and start afresh."""
        ask = self._ask
        self._busy = False
        self.query_one("#dialog-title", Static).update(Text(ask.title, style="bold"))
        self.query_one("#dialog-question", Static).update(ask.question)
        listed = self.query_one("#dialog-lines", VerticalScroll)
        listed.display = bool(ask.lines)
        lines = Text("\n", no_wrap=True, overflow="ellipsis").join(ask.lines)
        self.query_one("#dialog-lines-text", Static).update(lines)
        listed.scroll_to(y=0, animate=False)
        note = self.query_one("#dialog-note", Static)
        note.display = ask.note is not None
        note.update(ask.note or "")
        label = self.query_one("#dialog-password-label", Static)
        field = self.query_one("#dialog-password", Input)
        label.display = field.display = self.asks_password
        label.update(Text.assemble("Password for ", (ask.password_for or "", "bold")))
        field.value = ""
        self.query_one("#dialog-error", Static).update("")
        confirm = self.query_one("#confirm", Button)
        confirm.label = ask.confirm_label
        confirm.variant = "error" if ask.danger else "primary"
        for button in self.query(Button):
            button.disabled = False
        field.disabled = False
        listed.call_after_refresh(self._count_hidden)
        if self.asks_password:
            field.focus()
        else:
            self.query_one("#cancel", Button).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._count_hidden)

    @property
    def hidden_lines(self) -> int:
        """How many of the listed lines are below the list's visible part."""
        listed = self.query_one("#dialog-lines", VerticalScroll)
        seen = int(listed.scroll_y) + listed.scrollable_content_region.height
        return max(0, len(self._ask.lines) - seen)

    def _count_hidden(self) -> None:
        hidden = self.hidden_lines
        more = self.query_one("#dialog-more", Static)
        more.display = hidden > 0
        more.update(Text(f"and {hidden} more (↓ to scroll)" if hidden else "", style="dim"))

    def action_scroll_lines(self, step: int) -> None:
        if self._ask.lines:
            listed = self.query_one("#dialog-lines", VerticalScroll)
            listed.scroll_to(y=listed.scroll_y + step, animate=False)

    def _show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Static).update(Text(message, style="bold red"))

    def _password(self) -> str | None:
        if not self.asks_password:
            return None
        return self.query_one("#dialog-password", Input).value

    def _clear_password(self) -> None:
        if self.asks_password:
            self.query_one("#dialog-password", Input).value = ""

    def action_cancel(self) -> None:
        if self._busy:
            return
        self._clear_password()
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self._busy:
            return
        password = self._password()
        if self.asks_password and not password:
            self._show_error(NEED_PASSWORD)
            self.query_one("#dialog-password", Input).focus()
            return
        self._run()

    def action_cancel_key(self) -> None:
        self.action_cancel()

    def action_press_focused(self) -> None:
        """Space presses the focused button, as in most dialogs (enter is the default action)."""
        if isinstance(self.focused, Button):
            self.focused.press()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the password field has focus, y and n are letters of the password (and enter
        # submits the field, which confirms too).
        in_field = isinstance(self.focused, Input)
        letters = ("confirm", "cancel_key", "press_focused", "scroll_lines")
        return not (action in letters and in_field)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#dialog-password")
    def _password_submitted(self) -> None:
        self.action_confirm()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in self.query(Button):
            button.disabled = busy
        if self.asks_password:
            self.query_one("#dialog-password", Input).disabled = busy
        if busy:
            self.query_one("#dialog-error", Static).update(Text("Working…", style="dim"))

    # The password is read inside the worker, never passed to it: a worker's arguments end up
    # in its description, which Textual logs and prints in tracebacks.
    @work(exclusive=True, group="confirm", description="confirm dialog action")
    async def _run(self) -> None:
        password = self._password()
        self._set_busy(True)
        try:
            result = await self._ask.action(password)
        except WrongPassword:
            self._set_busy(False)
            self._clear_password()
            self._show_error(WRONG_PASSWORD)
            self.query_one("#dialog-password", Input).focus()
            return
        except SessionTuiError as exc:
            self._set_busy(False)
            self._clear_password()
            self._show_error(str(exc))
            return
        except Exception as exc:  # a bug or a library surprise: say so, never crash with it
            self.log.error(f"confirm action failed: {type(exc).__name__}")
            self._set_busy(False)
            self._clear_password()
            self._show_error(f"Unexpected error ({type(exc).__name__}); nothing was confirmed.")
            return
        finally:
            password = None
        self._clear_password()
        self._busy = False
        self.dismiss(result)
