"""The dashboard's device sign-in: while Keycloak waits for the user to approve session-tui on
another device, the terminal shows where to go and the code to approve, full screen, and the
dashboard follows as soon as the approval comes. `q`, `escape` or `ctrl+c` gives up (exit 130).

A small app of its own, run before the dashboard: the dashboard needs the signed-in providers
to start. The server is asked from a plain daemon thread (the wait blocks as the server asks
it to), so giving up never waits for a poll to finish.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Footer, Static

from session_tui.plugin import DeviceCodePrompt
from session_tui.text import plain


class DeviceSignInApp(App[Any]):
    """Shows the link and the code until `wait` returns; then exits with its result."""

    TITLE = "session-tui"
    DEFAULT_CSS = """
    DeviceSignInApp { align: center middle; }
    #device-box { width: auto; max-width: 100; height: auto; border: round $accent;
                  padding: 1 3; }
    #device-box > Static { width: auto; max-width: 94; }
    #device-code { text-style: bold; color: $warning; padding: 1 0; }
    #device-status { color: $text-muted; padding-top: 1; }
    """
    BINDINGS = [  # noqa: RUF012 (Textual's own declaration style)
        Binding("q", "give_up", "Cancel"),
        Binding("escape", "give_up", "Cancel", show=False),
        Binding("ctrl+c", "give_up", "Cancel", show=False, priority=True),
    ]

    def __init__(self, prompt: DeviceCodePrompt, wait: Callable[[], Any]) -> None:
        super().__init__()
        self.prompt = prompt
        self._wait = wait
        self.error: BaseException | None = None
        self.cancelled = False

    def compose(self) -> ComposeResult:
        shown = self.prompt
        with Center(), Vertical(id="device-box"):
            yield Static(Text(f"Sign in to {plain(shown.where, 120)}", style="bold"))
            yield Static(Text("On any device with a browser, open"))
            yield Static(Text(plain(shown.link, 300), style="underline"), id="device-link")
            yield Static(Text("and approve this code:"))
            yield Static(Text(plain(shown.user_code, 40)), id="device-code")
            yield Static(Text("Waiting for your approval…"), id="device-status")
        yield Footer()

    def on_mount(self) -> None:
        threading.Thread(target=self._ask, name="device-sign-in", daemon=True).start()

    def _ask(self) -> None:
        result: Any = None
        try:
            result = self._wait()
        except BaseException as exc:  # delivered to the caller of `show`, whatever it is
            self.error = exc
        if self.cancelled:
            return  # the user gave up; the app (and its loop) may be gone already
        with contextlib.suppress(RuntimeError):  # the app ended meanwhile: nothing to tell
            self.call_from_thread(self.exit, None if self.error else result)

    def action_give_up(self) -> None:
        self.cancelled = True
        self.exit()


def show(prompt: DeviceCodePrompt, wait: Callable[[], Any]) -> Any:
    """`plugin.DeviceSignIn` for the dashboard: the screen above, then `wait`'s result (or its
    error); giving up is KeyboardInterrupt, as Ctrl-C at any prompt."""
    app = DeviceSignInApp(prompt, wait)
    result = app.run()
    if app.cancelled:
        raise KeyboardInterrupt
    if app.error is not None:
        raise app.error
    return result
