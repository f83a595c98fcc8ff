"""The details pane's grid renders exactly what a two-column rich grid renders (segment by
segment, at many widths, for hostile and wrapping values), and keeps rows it has laid out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from session_tui.ui.widgets.details_grid import DetailsGrid, RowLines


def _as_rich_grid(heading: list[Text], rows: list[tuple[str, Text]]) -> Table:
    """What the pane drew before: the reference this module must match."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="dim", no_wrap=True, min_width=11)
    grid.add_column(ratio=1, overflow="fold")
    for label, value in rows:
        grid.add_row(label, value)
    outer = Table.grid(expand=True)
    outer.add_column(overflow="fold")
    for text in heading:
        outer.add_row(text)
    outer.add_row(grid)
    return outer


def _lines(renderable: object, width: int) -> list[list[tuple[str, str]]]:
    console = Console(width=width, color_system="truecolor", legacy_windows=False)
    rendered = console.render_lines(renderable, console.options.update_width(width))
    return [[(seg.text, str(seg.style)) for seg in line] for line in rendered]


values = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=90
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["IP", "Last active", "User agent"]), values),
        min_size=1,  # the pane always has rows: Name, Device, IP...
        max_size=5,
    ),
    values,
    st.booleans(),
    st.integers(24, 140),
)
def test_it_renders_what_the_rich_grid_renders(rows, title, stale, width) -> None:
    texts = [(label, Text(value, style="bold" if len(value) % 2 else "")) for label, value in rows]
    heading = [Text("Not live: from the last good poll.", style="bold yellow")] if stale else []
    heading.append(Text(title, no_wrap=False))
    mine = DetailsGrid(heading, tuple(texts))
    assert _lines(mine, width) == _lines(_as_rich_grid(heading, texts), width)
    assert _lines(mine, width) == _lines(mine, width)  # again, from its kept rows


def test_rows_are_laid_out_once_per_width() -> None:
    cache = RowLines()
    rows = (("User agent", Text("Mozilla/5.0 " * 12)), ("IP", Text("91.64.1.2")))
    first = _lines(DetailsGrid([Text("Title")], rows, cache), 60)
    changed = (("User agent", rows[0][1]), ("IP", Text("91.64.1.3")))
    second = _lines(DetailsGrid([Text("Title")], changed, cache), 60)
    assert first[1:-1] == second[1:-1] and first[-1] != second[-1]
    assert len(cache._lines) == 3  # the user agent once, both addresses
