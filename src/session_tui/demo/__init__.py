"""The embedded demo service: our REST contract over real HTTP on 127.0.0.1 (standard library).

`DemoService` runs it in a daemon thread; `run_foreground` is `session-tui --demo-server`.
"""

from session_tui.demo.clock import ManualClock
from session_tui.demo.foreground import run_foreground
from session_tui.demo.server import DemoService
from session_tui.demo.state import DemoEnded, DemoSession, DemoState

__all__ = [
    "DemoEnded",
    "DemoService",
    "DemoSession",
    "DemoState",
    "ManualClock",
    "run_foreground",
]
