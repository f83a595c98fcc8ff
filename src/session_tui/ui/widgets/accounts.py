"""The sidebar of watched accounts (on-call mode): one line each, with its session count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from session_tui.engine.presentation import sign_ins_by_hour
from session_tui.engine.state import AccountState, Connection
from session_tui.enrich.text import ELLIPSIS, plain
from session_tui.ui import glyphs
from session_tui.ui.widgets.keys import MOVE_KEYS

UNKNOWN_WIDTH = 80
_NEVER = datetime.min.replace(tzinfo=UTC)  # an account no poll saw change sorts last


SPARK_FROM = 28  # the sidebar's width from which each line has its sign-ins' sparkline
SPARK_BUCKETS = 8  # three hours a character
_BARS = "▁▂▃▄▅▆▇█"  # none, then more and more sign-ins
_ASCII_BARS = "_.:-=+*#"


def sparkline(account: AccountState) -> str:
    """The account's sign-ins of the last 24 hours, three hours a character, oldest first:
    the lowest bar for none, the highest for the busiest three hours; "" where the server
    says when no session signed in (Matrix): there is nothing to draw."""
    if not any(s.created_at for s in account.sessions.values()):
        return ""
    counts = sign_ins_by_hour(account.sessions.values(), account.updated_at, 24, SPARK_BUCKETS)
    bars = _ASCII_BARS if glyphs.current().ascii else _BARS
    top, tallest = max(counts), len(bars) - 1

    def bar(n: int) -> str:
        if not n:
            return bars[0]
        return bars[tallest if top == 1 else 1 + round((n - 1) * (tallest - 1) / (top - 1))]

    return "".join(map(bar, counts))


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
    spark = sparkline(account) if width >= SPARK_FROM else ""
    counted = max(len(count), 2) if spark else len(count)  # a column for counts up to 99
    room = max(width - counted - len(marker) - len(spark) - 2, 4)
    if spark and len(name) > room:  # the name first: no sparkline where it would cut it
        spark, counted = "", len(count)
        room = max(width - counted - len(marker) - 2, 4)
    if len(name) > room:
        name = name[: room - 1] + ELLIPSIS
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(name.ljust(room) if spark else name)  # sparklines in a column of their own
    text.append(" " if spark else "  ")
    if spark:
        text.append(spark, "cyan")
        text.append(" ")
    if marker:
        text.append(marker, "bold magenta")  # unseen sign-in alerts of this account
    text.append(count, style)
    return text


class AccountList(OptionList):
    """Selecting an account (enter or click) shows its sessions.

    Lines may be sorted by name or by most recent change (`s` here); each line's option id
    names the account's index in the app's list, so `account_at` / `show` translate between
    what is on screen and which account it is.
    """

    DEFAULT_CLASSES = "pane"

    BINDINGS = [*MOVE_KEYS]  # noqa: RUF012 (Textual's own declaration style)

    _accounts: Sequence[AccountState] = ()
    _laid_out: dict[int, str] = {}  # noqa: RUF012 (replaced, never changed in place)
    _shown: dict[int, Text] = {}  # noqa: RUF012 (replaced by set_accounts) each line's prompt
    by_change = False  # sorted by most recent change (a sign-in or an end) instead of name

    def _prompt_width(self) -> int:
        width = self.scrollable_content_region.width
        return width - 2 if width > 8 else UNKNOWN_WIDTH  # less the option's own padding

    def _changed(self, index: int) -> datetime:
        return self._accounts[index].changed_at or _NEVER

    def _order(self) -> list[int]:
        """Account indexes in the order shown: by name, or the most recent change first."""
        indexes = list(range(len(self._accounts)))
        if self.by_change:
            indexes.sort(key=self._changed, reverse=True)
        else:
            indexes.sort(key=lambda i: plain(self._accounts[i].name, 120).casefold())
        return indexes

    def set_accounts(self, accounts: Sequence[AccountState]) -> None:
        """Lay the lines out again (in the current order), keeping the highlighted account."""
        self._accounts = accounts
        width = self._prompt_width()
        current = self.account_at(self.highlighted)
        self.clear_options()
        order = self._order()
        self._laid_out = {i: accounts[i].name for i in order}  # the names the order is of
        self._shown = {i: account_prompt(accounts[i], width) for i in order}
        self.add_options(Option(self._shown[i], id=f"account-{i}") for i in order)
        self.border_subtitle = "by change" if self.by_change else "by name"
        if current is not None:
            self.show(current)

    def account_at(self, line: int | None) -> int | None:
        """The account index on this line."""
        if line is None or not 0 <= line < self.option_count:
            return None
        option_id = self.get_option_at_index(line).id or ""
        return int(option_id.removeprefix("account-")) if option_id else None

    def show(self, index: int) -> None:
        """Highlight this account's line."""
        try:
            line = self.get_option_index(f"account-{index}")
        except OptionDoesNotExist:
            return
        if self.highlighted != line:
            self.highlighted = line

    def update_account(self, index: int) -> None:
        """One account's line again (after its poll): on call, each poll touches one line,
        not all of them. Sorted by change, an account that changed now moves to the top."""
        if not 0 <= index < len(self._accounts):
            return
        top = self.account_at(0)
        if self.by_change and top is not None and self._changed(index) > self._changed(top):
            self.set_accounts(self._accounts)
            return
        if not self.by_change and self._laid_out.get(index) != self._accounts[index].name:
            # Its name came with its first listing (a REST account is named by the server):
            # "by name" must still be true.
            self.set_accounts(self._accounts)
            return
        prompt = account_prompt(self._accounts[index], self._prompt_width())
        if self._shown.get(index) == prompt:
            return  # most polls change nothing the line shows: no repaint (on call, 50 a second)
        try:
            line = self.get_option_index(f"account-{index}")
        except OptionDoesNotExist:
            return
        self._shown[index] = prompt
        self.replace_option_prompt_at_index(line, prompt)

    def toggle_order(self) -> None:
        self.by_change = not self.by_change
        self.set_accounts(self._accounts)

    def find(self, text: str) -> int | None:
        """The first account, in the order shown, whose name has `text` in it."""
        wanted = text.casefold().strip()
        if not wanted:
            return None
        for index in self._order():
            if wanted in plain(self._accounts[index].name, 120).casefold():
                return index
        return None

    def on_resize(self, event: events.Resize) -> None:
        if self._accounts:
            self.set_accounts(self._accounts)
