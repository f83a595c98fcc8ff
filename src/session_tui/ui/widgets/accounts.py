"""The sidebar of watched accounts (on-call mode): one line each, with its session count."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from session_tui.engine.state import AccountState, Connection
from session_tui.enrich.text import ELLIPSIS, plain
from session_tui.ui import glyphs
from session_tui.ui.widgets.keys import MOVE_KEYS

UNKNOWN_WIDTH = 80


def account_prompt(account: AccountState, width: int = UNKNOWN_WIDTH) -> Text:
    """ "@bob:example.org  ⚑2 3": the name is cut to fit `width` so the unseen alerts and the
    session count always show."""
    if account.connection in (Connection.ERROR, Connection.SIGNED_OUT):
        count, style = "!", "bold red"
    elif account.polls:
        count, style = str(len(account.sessions)), "bold"
    else:
        count, style = "…", "dim"
    marker = f"{glyphs.current().alert}{account.unseen_alerts} " if account.unseen_alerts else ""
    name = plain(account.name, 120)
    room = max(width - len(count) - len(marker) - 2, 4)
    if len(name) > room:
        name = name[: room - 1] + ELLIPSIS
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(name)
    text.append("  ")
    if marker:
        text.append(marker, "bold magenta")  # unseen sign-in alerts of this account
    text.append(count, style)
    return text


class AccountList(OptionList):
    """Selecting an account (enter or click) shows its sessions; indexes match the app's list."""

    DEFAULT_CLASSES = "pane"

    BINDINGS = [*MOVE_KEYS]  # noqa: RUF012 (Textual's own declaration style)

    _accounts: Sequence[AccountState] = ()

    def _prompt_width(self) -> int:
        width = self.scrollable_content_region.width
        return width - 2 if width > 8 else UNKNOWN_WIDTH  # less the option's own padding

    def set_accounts(self, accounts: Sequence[AccountState]) -> None:
        """Refresh the lines in place, keeping the highlighted account."""
        self._accounts = accounts
        width = self._prompt_width()
        highlighted = self.highlighted
        if self.option_count != len(accounts):
            self.clear_options()
            self.add_options(
                Option(account_prompt(a, width), id=f"account-{i}") for i, a in enumerate(accounts)
            )
        else:
            for index, account in enumerate(accounts):
                self.replace_option_prompt_at_index(index, account_prompt(account, width))
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted

    def update_account(self, index: int) -> None:
        """One account's line again (after its poll): on call, each poll touches one line,
        not all of them."""
        if 0 <= index < self.option_count and index < len(self._accounts):
            prompt = account_prompt(self._accounts[index], self._prompt_width())
            self.replace_option_prompt_at_index(index, prompt)

    def on_resize(self, event: events.Resize) -> None:
        if self._accounts:
            self.set_accounts(self._accounts)
