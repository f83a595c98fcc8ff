"""`session-tui serve [--host ADDR] [--port N] [--allow-revoke] [account options]`: its own
options, the page's app command, and the run until Ctrl-C.

Every other option is the dashboard's (the command line checks them before anything listens),
and each page runs `python -m session_tui` with them, plus `--read-only` unless
`--allow-revoke`: a browser view revokes nothing unless the operator said so when starting it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from session_tui.errors import ConfigError

TOKEN_ENV = "SESSION_TUI_SERVE_TOKEN"  # a fixed token for --host (a bookmark); else a new one
MIN_TOKEN = 16
DEFAULT_PORT = 8000


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="session-tui serve",
        description="Show the dashboard in a browser: every asset is served by this command, "
        "nothing is fetched from the internet. It listens on 127.0.0.1; any other address "
        "needs --host, and then every page needs the token in the URL this prints. The "
        "browser view is read-only unless --allow-revoke is given. Every other option is "
        "the dashboard's (--provider, --profile, --admin, --watch, --store, …).",
        epilog="examples:\n  session-tui serve\n  session-tui serve --profile oncall "
        "--host 0.0.0.0 --port 8443 --tls-cert cert.pem --tls-key key.pem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--host",
        metavar="ADDR",
        help="listen on ADDR instead of 127.0.0.1 (a token is then required: "
        f"{TOKEN_ENV} sets it, else a new one is made)",
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free one"
    )
    p.add_argument(
        "--allow-revoke",
        action="store_true",
        help="let the browser revoke, sign out and rename (read-only without it)",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="serve https with this certificate (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    return p


def split(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """(serve's own options, the dashboard's)."""
    return parser().parse_known_args(list(argv))


def app_command(args: argparse.Namespace, dashboard: Sequence[str]) -> list[str]:
    """One page's dashboard process."""
    command = [sys.executable, "-m", "session_tui", *dashboard]
    return command if args.allow_revoke else [*command, "--read-only"]


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls_cert and not args.tls_key:
        return None
    if not (args.tls_cert and args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together.")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(args.tls_cert, args.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot use the TLS certificate: {exc}") from None
    return context


def _token(host: str) -> str | None:
    from session_tui.web.server import is_loopback

    if is_loopback(host):
        return None
    given = os.environ.get(TOKEN_ENV)
    if given is not None and (len(given) < MIN_TOKEN or not given.isprintable()):
        raise ConfigError(f"{TOKEN_ENV} must be at least {MIN_TOKEN} printable characters.")
    return given or secrets.token_urlsafe(24)


def _errors_file() -> Path:
    """The pages' stderr, appended to a 0600 file in the state directory."""
    from session_tui import paths

    path = paths.ensure_private_dir(paths.state_dir()) / "serve-pages.log"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, paths.FILE_MODE))
    os.chmod(path, paths.FILE_MODE)
    return path


def serve(args: argparse.Namespace, dashboard: Sequence[str], out: TextIO | None = None) -> int:
    """Listen until Ctrl-C or SIGTERM; every page's app process is stopped on the way out."""
    try:
        from session_tui.web.server import ServeOptions, WebServer
    except ImportError:
        raise ConfigError(
            "session-tui serve needs the web extra: pip install 'session-tui[web]'."
        ) from None

    out = out or sys.stdout
    host = args.host or "127.0.0.1"
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port must be between 0 and 65535.")
    options = ServeOptions(
        command=app_command(args, dashboard), host=host, port=args.port, token=_token(host)
    )
    options.tls = _tls(args)
    options.errors = _errors_file()
    server = WebServer(options)

    async def run() -> None:
        await server.start()
        mode = "revoking allowed" if args.allow_revoke else "read-only"
        print(f"session-tui serve: {server.url}  ({mode}; Ctrl-C stops)", file=out, flush=True)
        if options.token and options.tls is None:
            print(
                "session-tui serve: plain http off this machine: the token travels in clear. "
                "Use --tls-cert/--tls-key, or an SSH tunnel to 127.0.0.1.",
                file=sys.stderr,
                flush=True,
            )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await server.stop()

    try:
        asyncio.run(run())
    except OSError as exc:
        raise ConfigError(f"Cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
    return 0
