"""The sidebar of watched accounts (on-call mode): one line each, with its session count."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from session_tui.enrich.text import plain
from session_tui.ui.state import AccountState, Connection


def account_prompt(account: AccountState) -> Text:
    """ "  3  @bob:example.org": the count first, so a long account name never hides it."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if account.connection in (Connection.ERROR, Connection.SIGNED_OUT):
        text.append("  !", "bold red")
    elif account.polls:
        text.append(f"{len(account.sessions):>3}", "bold")
    else:
        text.append("  …", "dim")
    text.append("  ")
    text.append(plain(account.name, 80))
    return text


class AccountList(OptionList):
    """Selecting an account (enter or click) shows its sessions; indexes match the app's list."""

    DEFAULT_CLASSES = "pane"

    def set_accounts(self, accounts: Sequence[AccountState]) -> None:
        """Refresh the lines in place, keeping the highlighted account."""
        highlighted = self.highlighted
        if self.option_count != len(accounts):
            self.clear_options()
            self.add_options(
                Option(account_prompt(a), id=f"account-{i}") for i, a in enumerate(accounts)
            )
        else:
            for index, account in enumerate(accounts):
                self.replace_option_prompt_at_index(index, account_prompt(account))
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted
