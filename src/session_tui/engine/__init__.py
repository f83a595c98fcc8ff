"""The engine: polling, revoking and the account state, with no Textual in it.

Both front ends are views of it: the dashboard (`session_tui.ui`) and the command line
(`session_tui.commands`). `polling.poll` lists one account and keeps its `state.AccountState`
true; `revocation.revoke` revokes and returns the `RevokeAttempt` the audit trail records;
`recording.Recorder` writes polls and attempts into the history and the audit trail.
"""
