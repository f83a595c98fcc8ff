"""The demo account is kept in the state directory: every run continues the last one."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from test_commands import cli

from session_tui import paths
from session_tui.demo.clock import ManualClock
from session_tui.demo.saved import SavedAccount, account_file
from session_tui.demo.server import DemoService
from session_tui.demo.state import DemoState

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def listed() -> list[dict[str, object]]:
    done = cli("list", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def test_list_then_revoke_then_list_see_one_account_and_audit_and_history_agree() -> None:
    first = listed()
    ours = [r["id"] for r in first if r["current"]]
    target = next(str(r["id"]) for r in first if not r["current"])
    done = cli("revoke", "--yes", target)
    assert done.returncode == 0, done.stderr
    second = listed()
    assert [r["id"] for r in second if r["current"]] == ours  # the same "This device"
    assert target not in {r["id"] for r in second}
    # The account carried on: nearly every session of the first run is still there.
    assert len({r["id"] for r in first} & {r["id"] for r in second}) >= len(first) - 3
    audit = json.loads(cli("audit", "--json").stdout)
    assert [(a["action"], a["session_ids"], a["outcome"]) for a in audit] == [
        ("revoke", [target], "ok")
    ]
    history = json.loads(cli("history", "--json").stdout)
    assert {h["id"]: h["reason"] for h in history}[target] == "revoked here"
    # Nothing still signed in is in the history ("ended elsewhere" floods came from new ids).
    assert not {h["id"] for h in history} & {r["id"] for r in second}
    kept = account_file()
    assert kept == Path(os.environ[paths.STATE_DIR_ENV]) / "demo" / "account.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_demo_reset_starts_afresh_and_forgets_the_old_accounts_history() -> None:
    before = {r["id"] for r in listed()}
    cli("revoke", "--yes", "--all-others")
    after_reset = cli("list", "--json", "--demo-reset")
    assert after_reset.returncode == 0, after_reset.stderr
    fresh = {r["id"] for r in json.loads(after_reset.stdout)}
    assert not fresh & before
    history = json.loads(cli("history", "--json").stdout)
    assert not {h["id"] for h in history} & before
    assert "revoke-others" in cli("audit").stdout  # the audit trail is append-only
    refused = cli("list", "--demo-reset", "--provider", "rest", "--url", "http://127.0.0.1:9")
    assert refused.returncode == 1 and "--demo-reset" in refused.stderr


def test_a_second_process_sees_a_revoke_made_by_the_first(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    with (
        DemoService(saved=SavedAccount(path)) as one,
        DemoService(saved=SavedAccount(path)) as two,
    ):
        assert one.current_id == two.current_id
        victim = sorted(one.state.session_ids() - {one.current_id})[0]
        gone = httpx.delete(
            f"{one.url}/v1/sessions/{victim}", headers={"Authorization": f"Bearer {one.token}"}
        )
        assert gone.status_code == 204
        seen = httpx.get(f"{two.url}/v1/sessions", headers={"Authorization": f"Bearer {two.token}"})
        assert victim not in {s["id"] for s in seen.json()["sessions"]}
        ended = httpx.get(
            f"{two.url}/v1/sessions/history", headers={"Authorization": f"Bearer {two.token}"}
        ).json()["sessions"]
        assert {e["id"]: e["end_reason"] for e in ended}[victim] == "revoked"


def test_days_away_are_a_trickle_not_a_flood(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    clock = ManualClock(START)
    saved = SavedAccount(path)
    state = saved.open(lambda: DemoState(seed=7, clock=clock))
    with saved.turn(state):
        before = {s.id: s for s in state.sessions()}
    clock.advance(days=3)
    later = SavedAccount(path).open(lambda: DemoState(seed=8, clock=clock))
    now = {s.id: s for s in later.sessions()}
    assert later.current_id == state.current_id
    new = set(now) - set(before)
    assert len(new) <= 3  # about one sign-in per six hours away, three at most
    for session in now.values():
        assert session.expires_at is None or session.expires_at > clock()
    expired = [s for s in before.values() if s.expires_at and s.expires_at <= clock()]
    assert expired and not {s.id for s in expired} & set(now)  # what fell due, ended
    ended = {e.session.id: e.end_reason for e in later.history()}
    assert all(ended[s.id] == "expired" for s in expired)


@pytest.mark.parametrize(
    "text",
    [
        '{"format": 1, "account": {"sessions": "nonsense"}}',
        '{"format": 1, "account": {"sessions": [{"id": 5}], "history": []}}',
        '{"format": 1, "account": []}',
        '{"format": 99}',
        "[1, 2]",
        "not json at all",
        '{"format": 1, "account": {"sessions": [], "history": [], "current_id": "x", '
        '"random": "x"}}',
    ],
)
def test_an_unreadable_file_is_set_aside_and_a_new_account_made(tmp_path: Path, text: str) -> None:
    path = tmp_path / "account.json"
    path.write_text(text)
    state = SavedAccount(path).open(DemoState)
    assert state.current_id in state.session_ids()
    assert (tmp_path / "account.json.unreadable").exists()
    assert json.loads(path.read_text())["account"]["current_id"] == state.current_id


def test_a_state_directory_that_cannot_be_written_leaves_the_demo_running(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")  # no directory can be made below it, even by root
    saved = SavedAccount(blocked / "demo" / "account.json")
    with DemoService(saved=saved) as service:
        answer = httpx.get(
            f"{service.url}/v1/sessions", headers={"Authorization": f"Bearer {service.token}"}
        )
        assert answer.status_code == 200 and answer.json()["sessions"]
    assert not saved.kept
