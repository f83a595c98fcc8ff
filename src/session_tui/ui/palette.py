"""The command palette (ctrl+p): the app's own actions beside Textual's (themes, keys, quit).
(The command line's commands are `session_tui.commands`, another thing.)

Each entry runs the same action its key does, so the palette and the keys can never disagree;
what read-only mode or the provider does not allow is not offered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from textual.app import SystemCommand

from session_tui.enrich.text import plain
from session_tui.model import Capability

if TYPE_CHECKING:
    from session_tui.ui.dashboard import Dashboard
    from session_tui.ui.screens.main import MainScreen

    class PaletteHost(Dashboard, Protocol):
        """The app, as the palette sees it: a dashboard with its main screen."""

        main: MainScreen


# (title, help, MainScreen action, needs a change to be allowed)
ACTIONS: tuple[tuple[str, str, str, bool], ...] = (
    ("Revoke the selected session", "r: sign the session under the cursor out", "revoke", True),
    (
        "Sign out other sessions",
        "R: the marked ones, else what the filter shows, else all others",
        "revoke_others",
        True,
    ),
    ("Filter sessions", "/: narrow the table by any text it shows", "filter", False),
    (
        "Inactive sessions",
        "i: only those idle longer than --inactive-days",
        "quick('inactive')",
        False,
    ),
    (
        "Unrecognised devices",
        "u: only devices nothing could recognise",
        "quick('unrecognised')",
        False,
    ),
    ("Sort by the next column", "s", "sort", False),
    ("Reverse the sort", "S", "sort_reverse", False),
    ("Refresh now", "ctrl+r: poll every account", "refresh", False),
    ("History of ended sessions", "h", "history", False),
    ("Sign-in alerts", "a", "alerts", False),
    ("Keys", "?: every key and what it does", "help", False),
)


def app_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    main = app.main
    for title, help_text, action, changes in ACTIONS:
        if changes and app.options.read_only:
            continue
        yield SystemCommand(title, help_text, _run(main, action))
    if main.account.can(Capability.RENAME) and not app.options.read_only:
        yield SystemCommand("Rename the selected session", "e", main.action_rename)
    if len(app.accounts) > 1:
        for index, account in enumerate(app.accounts):
            name = plain(account.name, 80)
            yield SystemCommand(
                f"Show {name}", "switch the table to this watched account", _switch(app, index)
            )


def _run(main, action: str):
    """The screen's action, as its key would run it (an action string may carry arguments)."""

    async def run() -> None:
        await main.run_action(action)

    return run


def _switch(app: PaletteHost, index: int):
    def switch() -> None:
        app.main.show_account(index)

    return switch
