"""What the main screen's keys do to sessions: revoke one, sign out many, rename, and the
dialog that signs in again. A mixin of `MainScreen`, kept apart so each module stays readable;
like the screen it asks the app to act and never calls a provider itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import islice
from typing import TYPE_CHECKING, Any

from rich.text import Text

from session_tui.engine.revocation import RevokeAttempt, RevokeKind, RevokeOutcome
from session_tui.engine.state import AccountState, Connection
from session_tui.enrich import SessionView
from session_tui.enrich.text import plain
from session_tui.model import Capability, Session
from session_tui.ui import cells, glyphs
from session_tui.ui.screens.confirm import ConfirmDialog, Question
from session_tui.ui.screens.rename import RenameDialog

if TYPE_CHECKING:
    from textual.screen import Screen

    from session_tui.ui.dashboard import Dashboard
    from session_tui.ui.widgets.sessions_table import SessionsTable

MAX_LISTED = 40  # sessions named one by one in the revoke-all dialog (it scrolls)
MAX_NAMED = 8  # sessions named in a notification


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class SessionActions:
    """r, R, e and their dialogs; `MainScreen` provides the attributes used below."""

    if TYPE_CHECKING:

        @property
        def tui(self) -> Dashboard: ...
        @property
        def account(self) -> AccountState: ...
        @property
        def multi(self) -> bool: ...
        @property
        def table(self) -> SessionsTable: ...

        def notify(self, message: str, **kwargs: object) -> None: ...
        def push_dialog(self, dialog: Screen[Any], done: Callable[[Any], None]) -> None: ...
        def _show_account(self, reset: bool = False) -> None: ...

    def _selected_view(self) -> SessionView | None:
        return self.table.view_of(self.table.selected_id)

    def _account_suffix(self) -> str:
        return f" of {plain(self.account.name, 80)}" if self.multi else ""

    def _unreachable(self, account: AccountState) -> bool:
        """While polls fail (or none has succeeded yet) nothing is sent: say why, and when it
        will work again, instead of asking for a password or confirming into an error."""
        failing = account.connection in (Connection.ERROR, Connection.RATE_LIMITED)
        never = account.updated_at is None and account.connection is not Connection.SIGNED_OUT
        if not (failing or never):
            return False
        if account.preview and not failing:
            self.notify(
                f"The {account.preview_of:,} sessions are still being read; revoking works "
                "once they are all in, in a moment.",
                title="Not sent",
                severity="warning",
            )
            return True
        why = "asked to wait" if account.connection is Connection.RATE_LIMITED else "not answering"
        self.notify(
            f"The server is {why}, so nothing can be sent to it now; the rows are the last good "
            "data. Revoking works again once a poll gets through (ctrl+r tries now).",
            title="Not sent",
            severity="warning",
        )
        return True

    def action_revoke(self) -> None:
        account = self.account
        if self._unreachable(account):
            return
        view = self._selected_view()
        if view is None:
            self.notify("No session selected.", severity="warning")
            return
        session = view.session
        if session.is_current or session.id == account.current_id:
            self.notify(
                "This is the session session-tui is signed in with (This device); it cannot "
                "be revoked from here. Revoke it from another device, or end it where you "
                "signed in.",
                title="Not revoked",
                severity="warning",
            )
            return
        refusal = account.send_refusal(session.id)
        if refusal is not None:
            how = getattr(account.provider, "how_else", "")
            self.notify(
                f"Nothing was sent: {refusal}, so session-tui cannot name it to the server "
                f"safely. {how}".rstrip(),
                title="Not revoked",
                severity="warning",
            )
            return
        question = Text(f"Revoke {cells.describe(view)}{self._account_suffix()}?")
        note = Text("That device will be signed out at once.", style="dim")

        async def action(password: str | None) -> RevokeAttempt:
            return await self.tui.revoke_one(account, session, password)

        self._ask_to_revoke(
            account,
            action,
            title="Revoke session",
            question=question,
            note=note,
            confirm_label="Revoke",
            dialog_id="confirm-revoke",
        )

    def _scope(self) -> tuple[list[Session], str | None]:
        """What `R` signs out: the marked rows, else the rows the filter shows, else every
        other session; and the words for a narrowed scope (None: all others)."""
        account = self.account
        current = account.current_id
        table = self.table
        sendable = {s.id for s in account.others()}  # never ours, never an unsafe id
        if table.marked:
            chosen = [s for sid, s in account.sessions.items() if sid in table.marked]
            return [s for s in chosen if s.id in sendable and s.id != current], "selected"
        if table.filtering:
            shown = [v.session for v in table.shown_views]
            return [s for s in shown if s.id in sendable and s.id != current], "shown"
        return account.others(), None

    def action_revoke_others(self) -> None:
        account = self.account
        if self._unreachable(account):
            return
        others, scope = self._scope()
        if not others:
            if scope == "shown":
                message = "The filter shows no other session to sign out."
            elif account.current_id:
                message = "There are no other sessions to sign out."
            else:
                message = f"{account.name} has no sessions to sign out."
            self.notify(message)
            return
        count = len(others)
        suffix = self._account_suffix()
        if scope is not None:
            these = "this session" if count == 1 else f"these {count} sessions"
            question = Text(f"Sign out {these}{suffix}?")
            hidden = len(account.others()) - count
            note = Text(
                f"Only the {scope} ones"
                + (f"; {_plural(hidden, 'other session')} stay signed in" if hidden else "")
                + ", and your current session too."
            )
        elif account.current_id is None:
            question = Text(f"Sign out all {_plural(count, 'session')}{suffix}?")
            note = None
        else:
            question = Text(f"Sign out {_plural(count, 'other session')}{suffix}?")
            note = Text("Your current session stays signed in.")
        unsafe = len(account.unsendable())
        if unsafe:
            stays = Text(
                f"{_plural(unsafe, 'session')} with an id that cannot be sent safely "
                f"{'stays' if unsafe == 1 else 'stay'} signed in (r on it says how to end it).",
                style="bold yellow",
            )
            note = stays if note is None else Text("\n").join([note, stays])
        bullet = glyphs.current().bullet
        views = self._in_table_order(others)
        lines = [Text(f"{bullet} {cells.describe(v)}") for v in views[:MAX_LISTED]]
        if count > MAX_LISTED:
            lines.append(Text(f"  and {count - MAX_LISTED:,} more", style="dim"))

        async def action(password: str | None) -> RevokeAttempt:
            return await self.tui.revoke_others(account, others, password)

        self._ask_to_revoke(
            account,
            action,
            title="Sign out other sessions" if account.current_id else "Sign out sessions",
            question=question,
            lines=lines,
            note=note,
            confirm_label="Sign out",
            dialog_id="confirm-revoke-all",
        )

    def _in_table_order(self, sessions: list[Session]) -> list[SessionView]:
        """The first MAX_LISTED of `sessions` as the table lists them (so the dialog reads as
        the screen does), those it does not show (filtered out, marked) after them."""
        wanted = {s.id for s in sessions}
        views = [v for v in self.table.shown_views if v.session.id in wanted][:MAX_LISTED]
        if len(views) < min(len(sessions), MAX_LISTED):
            shown = {v.session.id for v in views}
            rest = (s for s in sessions if s.id not in shown)
            views += [self.tui.enricher.view(s) for s in islice(rest, MAX_LISTED - len(views))]
        return views

    def _ask_to_revoke(
        self,
        account: AccountState,
        action: Callable[[str | None], Awaitable[RevokeAttempt]],
        *,
        dialog_id: str,
        **dialog: Any,
    ) -> None:
        """The confirm dialog of a revocation: the password when the server wants one, and
        the outcome to `_revoked`."""
        ask = Question(action=action, password_for=self._password_for(account), **dialog)
        self.push_dialog(self._kept_dialog(ask, id=dialog_id), self._revoked)

    def _kept_dialog(self, ask: Question[Any], *, id: str) -> Screen[Any]:
        """The confirm dialog `id`, composed once and kept (`kept_screen`): opening a kept
        one is ~15 ms, composing and styling a new one ~85 (R at 10,000 sessions)."""
        kept = self.tui.kept_screen(id, lambda: ConfirmDialog(ask, id=id))
        if isinstance(kept, ConfirmDialog):
            kept.refill(ask)
        return kept

    def _password_for(self, account: AccountState) -> str | None:
        if account.can(Capability.REAUTH_TO_REVOKE):
            return plain(account.name, 80) or "your account"
        return None

    def _revoked(self, attempt: RevokeAttempt | None) -> None:
        if attempt is None:
            return  # cancelled: nothing changes
        sessions = attempt.sessions
        one = attempt.kind is RevokeKind.ONE
        what = (
            cells.describe(self.tui.enricher.view(sessions[0]))
            if one
            else _plural(len(sessions), "session")
        )
        suffix = f" ({plain(attempt.account, 80)})" if self.multi else ""
        outcome = attempt.outcome
        if outcome is RevokeOutcome.DONE:
            message = (
                f"Revoked {what}." if one else f"Signed out {_plural(attempt.revoked, 'session')}."
            )
            self.notify(message + suffix, title="Done")
        elif outcome is RevokeOutcome.ALREADY_GONE:
            self.notify(
                f"{what} had already ended; nothing left to revoke.{suffix}", title="Already gone"
            )
        elif outcome is RevokeOutcome.PARTIAL:
            names = self._names(attempt.remaining)
            left = f" Still signed in: {names}." if names else " The next poll shows which remain."
            self.notify(
                f"{attempt.error}{left}{suffix}",
                title="Partly done",
                severity="warning",
                timeout=15,
            )
        elif outcome is RevokeOutcome.UNKNOWN:
            self.notify(
                f"{attempt.error}{suffix}", title="Not confirmed", severity="warning", timeout=15
            )
        else:
            self.notify(
                f"Could not revoke {what}: {attempt.error}{suffix}",
                title="Failed",
                severity="error",
            )
        self._show_account()

    def _names(self, session_ids: tuple[str, ...]) -> str:
        listed = self.account.sessions
        shown = [
            cells.describe(self.tui.enricher.view(listed[sid]))
            for sid in session_ids[:MAX_NAMED]
            if sid in listed
        ]
        more = len(session_ids) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 and shown else "")

    def action_trust(self) -> None:
        """t: "this was me" for the selected session: its risk clears, its device and network
        are the account's from now on (kept in the history, written to the audit trail)."""
        account, view = self.account, self._selected_view()
        if view is None or not view.risk.reasons:
            self.notify("This session has no risk to clear.", title="This was me")
            return
        sid, words = view.session.id, cells.describe(view)

        async def trust() -> None:
            try:
                await self.tui.engine.trust(account, [sid], undo=False)
            except Exception as exc:  # the history or the audit trail could not be written
                reason = plain(str(exc), 200) or type(exc).__name__
                self.notify(f"Not kept: {reason}", title="This was me", severity="error")
                return
            self.notify(
                f"{words}: marked as you; its device and network are this account's now. "
                f"session-tui trust --undo {plain(sid, 80)} takes it back.",
                title="This was me",
            )

        self.tui.run_worker(trust(), group="trust", exit_on_error=False)

    def action_read_only(self) -> None:
        self.notify(
            "Read-only mode: nothing can be revoked, signed out or renamed from here.",
            title="Read-only",
            severity="warning",
        )

    def action_rename_unavailable(self) -> None:
        kind = plain(self.account.provider.kind, 40)
        self.notify(
            f"Sessions cannot be renamed here: the {kind} API has no way to name a session.",
            title="Rename",
            severity="warning",
        )

    def action_rename(self) -> None:
        account = self.account
        if not account.can(Capability.RENAME) or self._unreachable(account):
            return
        view = self._selected_view()
        if view is None:
            self.notify("No session selected.", severity="warning")
            return
        sid = view.session.id

        async def action(name: str) -> None:
            await self.tui.rename(account, sid, name)

        def done(name: str | None) -> None:
            if name is not None:
                self.notify(f"Renamed to {plain(name, 80)}.")

        self.push_dialog(
            RenameDialog(
                describe=Text(cells.describe(view)),
                current=view.name,
                action=action,
            ),
            done,
        )

    def sign_in_dialog(
        self,
        account: AccountState,
        sign_in: Callable[[AccountState, str | None], Awaitable[bool]],
    ) -> ConfirmDialog[bool]:
        """The dialog the app shows when our own credential stopped working."""
        provider = account.provider
        where = f" on {plain(provider.server, 80)}" if provider.server else ""

        async def action(password: str | None) -> bool:
            return await sign_in(account, password)

        if account.signed_out_elsewhere:
            title = "Signed out elsewhere"
            question = Text(
                f"This session of {plain(account.name, 80)}{where} was signed out elsewhere: "
                "its access token no longer works."
            )
        else:  # alive but refused (Better Auth's "not fresh"): the provider's own words
            title = "Sign in again"
            question = Text(plain(account.error or "The server wants a new sign-in.", 400))
        ask = Question(
            title=title,
            question=question,
            note=Text("Sign in again with your password, or cancel to stop polling."),
            confirm_label="Sign in",
            action=action,
            password_for=plain(account.name, 80) or "your account",
            danger=False,
        )
        return ConfirmDialog(ask, id="sign-in")
