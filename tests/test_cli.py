"""The command line as a script would use it: exit codes and messages, retention end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_config import write_config

from session_tui.cli import build_parser, main
from session_tui.connect import resolve_choices
from session_tui.ui.app import AppOptions, SessionTuiApp


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--interval", "0"], "--interval must be a positive number"),
        (["--online-window", "-5"], "--online-window must be a positive number"),
        (["--retention-days", "0"], "--retention-days must be a positive number"),
        (["--interval", "nan"], "--interval must be a positive number"),
        (["--interval", "0.1"], "--interval must be between 0.5 and"),
        (["--online-window", "inf"], "--online-window must be a positive number"),
        (["--retention-days", "1e12"], "--retention-days must be between"),
        (["--provider", "rest"], "needs --url"),
        (["--provider", "matrix", "--watch", "@bob:example.org"], "--watch is for on-call"),
        (
            ["--provider", "matrix", "--homeserver", "http://matrix.example.org", "--user", "@a:b"],
            "Refusing plain http",
        ),
    ],
)
def test_bad_choices_exit_1_usage_with_a_sentence(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("session-tui: ") and words in err


def test_retention_comes_from_the_profile_unless_the_flag_says_otherwise() -> None:
    write_config('[profiles.p]\nprovider = "demo"\nretention_days = 30\n')
    assert resolve_choices(build_parser().parse_args(["--profile", "p"])).retention_days == 30
    flagged = build_parser().parse_args(["--profile", "p", "--retention-days", "7"])
    assert resolve_choices(flagged).retention_days == 7


def test_the_history_store_keeps_what_the_options_say(demo_provider) -> None:
    app = SessionTuiApp([demo_provider], AppOptions(retention=timedelta(days=7)))
    assert app.engine.recorder.service.retention == timedelta(days=7)
