"""plain(): untrusted text becomes one harmless line; markup stays literal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from session_tui.enrich.text import plain


def test_none_and_empty_are_empty() -> None:
    assert plain(None) == ""
    assert plain("") == ""
    assert plain(" \n\t ") == ""


def test_rich_markup_is_kept_literally() -> None:
    out = plain("[bold red]x[/]")
    assert out == "[bold red]x[/]"
    # and shown through Text it is not styled: the brackets are on screen
    assert Text(out).plain == "[bold red]x[/]"
    assert Text(out).spans == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;2;255;0;0mtrue colour\x1b[m", "true colour"),
        ("\x9b31mC1 CSI", "C1 CSI"),
        ("\x1b]0;evil title\x07after", "after"),
        ("\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", "click me"),
        ("\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "click"),
        ("\x1bPdevice control\x1b\\ok", "ok"),
        ("before\x1b]unterminated osc swallows the rest", "before"),
        ("lone escape at end\x1b", "lone escape at end"),
        ("\x1bc reset", "reset"),
    ],
)
def test_escape_sequences_are_removed(raw: str, expected: str) -> None:
    assert plain(raw) == expected


def test_newlines_and_tabs_become_single_spaces() -> None:
    assert plain("line one\nline two\r\n\tthree") == "line one line two three"
    assert plain("a\u2028b\u2029c\x85d") == "a b c d"


def test_nul_and_other_controls_are_dropped() -> None:
    assert plain("nu\x00ll\x07\x08\x7f\x9f!") == "null!"
    assert plain("\x9dosc 8-bit\x9c visible") == "visible"


def test_bidi_overrides_and_zero_width_characters_are_dropped() -> None:
    # "admin" spelled so that it renders as something else without the stripping
    assert plain("abc\u202edcba\u202c") == "abcdcba"
    assert plain("ad\u200bmi\u200dn\ufeff\u2066x\u2069") == "adminx"


def test_combining_mark_pileups_are_capped() -> None:
    out = plain("Z" + "\u0336" * 50 + "algo")
    assert out == "Z\u0336\u0336algo"


def test_lone_surrogates_are_dropped() -> None:
    assert plain("ok\ud800!") == "ok!"


def test_non_latin_text_and_emoji_survive() -> None:
    assert plain("Ünïcödé 東京 🇩🇪 ok") == "Ünïcödé 東京 🇩🇪 ok"


def test_two_kilobytes_are_truncated_with_an_ellipsis() -> None:
    out = plain("A" * 2048)
    assert len(out) == 256
    assert out.endswith("…")
    assert plain("A" * 2048, max_len=10) == "AAAAAAAAA…"
    assert plain("exactly10!", max_len=10) == "exactly10!"


def test_hostile_mix() -> None:
    raw = "[link=https://x]\x1b[5mBLINK\x1b[0m[/link]\n" + "\x1b]8;;x\x07" * 100 + "é" * 3000
    out = plain(raw)
    assert "\x1b" not in out and "\n" not in out and "\x07" not in out
    assert out.startswith("[link=https://x]BLINK[/link] ")
    assert len(out) == 256


def test_every_output_character_is_printable() -> None:
    raw = "".join(chr(c) for c in range(0x00, 0x250)) + "\u200e\u200f\u061c\u2060"
    out = plain(raw, max_len=10_000)
    assert all(ch.isprintable() for ch in out)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_printable_ascii_has_its_spaces_collapsed_and_nothing_else_changed(value: str) -> None:
    assert plain(value, 100) == " ".join(value.split())
