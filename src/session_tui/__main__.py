"""Allows `python -m session_tui`, the same as the `session-tui` console script."""

from session_tui.cli import main

raise SystemExit(main())
