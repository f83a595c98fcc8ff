"""A real PostgreSQL for the tests: Debian's `postgresql` package, `initdb` into a temporary
directory, the server on 127.0.0.1 with an ephemeral port, password authentication (so the
tests can show the password never leaks), stopped by its PID (SIGINT: a fast shutdown).

PostgreSQL refuses to run as root; under root (CI's containers) the server runs as the package's
`postgres` user through `setpriv`, which execs it, so the PID we hold is the server's own.
Each test that asks for `pg_store` gets a database of its own on the one server.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import server_process

USER = "tester"
START_TIMEOUT = 60.0


def bindir() -> Path:
    """The newest installed server's binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not found:
        raise RuntimeError(
            "The PostgreSQL tests need Debian's postgresql package "
            "(apt-get install postgresql; .ci/run installs it)."
        )
    return Path(found[-1]).parent


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    password: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _server_user_base() -> str | None:
    """Where the server's directory goes: as root, under the `postgres` user's own home, which
    it can always reach (a /tmp of mode 0700, as some containers have, it could not)."""
    if os.geteuid() != 0:
        return None
    home = Path(pwd.getpwnam("postgres").pw_dir)
    return str(home) if home.is_dir() else None


def _as_server_user(argv: list[str], home: Path) -> list[str]:
    if os.geteuid() != 0:
        return argv
    owner = pwd.getpwnam("postgres")
    os.chown(home, owner.pw_uid, owner.pw_gid)
    for child in home.iterdir():
        os.chown(child, owner.pw_uid, owner.pw_gid)
    ids = [f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]
    return ["setpriv", *ids, *argv]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # fast shutdown: open connections are ended
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            server_process.stop(proc, grace=0)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of its own (the tests' fixture, and `benchmarks/team.py`)."""
    home = Path(tempfile.mkdtemp(prefix="session-tui-pg-", dir=_server_user_base()))
    password = secrets.token_urlsafe(18)
    (home / "pwfile").write_text(password + "\n")
    (home / "data").mkdir(mode=0o700)
    (home / "socket").mkdir()
    tools = bindir()
    initdb = [
        str(tools / "initdb"),
        "-D",
        str(home / "data"),
        "-U",
        USER,
        f"--pwfile={home / 'pwfile'}",
        "--auth-host=scram-sha-256",
        "--auth-local=scram-sha-256",
        "-E",
        "UTF8",
        "--no-sync",
    ]
    done = subprocess.run(_as_server_user(initdb, home), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    port = server_process.free_port()
    argv = [
        str(tools / "postgres"),
        "-D",
        str(home / "data"),
        "-p",
        str(port),
        "-k",
        str(home / "socket"),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=300",
    ]
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(_as_server_user(argv, home), stdout=log, stderr=log)
    server = PostgresServer("127.0.0.1", port, password)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg.connect(server.url(), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "PostgreSQL did not start: " + (home / "server.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        _stop(proc)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_store(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database's URL (password included, as a user's `--store` would carry it)."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
