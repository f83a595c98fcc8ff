"""Find the `.tcss` stylesheets, wherever the package was installed from.

The stylesheets live in the repository's top-level `styles/` so designers can edit them without
touching Python; a wheel carries them as `session_tui/styles` (see pyproject.toml). An editable
install or a source checkout has no such package directory, so we fall back to the repository.
"""

from __future__ import annotations

from pathlib import Path

import session_tui

# Order matters: later sheets may refine rules of earlier ones.
STYLESHEETS: tuple[str, ...] = (
    "app.tcss",
    "table.tcss",
    "dialogs.tcss",
    "panes.tcss",
    "ascii.tcss",
)


def styles_dir() -> Path:
    """The directory holding the stylesheets: the packaged copy first, else the repository's."""
    package_dir = Path(session_tui.__file__).resolve().parent
    candidates = (package_dir / "styles", package_dir.parent.parent / "styles")
    for candidate in candidates:
        if (candidate / STYLESHEETS[0]).is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"session-tui stylesheets not found (looked in {searched})")


def stylesheet_paths() -> list[Path]:
    """Absolute paths of every stylesheet, in the order the app loads them."""
    base = styles_dir()
    return [base / name for name in STYLESHEETS]
