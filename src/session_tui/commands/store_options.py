"""`--store` and `--profile` for the commands that read only the store (`audit`, `alerts`,
`ack`): no provider is signed in to, so they take no account options."""

from __future__ import annotations

import argparse

from session_tui import paths


def store_options(parser: argparse.ArgumentParser, what: str, *, files: bool = True) -> None:
    """`what`: what is read there ("the alerts"); `files`: whether a history file holds it
    (the audit trail of a machine is its own file, not the history's)."""
    where = "a shared store (postgresql://…) or a history file" if files else "a shared store"
    parser.add_argument(
        "--store",
        metavar="URL",
        help=f"{what} of {where}; also {paths.STORE_ENV} or a profile's store",
    )
    parser.add_argument("--profile", metavar="NAME", help="the store of this profile")
