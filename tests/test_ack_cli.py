"""`session-tui alerts` and `session-tui ack` through the console script (issue 25): an alert
recorded by one engineer's `list`, acknowledged by a colleague from another machine, is
acknowledged for both; the first word stands; ids that are no alert or not there are said so,
with the exit codes scripts rely on. Also on the profile's own SQLite file, with no options."""

from __future__ import annotations

import json

import jsonschema
import psycopg
import referencing
from test_commands import cli, rest, schema
from test_shared_store_cli import machine

from session_tui.demo import DemoService

TOR_EXIT = "185.220.101.7"  # a Tor exit in the risk data: an alert at once, however new
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _registry() -> referencing.Registry:
    resource = referencing.Resource.from_contents(
        schema("alerts"), default_specification=referencing.jsonschema.DRAFT202012
    )
    return referencing.Registry().with_resource(
        "https://session-tui.invalid/schemas/alerts.schema.json", resource
    )


def _raise_alert(service: DemoService, flags: list[str], env: dict[str, str]) -> str:
    """A baseline listing, then one with a sign-in from a Tor exit: its session id."""
    assert cli("list", "--json", *flags, env=env).returncode == 0
    service.clock.advance(minutes=2)
    sid = service.state.add_session(user_agent=FIREFOX, ip=TOR_EXIT)
    assert cli("list", "--json", *flags, env=env).returncode == 0
    return sid


def test_a_colleague_acknowledges_from_another_machine(
    demo_service: DemoService, pg_store: str, tmp_path
) -> None:
    flags, token_env = rest(demo_service)
    alice = {**machine(tmp_path, "alice", "alice@ops-1"), **token_env}
    bob = {**machine(tmp_path, "bob", "bob@ops-2"), "SESSION_TUI_STORE": pg_store}
    sid = _raise_alert(demo_service, [*flags, "--store", pg_store], alice)

    listed = cli("alerts", "--json", env=bob)  # bob has no token: only the store is read
    assert listed.returncode == 0, listed.stderr
    (alert,) = json.loads(listed.stdout)
    jsonschema.validate([alert], schema("alerts"))
    assert alert["session_id"] == sid and alert["acked_by"] is None
    assert any("Tor" in reason for reason in alert["reasons"])
    alert_id = str(alert["alert_id"])

    done = cli("ack", alert_id, env=bob)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Acknowledged alert {alert_id}: ")

    again = cli("ack", alert_id, "--json", "--store", pg_store, env=alice)
    assert again.returncode == 0, again.stderr
    answer = json.loads(again.stdout)
    jsonschema.Draft202012Validator(schema("ack"), registry=_registry()).validate(answer)
    assert answer["acknowledged"] == [] and answer["already"][0]["acked_by"] == "bob@ops-2"

    shown = cli("alerts", "--store", pg_store, env=alice).stdout
    assert "acknowledged by bob@ops-2 at " in shown and alert_id in shown
    unacked = cli("alerts", "--unacked", "--store", pg_store, env=alice)
    assert unacked.stdout.strip() == "No unacknowledged alerts."

    missing = cli("ack", "999999", env=bob)
    assert missing.returncode == 1 and "No alert 999999 in the store" in missing.stderr
    partial = cli("ack", alert_id, "999999", env=bob)
    assert partial.returncode == 5 and "already acknowledged by bob@ops-2" in partial.stdout

    # Whatever the shared store holds is printed as plain text (a colleague's name included).
    with psycopg.connect(pg_store, autocommit=True) as conn:
        conn.execute(
            "UPDATE session_tui.events SET acked_by = %s WHERE event_id = %s",
            ("[red]mal[/red]\x1b]0;x\x07\u202e@ops", int(alert_id)),
        )
    for argv in (["alerts"], ["alerts", "--json"], ["ack", alert_id]):
        printed = cli(*argv, env=bob).stdout
        assert "[red]mal[/red]" in printed and not set(printed) & {"\x1b", "\x07", "\u202e"}


def test_alerts_and_ack_on_the_profiles_own_file(demo_service: DemoService, tmp_path) -> None:
    flags, token_env = rest(demo_service)
    me = {**machine(tmp_path, "me", "me@laptop"), **token_env}
    _raise_alert(demo_service, flags, me)
    listed = json.loads(cli("alerts", "--json", env=me).stdout)
    (alert,) = listed
    account = alert["account"]
    assert account.startswith("rest:") and "127.0.0.1" in account
    assert json.loads(cli("alerts", "--json", "--account", "nobody", env=me).stdout) == []
    assert json.loads(cli("alerts", "--json", "--account", account, env=me).stdout) == listed

    done = cli("ack", str(alert["alert_id"]), env=me)
    assert done.returncode == 0, done.stderr
    (after,) = json.loads(cli("alerts", "--json", env=me).stdout)
    assert after["acked_by"] == "me@laptop" and after["acked_at"] is not None
    assert "ALERT_ID" in cli("ack", "--help").stdout

    # A second history on the machine: which one is meant must be said.
    (tmp_path / "me" / "state" / "history" / "work.profile.sqlite3").touch()
    several = cli("alerts", env=me)
    assert several.returncode == 1 and "--profile rest, work" in several.stderr
    named = json.loads(cli("alerts", "--json", "--profile", "rest", env=me).stdout)
    assert [a["alert_id"] for a in named] == [alert["alert_id"]]
