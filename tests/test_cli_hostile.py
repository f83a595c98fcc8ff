"""The command line against a hostile server, as a person at a terminal meets it: the installed
script under a pseudo-terminal, its output read byte for byte.

No escape byte from server data reaches the terminal, the CSV cannot start a formula, the ids
it prints are the ids `revoke` takes back, Ctrl-C at a prompt sends nothing, and proxies from
the environment never see a request.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import select
import signal
import socket
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile_rest import CURRENT, TOKEN, HostileRest
from test_commands import SCRIPT, cli

from session_tui import config, credentials, paths
from session_tui.console import FORMULA_STARTS

TERMINAL_ACTS_ON = (b"\x1b", b"\xc2\x9b", b"\x07", b"\xc2\x9d", b"\x9b")


def flags(server: HostileRest) -> tuple[list[str], dict[str, str]]:
    return ["--provider", "rest", "--url", server.url], {"SESSION_TUI_TOKEN": TOKEN}


def _controlling_tty(ignore_sigint: bool) -> Callable[[], None]:
    def setup() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pty is this process's terminal: ^C works
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return setup


def in_pty(
    argv: list[str],
    env: dict[str, str],
    *,
    answer: tuple[bytes, bytes] | None = None,
    ignore_sigint: bool = False,
    timeout: float = 60,
    tee: list[bytes] | None = None,
) -> tuple[int, bytes]:
    """Run the script on a pseudo-terminal; `answer` = (text to wait for, keys to type then);
    `tee` gets each chunk as it arrives. Returns the exit status and every byte the terminal
    received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [SCRIPT, *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "400", **env},
        preexec_fn=_controlling_tty(ignore_sigint),
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if tee is not None:
                    tee.append(chunk)
                if answer is not None and answer[0] in seen:
                    os.write(master, answer[1])
                    answer = None
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=max(1.0, deadline - time.monotonic())), seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def assert_inert(output: bytes) -> None:
    for byte in TERMINAL_ACTS_ON:
        assert byte not in output, (byte, output[:2000])


def test_list_on_a_terminal_prints_no_escape_and_ids_revoke_takes_back(
    hostile_rest: HostileRest,
) -> None:
    argv, env = flags(hostile_rest)
    code, table = in_pty(["list", *argv], env)
    assert code == 0, table
    assert_inert(table)
    lines = table.decode().replace("\r\n", "\n").splitlines()
    header = next(line for line in lines if line.startswith("DEVICE"))
    start = header.index("ID")
    printed = [line[start:].strip() for line in lines[lines.index(header) + 1 :] if line.strip()]
    assert "-rf" in printed and "+1" in printed and CURRENT in printed
    assert "My laptop" in table.decode() and "pwned" not in table.decode()  # escape gone
    code, said = in_pty(["revoke", "--yes", *argv, "--", "-rf"], env)
    assert code == 0, said
    assert_inert(said)
    assert "-rf" not in hostile_rest.sessions
    assert ("DELETE", "/v1/sessions/-rf") in [(m, p) for m, p, _ in hostile_rest.requests]


