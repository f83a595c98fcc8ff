"""`list`, `history` and the other tables on a terminal: fitted to its width, ids never cut."""

from __future__ import annotations

import io
import re

import pytest

from session_tui.commands.common import cell_width, print_table
from session_tui.text import cut_middle

HEADINGS = ("DEVICE", "LOCATION", "IP", "LAST ACTIVE", "EXPIRES", "ID")
ROWS = [
    (
        "This device: session-tui (demo) (API client: session-tui 0.1)",
        "Berlin, DE",
        "2003:e6:1f00:0:1901:1e2f:602c:1f5f",
        "Online",
        "in 2 months",
        "ses_b972xp2wzyee",
    ),
    ("iPhone 東京", "São Paulo, BR", "91.64.244.13", "3 minutes ago", "—", "ses_4bshgaf7sdy7"),
]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def table(columns: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = Terminal()
    print_table(HEADINGS, ROWS, out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("columns", [60, 80, 120, 200])
def test_rows_fit_the_terminal_and_keep_ids_and_ipv4_whole(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = table(columns, monkeypatch)
    assert len(lines) == 3
    for line in lines:
        # Below the columns' floors (headings, a whole IPv4 address) a row may be longer.
        assert cell_width(line) <= max(columns, 73), line
    assert lines[1].endswith("ses_b972xp2wzyee") and lines[2].endswith("ses_4bshgaf7sdy7")
    assert "91.64.244.13" in lines[2]
    # The two rows' ids start in the same column: cut cells are padded as wide as whole ones.
    assert cell_width(lines[1][: lines[1].index("ses_")]) == cell_width(
        lines[2][: lines[2].index("ses_")]
    )


def test_nothing_is_cut_when_it_fits_and_cuts_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = table(200, monkeypatch)
    assert ROWS[0][0] in wide[1] and ROWS[0][2] in wide[1]
    narrow = table(80, monkeypatch)
    assert "…" in narrow[1]
    ip = next(c for c in re.split(" {2,}", narrow[1]) if c.startswith("2003:"))
    assert ip.endswith(":1f5f") and "…" in ip  # an IPv6 address keeps its network and its host


def test_a_pipe_gets_every_cell_whole_between_tabs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    out = io.StringIO()
    print_table(HEADINGS, ROWS, out)
    assert out.getvalue().splitlines()[1].split("\t") == list(ROWS[0])


def test_hostile_cells_stay_one_aligned_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = Terminal()
    hostile = (
        "e\u0301te\u0301 \x1b[31mred\x1b[0m \u202eevil\nline",
        "Z\u0351\u0352\u0353a",
        "x",
        "—",
        "—",
        "ses_1",
    )
    print_table(HEADINGS, [hostile, ROWS[1]], out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "\x1b" not in out.getvalue() and "\u202e" not in out.getvalue()
    assert cell_width(lines[1][: lines[1].index("ses_")]) == cell_width(
        lines[2][: lines[2].index("ses_")]
    )


def test_cut_middle_keeps_both_ends() -> None:
    shortened = cut_middle("2003:e6:1f00:0:1901:1e2f:602c:1f5f", 20)
    assert shortened == "2003:e6:1f…602c:1f5f"
    assert cut_middle("10.0.0.1", 20) == "10.0.0.1"
    assert cut_middle("abcdef", 1) == "…"
