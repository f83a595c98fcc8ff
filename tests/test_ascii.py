"""--ascii (and terminals without Unicode): the same information in ASCII characters only."""

from __future__ import annotations

import re

import pytest
from ui_support import SIZE, demo_app, settle, svg_characters

from session_tui.demo import DemoService
from session_tui.ui.glyphs import wants_ascii

BOX_DRAWING = re.compile("[\u2500-\u257f\u2580-\u259f]")
FLAGS = re.compile("[\U0001f1e6-\U0001f1ff]")


def screen_text(app) -> str:
    """What the terminal would show, as text (the SVG export's characters)."""
    return app.export_screenshot()


async def test_ascii_mode_draws_no_flags_no_box_drawing_and_keeps_the_places(
    demo_service: DemoService,
) -> None:
    app = demo_app(demo_service, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        svg = screen_text(app)
        await pilot.press("R")  # a dialog and its buttons too
        await pilot.pause(0.3)
        svg += screen_text(app)
        await pilot.press("n")
        table = app.main.table
        cells = [table.cell_text(sid, "location") for sid in table.visible_ids]
        online = [table.cell_text(sid, "last_active") for sid in table.visible_ids]
    assert not FLAGS.search(svg) and not BOX_DRAWING.search(svg)
    assert "●" not in svg and "—" not in svg
    shown = svg_characters(svg)
    assert shown.isascii(), sorted({c for c in shown if not c.isascii()})
    assert "Sao Paulo" in shown  # transliterated, not dropped
    assert "~" in shown and "…" not in shown  # every cut says so, in ASCII
    assert any("Berlin, DE" in c for c in cells)  # the country is still there, in letters
    assert any(c.startswith("* Online") for c in online)


async def test_the_default_mode_keeps_flags_and_borders(demo_service: DemoService) -> None:
    app = demo_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        svg = screen_text(app)
    assert BOX_DRAWING.search(svg) and "●" in svg


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM": "linux", "LANG": "en_US.UTF-8"}, True),
        ({"TERM": "xterm-256color", "LANG": "C"}, True),
        ({"TERM": "xterm-256color", "LC_ALL": "de_DE.ISO-8859-1"}, True),
        ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, False),
        ({"TERM": "screen", "LC_ALL": "C.utf8"}, False),
    ],
)
def test_ascii_is_automatic_where_unicode_would_not_show(
    env: dict[str, str], expected: bool
) -> None:
    assert wants_ascii(env) is expected
