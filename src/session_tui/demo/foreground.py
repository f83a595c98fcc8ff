"""`session-tui --demo-server`: the demo service alone, in the foreground, until Ctrl+C."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from session_tui.console import interruptible
from session_tui.demo.server import DemoService


def run_foreground(
    *,
    seed: int | None = None,
    port: int = 0,
    live: bool = True,
    token: str | None = None,
    out: TextIO | None = None,
    sessions: int | None = None,
    reset: bool = False,
) -> int:
    """`session-tui --demo-server`: serve the demo until Ctrl+C; the exit status. The kept
    demo account (`demo.saved`, as every run shares it), or a run-only one of `sessions`."""
    from session_tui.demo import saved

    out = out or sys.stdout
    if reset:
        saved.reset()
    kept = saved.SavedAccount() if sessions is None and seed is None else None
    service = DemoService(
        seed=seed, live=live, token=token, port=port, sessions=sessions, saved=kept
    )
    service.start()
    try:
        print(f"session-tui demo service on {service.url}", file=out)
        print(f"token: {service.token}", file=out)
        print("try:", file=out)
        print(
            f"  curl -H 'Authorization: Bearer {service.token}' {service.url}/v1/sessions",
            file=out,
        )
        print(
            f"  SESSION_TUI_TOKEN=<the token> session-tui --provider rest --url {service.url}",
            file=out,
        )
        print("Ctrl+C stops it.", file=out, flush=True)
        with interruptible():  # even when started with SIGINT ignored (a background job)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped.", file=out)
    finally:
        service.stop()
    return 0
