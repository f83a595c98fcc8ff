"""The shared store as scripts use it: two engineers' machines (each its own config and state
directory) on one PostgreSQL, through `--store`, `SESSION_TUI_STORE` and a profile's `store`.
What one revokes or trusts is in the other's audit trail and history, with who did it; the store
never holds a token, and its password is never printed."""

from __future__ import annotations

import json

import jsonschema
import psycopg
from test_commands import cli, rest, schema

from session_tui.demo import DemoService


def machine(tmp_path, name: str, operator: str) -> dict[str, str]:
    """Another engineer's machine: its own directories, and its operator in its config."""
    config = tmp_path / name / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'operator = "{operator}"\n')
    return {
        "SESSION_TUI_CONFIG_DIR": str(config),
        "SESSION_TUI_STATE_DIR": str(tmp_path / name / "state"),
        "SESSION_TUI_CACHE_DIR": str(tmp_path / name / "cache"),
    }


def test_two_machines_share_history_and_audit(
    demo_service: DemoService, pg_store: str, tmp_path
) -> None:
    flags, token_env = rest(demo_service)
    alice = {**machine(tmp_path, "alice", "alice@ops-1"), **token_env}
    bob = {**machine(tmp_path, "bob", "bob@ops-2"), **token_env, "SESSION_TUI_STORE": pg_store}
    others = sorted(demo_service.state.session_ids() - {demo_service.current_id})

    assert cli("list", "--json", "--store", pg_store, *flags, env=alice).returncode == 0
    done = cli("revoke", others[0], "--yes", "--store", pg_store, *flags, env=alice)
    assert done.returncode == 0, done.stderr
    trusted = cli("trust", others[1], *flags, env=bob)  # the store from the environment
    assert trusted.returncode == 0, trusted.stderr

    for env in (alice, bob):  # each machine reads the one trail
        shown = cli("audit", "--json", "--store", pg_store, env=env)
        assert shown.returncode == 0, shown.stderr
        records = json.loads(shown.stdout)
        jsonschema.validate(records, schema("audit"))
        assert [(r["action"], r["operator"]) for r in records] == [
            ("revoke", "alice@ops-1"),
            ("trust", "bob@ops-2"),
        ]
    table = cli("audit", env=bob).stdout  # SESSION_TUI_STORE: the shared trail's table
    assert "alice@ops-1" in table and "bob@ops-2" in table

    history = cli("history", "--json", *flags, env=bob)
    assert history.returncode == 0, history.stderr
    ended = {row["id"]: row for row in json.loads(history.stdout)}
    assert ended[others[0]]["reason"] == "revoked here"  # alice's revoke, in bob's history
    assert ended[others[0]]["revoked_by"] == "alice@ops-1"
    jsonschema.validate(list(ended.values()), schema("history"))
    # Bob's table says who, as it was not him; alice's says "revoked here".
    assert "revoked by alice@ops-1" in cli("history", *flags, env=bob).stdout
    mine = cli("history", "--store", pg_store, *flags, env=alice).stdout
    assert "revoked here" in mine and "revoked by" not in mine
    assert not (tmp_path / "alice" / "state" / "audit.jsonl").exists()  # nothing local

    with psycopg.connect(pg_store) as conn:
        stored = "\n".join(
            str(value)
            for table in ("audit_log", "events", "known_sessions", "ended_sessions", "meta")
            for row in conn.execute(f"SELECT * FROM session_tui.{table}")
            for value in row
        )
    assert demo_service.token not in stored  # credentials never go into the shared store


def test_a_profiles_store_and_a_password_never_printed(
    demo_service: DemoService, pg_store: str, postgres_server, tmp_path
) -> None:
    env = machine(tmp_path, "carol", "carol@ops-3")
    config = tmp_path / "carol" / "config" / "config.toml"
    config.write_text(
        config.read_text()
        + f'[profiles.team]\nprovider = "rest"\nurl = "{demo_service.url}"\nstore = "{pg_store}"\n'
    )
    env["SESSION_TUI_TOKEN"] = demo_service.token
    shown = cli("config", "show", "--profile", "team", env=env)
    assert shown.returncode == 0, shown.stderr
    assert postgres_server.password not in shown.stdout
    assert "(shared)" in shown.stdout and "in the shared store" in shown.stdout
    listed = cli("list", "--profile", "team", env=env)
    assert listed.returncode == 0 and postgres_server.password not in listed.stdout + listed.stderr
    with psycopg.connect(pg_store) as conn:
        (count,) = conn.execute("SELECT count(*) FROM session_tui.known_sessions").fetchone()
    assert count == len(demo_service.state.session_ids())

    bad = cli("list", "--store", "mysql://x@y/z", "--profile", "team", env=env)
    assert bad.returncode != 0 and "not a store" in bad.stderr


def test_hostile_text_in_the_shared_trail_is_printed_plain(pg_store: str, tmp_path) -> None:
    """Anyone with the database can write the trail's table: what it holds is text, never
    escape sequences or markup, in the table and in JSON."""
    env = machine(tmp_path, "dave", "dave@ops-4")
    assert cli("audit", "--store", pg_store, env=env).returncode == 0  # creates the schema
    hostile = {
        "time": "2026-12-06T12:00:00Z",
        "account": "@eve:example.org\x1b]0;pwned\x07",
        "provider": "matrix\x1b[2J",
        "profile": None,
        "action": "revoke",
        "session_ids": ["D1\x1b[31m"],
        "devices": ["[bold red]Firefox\u202e"],
        "outcome": "ok",
        "error": None,
        "revoked": 1,
        "operator": "mallory\x1b[5m@ops",
    }
    with psycopg.connect(pg_store, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO session_tui.audit_log (at, account, operator, record)"
            " VALUES (%s, %s, %s, %s)",
            (hostile["time"], hostile["account"], hostile["operator"], json.dumps(hostile)),
        )
    table = cli("audit", "--store", pg_store, env=env)
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert "\u202e" not in table.stdout
    assert "mallory" in table.stdout and "[bold red]Firefox" in table.stdout  # literal
    listed = cli("audit", "--json", "--store", pg_store, env=env)
    assert "\x1b" not in listed.stdout
    (record,) = json.loads(listed.stdout)
    assert record["operator"].startswith("mallory")
