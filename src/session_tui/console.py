"""Everything the command line writes and asks, made safe in one place.

Ids, device names, account names and server sentences reach the command line's output from a
server that may be hostile. Whatever a command prints (tables, messages, prompts, errors,
JSON, CSV) goes through here: no escape sequence, control, bidi or zero-width character from
server data reaches a terminal (the same rules as the dashboard's, `text.plain`), JSON escapes
them as `\\uXXXX`, and a CSV cell cannot start a spreadsheet formula.

Prompts end the command at once on Ctrl-C (exit 130, nothing sent), however the process was
started: a process started with SIGINT ignored (a background job, some CI systems) would
otherwise never see it, and `asyncio.run` turns the first Ctrl-C into a cancellation that waits
for the prompt to return.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from session_tui.text import terminal_text

PREFIX = "session-tui: "


def say(message: str) -> None:
    """A message about the run (errors, warnings, progress): on stderr, prefixed."""
    print(PREFIX + terminal_text(message), file=sys.stderr, flush=True)


def show(message: str = "", out: TextIO | None = None) -> None:
    """Output proper (a line of a table, a result): on stdout, or `out`."""
    print(terminal_text(message), file=out if out is not None else sys.stdout)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in here, whatever SIGINT was set to before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def ask(prompt: str) -> str:
    """A line from the terminal ("" at the end of input); Ctrl-C ends the command (exit 130)."""
    with interruptible():
        try:
            return input(terminal_text(prompt))
        except EOFError:
            return ""


def ask_secret(prompt: str) -> str:
    """A password from the terminal, not echoed; Ctrl-C ends the command (exit 130)."""
    with interruptible():
        return getpass.getpass(terminal_text(prompt))


# Characters JSON may carry raw but a terminal acts on or hides: C1 controls, format
# characters (bidi, zero-width), lone surrogates, line and paragraph separators. (C0 controls
# in strings are escaped by json.dumps itself; the ones left are the layout's line breaks.)
_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff]"
)


def json_text(
    value: Any, *, indent: int | None = 2, default: Callable[[Any], Any] | None = None
) -> str:
    """`value` as JSON that is safe to print: non-ASCII text stays readable, but every
    character a terminal would act on or hide is escaped (`\\u001b`): a parser reads the same
    value back, a terminal shows it inert."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=default)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run: one that starts like a formula (`=`, `+`, `-`,
    `@`, a tab or a carriage return) gets a leading `'` (OWASP's advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def from_csv_cell(value: str) -> str:
    """The value a neutralised CSV cell stands for (what `csv_cell` was given)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