def test_json_ids_work_with_revoke_and_csv_is_inert(hostile_rest: HostileRest) -> None:
    argv, env = flags(hostile_rest)
    listed = cli("list", "--json", *argv, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "\x1b" not in listed.stdout and "\x9b" not in listed.stdout
    rows = json.loads(listed.stdout)
    ids = {row["id"] for row in rows}
    assert {"+1", "@at", "..", "=cmd|' /C calc'!A0"} <= ids
    [stand_in] = [i for i in ids if i.startswith("unsafe-")]
    assert stand_in.startswith("unsafe-control-")

    table = cli("list", "--csv", *argv, env=env)
    assert table.returncode == 0, table.stderr
    cells = list(csv.reader(io.StringIO(table.stdout)))
    for row in cells:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
            assert "\x1b" not in cell
    csv_ids = [row[1] for row in cells[1:]]
    assert "'=cmd|' /C calc'!A0" in csv_ids and "'+1" in csv_ids

    done = cli("revoke", "--yes", *argv, "--", "'=cmd|' /C calc'!A0", "@at", "..", env=env)
    assert done.returncode == 0, done.stderr
    assert not {"=cmd|' /C calc'!A0", "@at", ".."} & set(hostile_rest.sessions)
    for method, path, _body in hostile_rest.revoking():
        assert path.startswith("/v1/sessions/"), path
        if method == "DELETE":
            assert "/" not in path[len("/v1/sessions/") :] and "." not in path
    assert any(b'".."' in body for _, _, body in hostile_rest.revoking())  # in the body


def test_an_unsafe_id_is_refused_with_how_else_and_nothing_is_sent(
    hostile_rest: HostileRest,
) -> None:
    argv, env = flags(hostile_rest)
    rows = json.loads(cli("list", "--json", *argv, env=env).stdout)
    [stand_in] = [r["id"] for r in rows if r["id"].startswith("unsafe-")]
    done = cli("revoke", "--yes", *argv, stand_in, env=env)
    assert done.returncode == 4, done.stderr
    assert "control character" in done.stderr and "End it on the server itself" in done.stderr
    assert hostile_rest.revoking() == []
    everyone = cli("revoke", "--yes", "--all-others", *argv, env=env)
    assert everyone.returncode == 5, everyone.stderr  # the others ended, the unsafe one stays
    assert set(hostile_rest.sessions) == {CURRENT, "ok\x1b]0;x\x07id"}
    assert "\x1b" not in everyone.stderr + everyone.stdout


@pytest.mark.parametrize("ignore_sigint", [False, True])
def test_ctrl_c_at_the_prompt_ends_at_once_and_sends_nothing(
    hostile_rest: HostileRest, ignore_sigint: bool
) -> None:
    argv, env = flags(hostile_rest)
    code, seen = in_pty(
        ["revoke", *argv, "+1"], env, answer=(b"[y/N]", b"\x03"), ignore_sigint=ignore_sigint
    )
    assert code == 130, seen
    assert_inert(seen)
    assert b"These sessions of" in seen and b"+1" in seen
    assert hostile_rest.revoking() == []
    assert "+1" in hostile_rest.sessions


@pytest.fixture
def proxy_listener() -> Iterator[list[bytes]]:
    """A listener standing in for a proxy: it records whatever connects to it."""
    heard: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    heard.append(conn.recv(65536) or b"(connected)")
                except OSError:
                    heard.append(b"(connected)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    heard.append(f"http://127.0.0.1:{server.getsockname()[1]}".encode())  # [0]: its URL
    try:
        yield heard
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_environment_proxies_never_see_a_request(
    hostile_rest: HostileRest, proxy_listener: list[bytes]
) -> None:
    argv, env = flags(hostile_rest)
    proxy = proxy_listener[0].decode()
    proxies = {
        name: proxy
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy")
    }
    done = cli("list", "--json", *argv, env={**env, **proxies, "NO_PROXY": ""})
    assert done.returncode == 0, done.stderr
    # --proxy is for https only: a plain-http server is still reached directly.
    direct = cli("list", "--json", "--proxy", proxy, *argv, env=env)
    assert direct.returncode == 0, direct.stderr
    assert proxy_listener[1:] == []
    assert len(hostile_rest.requests) >= 2


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mode & 0o777 for p in root.rglob("*")}


def test_every_file_written_is_private(hostile_rest: HostileRest, isolated_dirs: Path) -> None:
    """Theme, credentials (what signing in stores), history, audit trail and caches: 0600 files
    in 0700 directories, even where an older version left a config file readable by others."""
    old = os.umask(0o022)
    try:
        paths.config_dir().mkdir(parents=True, mode=0o755)
        paths.config_file().write_text('[profiles.x]\nprovider = "demo"\n')
        paths.config_file().chmod(0o644)
        config.save_theme("nord")
        credentials.save(
            "k",
            credentials.StoredCredential(
                homeserver="https://hs.example", user_id="@a:hs", access_token="t"
            ),
        )
        argv, env = flags(hostile_rest)
        done = cli("revoke", "--yes", *argv, "+1", env={**env, "TERM": "dumb"})
        assert done.returncode == 0, done.stderr
    finally:
        os.umask(old)
    assert config.load_theme() == "nord"
    assert "profiles.x" in paths.config_file().read_text()
    for root in (paths.config_dir(), paths.state_dir(), paths.cache_dir()):
        assert root.stat().st_mode & 0o777 == 0o700, root
        found = _modes(root)
        for name, mode in found.items():
            expected = 0o700 if (root / name).is_dir() else 0o600
            assert mode == expected, (root, name, oct(mode))
    state = _modes(paths.state_dir())
    assert any(n.endswith(".sqlite3") for n in state) and "audit.jsonl" in state
    assert "credentials.json" in state
    assert not [n for n in _modes(paths.config_dir()) if n.endswith(".tmp")]
