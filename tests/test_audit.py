"""The audit log: 0600, no secrets, and `session-tui audit` output."""

from __future__ import annotations

import getpass
import json
import os
import socket
import stat
from datetime import timedelta

import jsonschema
import pytest
from test_commands import schema
from test_tracking_support import CHROME_WINDOWS, IP_DE, T0, session

from session_tui import paths
from session_tui.cli import main
from session_tui.errors import WrongPassword
from session_tui.model import Session
from session_tui.tracking.audit import (
    AuditAction,
    append,
    default_operator,
    device_summary,
    log_revocation,
    make_record,
)

TOKEN = "syt_YWxpY2U_secretTokenValue_1a2b3c"
PASSWORD = "correct horse battery staple"


def _log_two() -> None:
    log_revocation(
        account="@alice:example.org",
        provider="matrix",
        profile="work",
        action=AuditAction.REVOKE,
        session_ids=["ABCDEF"],
        sessions=[session("ABCDEF", CHROME_WINDOWS, IP_DE)],
        at=T0,
        revoked=1,
        redact=[TOKEN, PASSWORD],
        operator="alice@ops-1",
    )
    log_revocation(
        account="@bob:example.org",
        provider="synapse-admin",
        profile=None,
        action="force-sign-out",
        session_ids=["D1", "D2"],
        sessions=[session("D1"), session("D2", None, None)],
        error=WrongPassword(f"Wrong password ({PASSWORD}) for token {TOKEN}"),
        at=T0 + timedelta(minutes=1),
        redact=[TOKEN, PASSWORD],
    )


def test_file_is_created_0600_and_holds_no_secrets(isolated_dirs) -> None:
    _log_two()
    path = paths.audit_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert TOKEN not in text and PASSWORD not in text
    assert "battery" not in text and "secretToken" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first == {
        "time": "2025-03-01T12:00:00Z",
        "account": "@alice:example.org",
        "provider": "matrix",
        "profile": "work",
        "action": "revoke",
        "session_ids": ["ABCDEF"],
        "devices": ["Chrome 131 on Windows 10, Germany, 85.214.132.117"],
        "outcome": "ok",
        "error": None,
        "revoked": 1,
        "operator": "alice@ops-1",
    }
    assert second["operator"] == default_operator()  # none configured: the OS user and host
    assert second["operator"] == f"{getpass.getuser()}@{socket.gethostname().split('.')[0]}"
    assert second["outcome"] == "error"
    assert second["action"] == "force-sign-out"
    assert "[redacted]" in second["error"]
    assert second["devices"][1] == "D2"  # no user agent, no name, no place: its id alone


def test_devices_without_a_user_agent_are_named_as_the_table_names_them() -> None:
    """Matrix's client API gives no user agent: the name alone (or the id), never "Unknown
    client"; a user agent that says nothing is still called unknown."""
    iphone = Session(id="CADPAFUCUP", display_name="iPhone", ip=IP_DE)
    assert device_summary(iphone).startswith("iPhone, ")
    assert device_summary(Session(id="MUQUBWRDNC")) == "MUQUBWRDNC"
    unknown = Session(id="s1", display_name="box", user_agent="???")
    assert device_summary(unknown) == "box (Unknown client)"  # and no place: no word for it


def test_existing_loose_file_is_made_private(isolated_dirs) -> None:
    path = paths.audit_file()
    paths.ensure_private_dir(path.parent)
    path.write_text("")
    os.chmod(path, 0o644)
    _log_two()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().splitlines()) == 2


def test_hostile_device_text_is_sanitised(isolated_dirs) -> None:
    hostile = session("X\x1b[31m", "curl/8.5\x1b]0;pwned\x07\nsecond", name="[b]x\u202e")
    record = make_record(
        account="a",
        provider="rest",
        profile=None,
        action="revoke",
        session_ids=[hostile.id],
        sessions=[hostile],
    )
    append(record)
    text = paths.audit_file().read_text()
    assert "\x1b" not in text and "\\u001b" not in text and "\u202e" not in text
    assert len(text.splitlines()) == 1


def test_audit_command_missing_log(isolated_dirs, capsys) -> None:
    assert main(["audit"]) == 0
    assert "no revocations recorded yet" in capsys.readouterr().out.lower()


def test_audit_command_table(isolated_dirs, capsys) -> None:
    _log_two()
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = ["TIME", "OPERATOR", "ACCOUNT", "PROVIDER", "PROFILE", "ACTION", "OUTCOME"]
    assert lines[0].split() == header
    assert "alice@ops-1" in lines[1]
    assert "@alice:example.org" in lines[1] and "revoke" in lines[1] and "ok" in lines[1]
    assert "ABCDEF" in out and "Chrome 131 on Windows 10" in out
    assert "force-sign-out" in out and "error: " in out
    assert TOKEN not in out and PASSWORD not in out


def test_audit_command_json_account_and_limit(isolated_dirs, capsys) -> None:
    _log_two()
    assert main(["audit", "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    jsonschema.validate(both, schema("audit"))
    assert [r["account"] for r in both] == ["@alice:example.org", "@bob:example.org"]

    assert main(["audit", "--json", "--account", "@bob:example.org"]) == 0
    (only,) = json.loads(capsys.readouterr().out)
    assert only["session_ids"] == ["D1", "D2"]

    assert main(["audit", "--json", "--limit", "1"]) == 0
    (last,) = json.loads(capsys.readouterr().out)
    assert last["account"] == "@bob:example.org"

    assert main(["audit", "--account", "@nobody:example.org"]) == 0
    assert "no revocations recorded yet" in capsys.readouterr().out.lower()
    assert main(["audit", "--json", "--account", "@nobody:example.org"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_audit_command_skips_a_broken_line(isolated_dirs, capsys) -> None:
    _log_two()
    with open(paths.audit_file(), "a") as handle:
        handle.write("{not json\n")
    assert main(["audit", "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 2
    assert "skipped 1" in captured.err


def test_json_output_stays_json_when_there_is_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert captured.err == ""
