"""session-tui: a keyboard-driven terminal dashboard for the sign-in sessions of an account."""

__version__ = "0.1.0"
