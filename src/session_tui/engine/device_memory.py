"""What earlier runs learned about user agents, kept in a small file so start-up skips ua-parser.

Describing a new user agent makes ua-parser walk and compile hundreds of regexes; on a fresh
start that was a third of the time to the first painted row, for the same handful of browsers
as last time. So the descriptions (`DeviceInfo`, already sanitised) are kept in `devices.json`
in the cache directory (`paths.cache_dir`: the demo's state directory lasts one run), at most
`device.MAX_REMEMBERED` of them, the newest kept. The file is a cache: missing, unreadable,
made by another version of the rules or of ua-parser's regexes, or malformed in any way, it is
ignored and parsing happens as before. Its contents are checked and made plain again on
reading, like anything from outside.

Both front ends use it: `prepare` before the first poll, `save_soon` after a poll that learned
something (on a thread), `save` when a command ends.
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from session_tui import __version__, paths
from session_tui.enrich import device
from session_tui.enrich.device import DeviceInfo, DeviceType
from session_tui.providers import http

FILE_NAME = "devices.json"
MAX_FILE_BYTES = 1024 * 1024  # MAX_REMEMBERED descriptions fit in far less
_TYPES = {t.value: t for t in DeviceType}
_FIELD_MAX = 64  # what parse_device ever makes is shorter (device._FIELD_LEN)
_LABEL_MAX = 160
_saving = threading.Lock()
SAVE_EVERY = 30.0  # seconds between saves while running (save_soon)
_last_save = -SAVE_EVERY  # the first thing learned is saved at once


def memory_file() -> Path:
    return paths.cache_dir() / FILE_NAME


def _stamp() -> str:
    """Which rules made the descriptions: ours (the source of `device.py`, so a changed rule
    never serves an old answer) and ua-parser's regexes (their installed files)."""
    parts = [__version__]
    source = Path(device.__file__)
    try:
        parts.append(f"{zlib.crc32(source.read_bytes()):08x}")
    except OSError:
        parts.append("?")
    for name in ("ua_parser", "ua_parser_builtins"):
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            parts.append(str(os.stat(origin).st_mtime_ns) if origin else "-")
        except OSError:
            parts.append("?")
    return "/".join(parts)


def _info(item: Any) -> tuple[str, DeviceInfo] | None:
    """One entry, if it is exactly what `save` writes: printable text (no escape or control
    character) of bounded length and a known device type. A start may read 2,000 of these:
    checked, not cleaned (`plain` on every field cost 25 ms)."""
    if not (isinstance(item, list) and len(item) == 5):
        return None
    ua, browser, os_text, kind, label = item
    fields = (ua, browser, os_text, label)
    if not all(isinstance(x, str) and x.isprintable() for x in fields):
        return None
    device_type = _TYPES.get(kind) if isinstance(kind, str) else None
    if device_type is None or not ua or len(ua) > device.MAX_UA_LEN:
        return None
    if len(browser) > _FIELD_MAX or len(os_text) > _FIELD_MAX or len(label) > _LABEL_MAX:
        return None
    return ua, DeviceInfo(browser or None, os_text or None, device_type, label)


def _read(path: Path) -> dict[str, DeviceInfo]:
    """The file's descriptions, if it is one of ours made by these same rules."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("stamp") != _stamp():
        return {}
    items = data.get("devices")
    if not isinstance(items, list):
        return {}
    return dict(filter(None, (_info(item) for item in items[-device.MAX_REMEMBERED :])))


def load(path: Path | None = None) -> int:
    """Take the descriptions of earlier runs as known; how many (0 when there are none)."""
    found = _read(path or memory_file())
    device.remember(found)
    return len(found)


def prepare() -> None:
    """Before the first poll: the descriptions of earlier runs, or, with none, the parser
    built on a thread while the first request is in flight; and, should an answer turn out
    large, the parser a large listing needs built while the rest of it arrives."""
    http.LIMITS.large_answer = device.build_large_in_background
    if not load():
        device.build_in_background()


def save(path: Path | None = None) -> bool:
    """Add what this run learned to the file (the newest kept); False when nothing was new or
    the file could not be written (a cache: the app goes on without it)."""
    with _saving:
        new = device.learned()
        if not new:
            return False
        path = path or memory_file()
        kept = _read(path)  # another instance may have added some since this one loaded
        for ua in new:
            kept.pop(ua, None)
        kept.update(new)
        rows = [
            [ua, i.browser or "", i.os or "", i.device_type.value, i.label]
            for ua, i in list(kept.items())[-device.MAX_REMEMBERED :]
        ]
        text = json.dumps({"stamp": _stamp(), "devices": rows}, ensure_ascii=False)
        try:
            paths.write_private(path, text)
        except OSError:
            return False
        _sweep(path)
        device.forget_learned(new)
        return True


def _sweep(path: Path) -> None:
    """Scratch files of runs killed halfway through a save (older than a minute)."""
    cutoff = time.time() - 60
    for stale in path.parent.glob(f".{path.name}.*"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except OSError:
            pass


def save_soon() -> None:
    """`save` on a thread when this run learned something, at most once per `SAVE_EVERY`:
    on call, a thousand accounts' first polls each learn a few devices, and rewriting the file
    for each was a tenth of a core. What waits is written by a later call or at the end."""
    global _last_save
    now = time.monotonic()
    if not device.has_learned() or _saving.locked() or now - _last_save < SAVE_EVERY:
        return
    _last_save = now
    threading.Thread(target=save, name="device-memory", daemon=True).start()
