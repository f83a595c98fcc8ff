"""What every real server the tests start needs: a free port on 127.0.0.1, and a stop by PID.

Servers are stopped through their own Popen handle (SIGTERM, then SIGKILL), never by name.
"""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 10.0) -> None:
    """End our own server process: SIGTERM, and SIGKILL if it has not gone after `grace`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
