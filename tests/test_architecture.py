"""The shape of the code, checked: the layers (import-linter's contracts in pyproject.toml), no
import circles (TYPE_CHECKING ones included), no Textual or rich below the front ends, and no
file over 400 lines or function over 60 without a reason written where it is."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

import session_tui

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(session_tui.__file__).resolve().parent
MAX_FILE = 400
MAX_FUNCTION = 60
LONG_FILE = "# long-file:"  # followed by why, anywhere in the file
LONG_FUNCTION = "# long-function:"  # followed by why, on the line above the def


def test_the_layers_hold(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # the contracts live in pyproject.toml
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_circles_not_even_for_type_checking() -> None:
    graph = grimp.build_graph("session_tui", exclude_type_checking_imports=False)
    assert _cycles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.y", imported="a.z")
    assert _cycles(graph) == [["a.x", "a.y"]]


def _too_long() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        name = path.relative_to(PACKAGE.parent)
        if len(lines) > MAX_FILE and LONG_FILE not in source:
            found.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            above = lines[first - 2] if first >= 2 else ""
            if length > MAX_FUNCTION and LONG_FUNCTION not in above:
                found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_file_over_400_lines_or_function_over_60_without_a_reason() -> None:
    assert _too_long() == []
