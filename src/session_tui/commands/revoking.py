"""`session-tui revoke ID...` and `session-tui revoke --all-others`: the dashboard's r and R.

A fresh listing first (the engine's poll): ids it does not show are reported, the current
session is refused (exit 4) and never sent. A terminal is asked to confirm, naming what will
end; `--yes` skips that (and a script without a terminal must say it). Matrix wants the account
password to revoke: `SESSION_TUI_PASSWORD`, else a prompt. Every attempt goes into the audit
trail, as from the dashboard.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

from session_tui import console, exit_codes
from session_tui.commands.common import (
    Run,
    command_parser,
    exit_code_of,
    one_account,
    open_run,
)
from session_tui.console import from_csv_cell, say, show
from session_tui.engine.polling import PollKind
from session_tui.engine.presentation import describe
from session_tui.engine.revocation import RevokeKind, RevokeOutcome
from session_tui.engine.state import AccountState
from session_tui.errors import ConfigError
from session_tui.model import Capability, Session
from session_tui.options import PASSWORD_ENV, Parser
from session_tui.providers.read_only import is_read_only

PASSWORD_TRIES = 3


def parser() -> Parser:
    p = command_parser(
        "revoke",
        "Revoke sessions by id (as `session-tui list` prints them), or every session but the "
        "one session-tui is signed in with. The current session is always refused.",
        [
            "session-tui revoke ses_8c2f ses_91ab",
            "session-tui revoke --all-others --yes",
            "session-tui revoke --risky   # the sessions `list --risky` prints, never this one",
            "session-tui list --json | jq -r '.[] | select(.country_code == \"RU\") | .id' "
            "| xargs session-tui revoke --yes",
            "session-tui revoke --admin --watch @bob:example.org --all-others --provider matrix "
            "--homeserver https://matrix.example.org --user @ops:example.org",
        ],
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="the sessions to revoke")
    p.add_argument("--all-others", action="store_true", help="every session but the current one")
    p.add_argument(
        "--risky",
        action="store_true",
        help="every session with a risk (as `list --risky` shows them), never the current one",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    return p


def main(
    argv: list[str],
    *,
    ask: Callable[[str], str] | None = None,
    ask_password: Callable[[str], str] | None = None,
) -> int:
    args = parser().parse_args(argv)
    if sum((bool(args.ids), args.all_others, args.risky)) != 1:
        raise ConfigError("revoke takes session ids, --all-others or --risky (one of them).")
    interactive = sys.stdin.isatty()
    if not args.yes and ask is None and not interactive:
        raise ConfigError("No terminal to confirm on: add --yes to revoke without asking.")
    # Read before signing in takes it out of the environment: revoking may need it again.
    password = os.environ.get(PASSWORD_ENV) or None
    run = open_run(args)
    try:
        return asyncio.run(
            _revoke(run, args, password, ask or console.ask, ask_password or console.ask_secret)
        )
    finally:
        run.close()


async def _revoke(
    run: Run,
    args: Any,
    password: str | None,
    ask: Callable[[str], str],
    ask_password: Callable[[str], str],
) -> int:
    account = one_account(run, "revoke")
    try:
        if is_read_only(account.provider):
            say("Read-only mode: nothing is revoked.")
            return exit_codes.REFUSED
        report, _ = await run.engine.poll_once(account)
        if report.kind is not PollKind.OK:
            say(f"{account.name}: {report.message}")
            return exit_code_of(report)
        targets, code = _targets(run, account, args, {s.id: s for s in report.sessions})
        if not targets:
            if code == exit_codes.OK:
                show(
                    "No other session has a risk: nothing to sign out."
                    if args.risky
                    else "There are no other sessions to sign out."
                )
            # Only ids the server does not list: a wrong argument, and nothing was sent.
            return code if code != exit_codes.PARTIAL else exit_codes.USAGE
        if not args.yes and not _confirmed(run, account.name, targets, ask):
            show("Nothing revoked.")
            return exit_codes.OK
        done, failed = await _attempt(run, account, targets, password, ask_password)
        if failed:
            return failed
        if done < len(targets):
            say(f"only {done} of the {len(targets)} sessions ended.")
            return exit_codes.PARTIAL
        show(f"Revoked {done} session{'s' if done != 1 else ''} of {account.name}.")
        # Some was refused (ours, an unsafe id) or not listed, the rest ended: partial.
        return exit_codes.OK if code == exit_codes.OK else exit_codes.PARTIAL
    finally:
        await run.engine.aclose()


def _targets(
    run: Run, account: AccountState, args: Any, listed: dict[str, Session]
) -> tuple[list[Session], int]:
    """What to revoke, and the exit code so far: every other session (or every risky one),
    or the ids given; the current session and ids that cannot be sent are refused aloud."""
    code = exit_codes.OK
    if args.all_others or args.risky:
        targets = [s for s in account.others() if not args.risky or account.risky(s.id)]
        for session in account.unsendable():
            if not args.risky or account.risky(session.id):
                _refuse(run, account, session)
                code = exit_codes.REFUSED
        return targets, code
    targets = []
    for sid in dict.fromkeys(_as_listed(arg, listed) for arg in args.ids):
        if sid == account.current_id:
            say(
                f"{sid} is the session session-tui is signed in with (This device); "
                "it is never revoked from here."
            )
            code = exit_codes.REFUSED
        elif sid not in listed:
            say(f"{sid}: {account.name} has no such active session.")
            code = max(code, exit_codes.PARTIAL)
        elif account.send_refusal(sid) is not None:
            _refuse(run, account, listed[sid])
            code = exit_codes.REFUSED
        else:
            targets.append(listed[sid])
    return targets, code


async def _decided_by_a_poll(
    run: Run, account: AccountState, targets: list[Session], said: str | None
) -> tuple[int, int]:
    """No answer, or fewer ended than asked: a fresh listing says what really happened."""
    say(f"{said} Listing again to see what ended.")
    report, _ = await run.engine.poll_once(account)
    if report.kind is not PollKind.OK:
        say(f"Could not tell: {report.message}")
        return 0, exit_code_of(report)
    left = [s for s in targets if s.id in account.sessions]
    for session in left:
        say(f"still signed in: {session.id}  {describe(run.enricher.view(session))}")
    ended = len(targets) - len(left)
    if not ended:
        return 0, exit_codes.SERVER
    return ended, exit_codes.OK


def _as_listed(arg: str, listed: dict[str, Session]) -> str:
    """The id an argument names: as given, or as `list --csv` printed it (a cell that would
    start a formula there carries a leading `'`)."""
    if arg in listed:
        return arg
    return from_csv_cell(arg)


def _refuse(run: Run, account: AccountState, session: Session) -> None:
    """Say why a session is not sent, and how else it can be ended."""
    reason = account.send_refusal(session.id) or ""
    how = getattr(account.provider, "how_else", "")
    say(
        f"{session.id} ({describe(run.enricher.view(session))}) is not revoked: {reason}, so "
        f"session-tui cannot name it to the server safely. {how}".rstrip()
    )


def _confirmed(run: Run, name: str, targets: list[Session], ask: Callable[[str], str]) -> bool:
    show(f"These sessions of {name} will be signed out:")
    for session in targets:
        show(f"  {session.id}  {describe(run.enricher.view(session))}")
    count = len(targets)
    answer = ask(f"Revoke {count} session{'s' if count != 1 else ''}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


async def _attempt(
    run: Run,
    account: AccountState,
    targets: list[Session],
    password: str | None,
    ask_password: Callable[[str], str],
) -> tuple[int, int]:
    """(how many ended, 0) or (0, the exit code of the failure); every attempt is audited."""
    kind = RevokeKind.ONE if len(targets) == 1 else RevokeKind.OTHERS
    needs_password = Capability.REAUTH_TO_REVOKE in account.provider.capabilities
    tries = 1 if password else PASSWORD_TRIES
    for attempt_number in range(1, tries + 1):
        if needs_password and password is None:
            password = ask_password(f"Password for {account.name} (to revoke): ")
        attempt = await run.engine.revoke(account, kind, targets, password)  # audited
        if attempt.outcome is RevokeOutcome.DONE:
            return attempt.revoked, exit_codes.OK
        if attempt.outcome is RevokeOutcome.ALREADY_GONE:
            show(f"{targets[0].id} had already ended; nothing left to revoke.")
            return 1, exit_codes.OK
        if attempt.outcome in (RevokeOutcome.PARTIAL, RevokeOutcome.UNKNOWN):
            return await _decided_by_a_poll(run, account, targets, attempt.error)
        if attempt.outcome is RevokeOutcome.WRONG_PASSWORD:
            say("Wrong password.")
            password = None
            if attempt_number < tries:
                continue
            return 0, exit_codes.AUTH
        say(f"Could not revoke: {attempt.error}")
        if attempt.outcome is RevokeOutcome.REFUSED:
            return 0, exit_codes.REFUSED
        return 0, exit_codes.AUTH if attempt.signed_out is not None else exit_codes.SERVER
    return 0, exit_codes.AUTH
