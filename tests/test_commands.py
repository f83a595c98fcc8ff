"""The commands as scripts run them: the installed console script as a subprocess, against the
demo service over HTTP (`--provider rest`), the embedded demo and a real Synapse. Output is
parsed, exit codes checked, and every --json output validated against its schema in docs/.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from synapse_server import MatrixUser, SynapseServer

from session_tui import credentials
from session_tui.demo import DemoService

SCRIPT = str(Path(sys.executable).with_name("session-tui"))
SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
REVOKING = {"DELETE", "POST", "PUT", "PATCH"}


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def cli(
    *argv: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The console script, with the test's config and state dirs (from the environment)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [SCRIPT, *argv],
        env=full,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def rest(service: DemoService) -> tuple[list[str], dict[str, str]]:
    return ["--provider", "rest", "--url", service.url], {"SESSION_TUI_TOKEN": service.token}


def revoking_requests(service: DemoService) -> list[tuple[str, str]]:
    return [(m, p) for m, p in service.requests if m in REVOKING]


# -- list ------------------------------------------------------------------------------------


def test_list_json_is_the_server_with_one_current_session(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    done = cli("list", "--json", *flags, env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    jsonschema.validate(rows, schema("sessions"))
    assert {r["id"] for r in rows} == demo_service.state.session_ids()
    assert [r["id"] for r in rows if r["current"]] == [demo_service.current_id]
    assert all(r["account"] == "alex@example.com" for r in rows)


def test_list_csv_and_the_plain_table(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    csv_out = cli("list", "--csv", *flags, env=env).stdout.splitlines()
    assert csv_out[0].startswith("account,id,current,name,device,")
    assert len(csv_out) == 1 + len(demo_service.state.session_ids())
    table = cli("list", *flags, env=env).stdout.splitlines()
    assert table[0].split("\t") == [
        "DEVICE", "LOCATION", "IP", "LAST ACTIVE", "EXPIRES", "RISK", "ID",
    ]  # fmt: skip
    [ours] = [line for line in table if line.startswith("This device: ")]
    assert ours.endswith(demo_service.current_id)


def test_every_command_runs_on_the_embedded_demo_without_options() -> None:
    listed = cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) >= 5 and sum(r["current"] for r in rows) == 1
    assert cli("history", "--json").returncode == 0
    assert cli("revoke", "--all-others", "--yes").returncode == 0
    assert cli("config", "show").returncode == 0


# -- revoke ----------------------------------------------------------------------------------


def test_revoke_ids_with_yes_ends_them_and_is_audited(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    others = sorted(demo_service.state.session_ids() - {demo_service.current_id})
    done = cli("revoke", others[0], others[1], "--yes", *flags, env=env)
    assert done.returncode == 0, done.stderr
    assert "Revoked 2 sessions" in done.stdout
    assert not {others[0], others[1]} & demo_service.state.session_ids()
    audit = json.loads(cli("audit", "--json").stdout)[-1]
    assert audit["outcome"] == "ok" and sorted(audit["session_ids"]) == others[:2]
    history = json.loads(cli("history", "--json", *flags, env=env).stdout)
    jsonschema.validate(history, schema("history"))
    assert {h["id"] for h in history if h["reason"] == "revoked here"} == set(others[:2])


def test_the_current_session_is_refused_with_exit_4(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    done = cli("revoke", demo_service.current_id, "--yes", *flags, env=env)
    assert done.returncode == 4
    assert "never revoked from here" in done.stderr
    assert demo_service.current_id in demo_service.state.session_ids()
    assert revoking_requests(demo_service) == []


def test_the_current_session_with_others_ends_the_others_and_exits_5(
    demo_service: DemoService,
) -> None:
    flags, env = rest(demo_service)
    others = sorted(demo_service.state.session_ids() - {demo_service.current_id})[:2]
    done = cli("revoke", demo_service.current_id, *others, "--yes", *flags, env=env)
    assert done.returncode == 5, done.stderr
    assert "never revoked from here" in done.stderr and "Revoked 2 sessions" in done.stdout
    assert demo_service.current_id in demo_service.state.session_ids()
    assert not set(others) & demo_service.state.session_ids()


def test_revoke_asks_on_a_terminal_and_no_changes_nothing(demo_service: DemoService) -> None:
    import pty

    flags, env = rest(demo_service)
    target = sorted(demo_service.state.session_ids() - {demo_service.current_id})[0]
    for answer, gone in (("n", False), ("y", True)):
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [SCRIPT, "revoke", target, *flags],
            env={**os.environ, **env},
            stdin=follower,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        seen = _read_until(leader, b"[y/N]")
        assert b"will be signed out" in seen and target.encode() in seen
        os.write(leader, answer.encode() + b"\n")
        assert proc.wait(30) == 0
        _read_until(leader, b"", quiet=True)
        os.close(leader)
        assert (target not in demo_service.state.session_ids()) is gone


def _read_until(fd: int, marker: bytes, quiet: bool = False) -> bytes:
    seen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if marker and marker in seen:
            return seen
    if not quiet and marker:
        raise AssertionError(f"never saw {marker!r}: {seen!r}")
    return seen


def test_without_a_terminal_revoke_wants_yes(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    done = cli("revoke", "--all-others", *flags, env=env)
    assert done.returncode == 1 and "--yes" in done.stderr
    assert revoking_requests(demo_service) == []


def test_unknown_ids_are_reported_and_the_rest_revoked(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    target = sorted(demo_service.state.session_ids() - {demo_service.current_id})[0]
    done = cli("revoke", target, "ses_nope", "--yes", *flags, env=env)
    assert done.returncode == 5 and "ses_nope" in done.stderr
    assert target not in demo_service.state.session_ids()
    only_unknown = cli("revoke", "ses_nope", "--yes", *flags, env=env)
    assert only_unknown.returncode == 1 and "no such active session" in only_unknown.stderr


def test_read_only_sends_no_revoking_request(demo_service: DemoService) -> None:
    flags, env = rest(demo_service)
    done = cli("revoke", "--all-others", "--yes", "--read-only", *flags, env=env)
    assert done.returncode == 4 and "Read-only" in done.stderr
    assert cli("list", "--read-only", *flags, env=env).returncode == 0
    assert revoking_requests(demo_service) == []
    assert len(demo_service.state.session_ids()) > 1


# -- watch -----------------------------------------------------------------------------------


def watch_json(service: DemoService, *extra: str) -> subprocess.Popen[str]:
    """`session-tui watch --json` on the service, polling twice a second."""
    flags, env = rest(service)
    return subprocess.Popen(
        [SCRIPT, "watch", "--json", "--interval", "0.5", *flags, *extra],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_watch_json_prints_each_event_and_stops_cleanly_on_ctrl_c(
    demo_service: DemoService,
) -> None:
    proc = watch_json(demo_service)
    try:
        assert proc.stderr is not None and "watching" in proc.stderr.readline()  # baseline
        new = demo_service.state.add_session(user_agent="curl/8.5.0", ip="133.242.0.3")
        assert proc.stdout is not None
        signed_in = json.loads(proc.stdout.readline())
        demo_service.state.remove_session(new)
        ended = json.loads(proc.stdout.readline())
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0
    for event in (signed_in, ended):
        jsonschema.validate(event, schema("watch-event"))
    assert (signed_in["type"], signed_in["session_id"]) == ("sign-in", new)
    assert signed_in["severity"] == "alert" and "new-country" in signed_in["rules"]
    assert (ended["type"], ended["reason"]) == ("ended", "ended elsewhere")


def test_watch_runs_on_alert_for_each_alert_and_reports_a_failing_one(
    demo_service: DemoService, tmp_path: Path
) -> None:
    received = tmp_path / "alerts.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'cat >> "{received}"; echo >> "{received}"; env > "{tmp_path}/env"; exit 3\n')
    proc = watch_json(demo_service, "--on-alert", f"sh {hook}")
    try:
        assert proc.stderr is not None and "watching" in proc.stderr.readline()  # baseline
        new = demo_service.state.add_session(user_agent="curl/8.5.0", ip="133.242.0.3")
        assert proc.stdout is not None
        printed = json.loads(proc.stdout.readline())
        failed = proc.stderr.readline()  # the hook ran, and said exit 3
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0
    assert printed["session_id"] == new and printed["severity"] == "alert"
    (line,) = received.read_text().splitlines()
    event = json.loads(line)
    assert event["session_id"] == new and event["severity"] == "alert"
    assert "new-country" in event["rules"]
    assert "on-alert command failed (exit 3)" in failed
    assert "SESSION_TUI_" not in (tmp_path / "env").read_text(), "no token for the hook"


def test_watch_says_when_the_connection_is_lost_and_back(demo_service: DemoService) -> None:
    proc = watch_json(demo_service)
    try:
        assert proc.stderr is not None and "watching" in proc.stderr.readline()  # baseline
        assert proc.stdout is not None
        demo_service.fail_next(503, times=2)
        lost = json.loads(proc.stdout.readline())
        back = json.loads(proc.stdout.readline())
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0
    for event in (lost, back):
        jsonschema.validate(event, schema("watch-event"))
    assert (lost["type"], back["type"]) == ("connection-lost", "connection-back")


# -- exit codes and help ----------------------------------------------------------------------


def test_exit_codes_for_a_dead_token_and_an_unreachable_server(demo_service: DemoService) -> None:
    flags, _ = rest(demo_service)
    assert cli("list", *flags, env={"SESSION_TUI_TOKEN": "wrong"}).returncode == 2
    dead = ["--provider", "rest", "--url", "http://127.0.0.1:9"]
    assert cli("list", *dead, env={"SESSION_TUI_TOKEN": "x"}).returncode == 3
    assert cli("list", "--no-such-flag").returncode == 1
    assert cli("revoke").returncode == 1


def test_help_names_the_commands_and_each_has_an_example() -> None:
    top = cli("--help").stdout
    assert "{list,revoke,trust,watch,history,audit,alerts,ack,serve,logout,config}" in top
    assert "exit codes: 0 ok, 1 usage" in top
    for command in ("list", "revoke", "trust", "watch", "history", "config"):
        text = cli(command, "--help").stdout
        assert "examples:" in text and f"session-tui {command}" in text
        assert "--provider" in text and "--read-only" in text
    for command in ("alerts", "ack"):  # the store's commands: no account options
        text = cli(command, "--help").stdout
        assert "example: session-tui " + command in text and "--store" in text


def test_options_before_the_command_are_the_commands_options() -> None:
    listed = cli("--interval", "2", "--online-window=3", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(row["current"] for row in json.loads(listed.stdout))
    shown = cli("--interval", "7", "config", "show", "--json")
    assert json.loads(shown.stdout)["settings"]["interval"] == 7
    dashboard_only = cli("--no-bell", "list")
    assert dashboard_only.returncode == 1 and "--no-bell" in dashboard_only.stderr


def test_config_show_says_the_values_defaults_have() -> None:
    text = cli("config", "show").stdout
    assert re.search(r"^  interval +5 \(default\)$", text, re.M), text
    assert re.search(r"^  retention_days +90 \(default\)$", text, re.M), text
    assert re.search(r"^  homeserver +not set$", text, re.M), text
    assert "—" not in text
    settings = json.loads(cli("config", "show", "--json").stdout)["settings"]
    assert settings["interval"] == 5 and settings["city_db"] is None


def test_config_show_masks_secrets_and_names_a_bad_line(tmp_path: Path) -> None:
    shown = cli("config", "show", "--json", env={"SESSION_TUI_TOKEN": "s3cret-token"})
    assert shown.returncode == 0
    assert "s3cret-token" not in shown.stdout
    data = json.loads(shown.stdout)
    assert data["environment"]["SESSION_TUI_TOKEN"] == "set (hidden)"
    config = Path(os.environ["SESSION_TUI_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.work]\nprovider = "matrix"\nretention_days = "long"\n')
    bad = cli("config", "show", "--profile", "work")
    assert bad.returncode == 1
    assert f"{config}:3:" in bad.stderr and "retention_days" in bad.stderr


# -- against a real Synapse -------------------------------------------------------------------


@pytest.fixture
def alice(synapse: SynapseServer) -> MatrixUser:
    user = synapse.new_user(prefix="cli")
    synapse.login(user, device_name="Phone", user_agent="Element/1.11 (iPhone)", ip="151.24.0.5")
    return user


def matrix(synapse: SynapseServer, user: MatrixUser) -> list[str]:
    return ["--provider", "matrix", "--homeserver", synapse.base_url, "--user", user.user_id]


def test_matrix_list_and_revoke_with_the_password_from_the_environment(
    synapse: SynapseServer, alice: MatrixUser
) -> None:
    env = {"SESSION_TUI_PASSWORD": alice.password}
    listed = cli("list", "--json", *matrix(synapse, alice), env=env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    jsonschema.validate(rows, schema("sessions"))
    assert {r["id"] for r in rows} == set(synapse.devices(alice))
    [ours] = [r["id"] for r in rows if r["current"]]
    assert cli("revoke", ours, "--yes", *matrix(synapse, alice), env=env).returncode == 4
    wrong = cli(
        "revoke",
        "--all-others",
        "--yes",
        *matrix(synapse, alice),
        env={"SESSION_TUI_PASSWORD": "not-it"},
    )
    assert wrong.returncode == 2  # the stored sign-in works; the revoke password does not
    done = cli("revoke", "--all-others", "--yes", *matrix(synapse, alice), env=env)
    assert done.returncode == 0, done.stderr
    stored = credentials.load(credentials.credential_key(synapse.base_url, alice.user_id))
    assert stored is not None  # the one token left: the one the command stored
    assert set(synapse.devices(alice, stored.access_token)) == {ours}


def test_demo_sessions_gives_the_demo_a_large_account() -> None:
    listed = cli("list", "--json", "--demo-sessions", "2500")
    assert listed.returncode == 0, listed.stderr
    sessions = json.loads(listed.stdout)
    assert len(sessions) == 2500
    assert sum(s["current"] for s in sessions) == 1
    assert len({s["id"] for s in sessions}) == 2500
    assert {s["device_type"] for s in sessions} >= {"Desktop", "Mobile", "API client"}
    for bad in ("0", "100001"):
        refused = cli("list", "--demo-sessions", bad)
        assert refused.returncode == 1 and "--demo-sessions must be between" in refused.stderr
    other = cli("list", "--demo-sessions", "5", "--provider", "rest", "--url", "http://127.0.0.1:9")
    assert other.returncode == 1 and "embedded demo" in other.stderr


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_history_refuses_a_limit_below_one(limit: str) -> None:
    done = cli("history", "--limit", limit)
    assert done.returncode == 1 and done.stdout == ""
    assert "--limit must be at least 1" in done.stderr


def test_read_only_is_an_account_option_not_an_on_call_one() -> None:
    shown = cli("--help").stdout
    account = shown.index("\naccount:")
    on_call = shown.index("\non-call mode")
    assert account < shown.index("--read-only") < on_call
