"""What session-tui remembers per account: poll diffs, sign-in alerts, history, the audit log.

- `tracker.Tracker`: the per-account entry point (observe each poll, mark revocations, read
  history and events); `store` is its SQLite file, `diff` and `alerts` the pure logic.
- `audit`: the JSON Lines log of every revocation attempt, and `session-tui audit`.
- `hooks`: runs the `--on-alert` command.

No module here imports Textual; the UI calls in, off its own thread for anything touching SQLite.
"""
