"""Saving a picture of the screen (the palette's "Screenshot"): where, and said plainly.

Textual's own command writes to ~/Downloads, which many machines (servers over SSH) do not
have, and reports with markup. Here the picture goes to a directory that exists: the user's
pictures folder when there is one, else `screenshots/` in session-tui's state directory. It
shows sessions (places, addresses), so the file is private (0600), like the rest of our state.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import platformdirs

from session_tui import paths


def screenshot_dir() -> Path:
    """The pictures folder if it exists, else the state directory's `screenshots/`."""
    pictures = platformdirs.user_pictures_path()
    if pictures.is_dir() and os.access(pictures, os.W_OK):
        return pictures
    return paths.ensure_private_dir(paths.state_dir() / "screenshots")


def save_svg(svg: str, when: datetime, directory: Path | None = None) -> Path:
    """Write the picture as `session-tui-YYYYMMDD-HHMMSS.svg` (a number added if taken)."""
    folder = directory or screenshot_dir()
    stem = f"session-tui-{when:%Y%m%d-%H%M%S}"
    for attempt in range(100):
        target = folder / (f"{stem}.svg" if attempt == 0 else f"{stem}-{attempt}.svg")
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, paths.FILE_MODE)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(svg)
        return target
    raise FileExistsError(f"{folder / stem}.svg and 99 more exist")
