"""The demo service speaks the REST contract over real HTTP, and lives (or not) on cue."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import iptocc
import pytest
from demo_fixtures import DEMO_NOW, DEMO_SEED

from session_tui.demo import DemoService, ManualClock, data

SPEC = Path(__file__).resolve().parent.parent / "docs" / "session-api.yaml"


def api(service: DemoService, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=service.url,
        headers={"Authorization": f"Bearer {token or service.token}"},
        timeout=10,
    )


def listing(service: DemoService) -> dict:
    with api(service) as client:
        response = client.get("/v1/sessions")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_listing_is_a_realistic_account(demo_service: DemoService) -> None:
    body = listing(demo_service)
    assert body["account"]["email"] == "alex@example.com"
    sessions = body["sessions"]
    assert 6 <= len(sessions) <= 14
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1
    assert current[0]["id"] == demo_service.current_id
    assert current[0]["user_agent"].startswith("session-tui/")
    assert current[0]["expires_at"] is None

    agents = " ".join(s["user_agent"] for s in sessions)
    for marker in ("Firefox/", "Chrome/", "Safari/", "Edg/", "iPhone", "Android", "curl/8."):
        assert marker in agents
    assert "python-httpx/" in agents and "Slackbot" in agents

    addresses = [ipaddress.ip_address(s["ip"]) for s in sessions]
    assert {a.version for a in addresses} == {4, 6}
    assert all(a.is_global for a in addresses)
    countries = {iptocc.country_code(s["ip"]) for s in sessions}
    assert len(countries) >= 5
    given = [s for s in sessions if s["location"] is not None]
    assert given and len(given) < len(sessions)  # some from the API, some left to our lookup
    for s in given:  # where the API names a country, the address agrees with it
        assert s["location"]["country"] == iptocc.country_code(s["ip"])
    for s in sessions:
        for key in ("created_at", "last_active_at"):
            assert datetime.fromisoformat(s[key]).tzinfo is not None


def test_every_demo_network_is_in_its_country() -> None:
    rng = random.Random(1)
    for key, place in data.PLACES.items():
        for _ in range(20):
            assert iptocc.country_code(data.address_in(place, rng)) == place.country, key


def test_same_seed_and_clock_give_the_same_data() -> None:
    bodies = []
    for _ in range(2):
        with DemoService(seed=DEMO_SEED, clock=ManualClock(DEMO_NOW), live=False) as service:
            body = listing(service)
            assert body.pop("cursor")  # a position in this run's changes, not data
            bodies.append(body)
            with api(service) as client:
                bodies.append(client.get("/v1/sessions/history").json())
    assert bodies[0] == bodies[2] and bodies[1] == bodies[3]


def test_missing_or_wrong_token_is_401(demo_service: DemoService) -> None:
    with httpx.Client(base_url=demo_service.url) as client:
        response = client.get("/v1/sessions")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    with api(demo_service, token="nope") as client:
        assert_error(client.get("/v1/sessions"), 401, "unauthorized")
        assert_error(client.delete(f"/v1/sessions/{demo_service.current_id}"), 401, "unauthorized")
    assert "nope" not in response.text and demo_service.token not in response.text


def test_the_token_dies_with_its_session(demo_service: DemoService) -> None:
    state = demo_service.state
    assert state.is_active(demo_service.current_id)
    assert state.session_ids() == {s.id for s in state.sessions()}
    state.remove_session(demo_service.current_id)  # ended from elsewhere
    assert not state.is_active(demo_service.current_id)
    assert demo_service.current_id not in state.session_ids()
    with api(demo_service) as client:
        response = client.get("/v1/sessions")
    assert_error(response, 401, "unauthorized")
    assert "sign in again" in response.json()["error"]["message"]


def test_revoke_one(demo_service: DemoService) -> None:
    victim = next(s for s in demo_service.state.sessions() if s.id != demo_service.current_id)
    with api(demo_service) as client:
        response = client.delete(f"/v1/sessions/{victim.id}")
        assert response.status_code == 204 and response.content == b""
        assert victim.id not in demo_service.state.session_ids()
        assert_error(client.delete(f"/v1/sessions/{victim.id}"), 404, "not_found")
        history = client.get("/v1/sessions/history").json()["sessions"]
    assert history[0]["id"] == victim.id
    assert history[0]["end_reason"] == "revoked"
    assert history[0]["ended_at"] == "2026-11-25T12:00:00Z"
    assert "current" not in history[0]


def test_revoking_the_current_session_is_refused(demo_service: DemoService) -> None:
    with api(demo_service) as client:
        response = client.delete(f"/v1/sessions/{demo_service.current_id}")
    assert_error(response, 409, "current_session")
    assert demo_service.current_id in demo_service.state.session_ids()


def test_revoke_others_limited_then_all(demo_service: DemoService) -> None:
    others = sorted(demo_service.state.session_ids() - {demo_service.current_id})
    picked = [*others[:2], demo_service.current_id, "ses_unknown"]
    with api(demo_service) as client:
        body = client.post("/v1/sessions/revoke-others", json={"session_ids": picked}).json()
        assert body["revoked"] == 2 and sorted(body["session_ids"]) == others[:2]
        body = client.post("/v1/sessions/revoke-others").json()
        assert body["revoked"] == len(others) - 2
        assert sorted(body["session_ids"]) == others[2:]
        assert client.post("/v1/sessions/revoke-others", json={}).json()["revoked"] == 0
        assert_error(
            client.post("/v1/sessions/revoke-others", json={"session_ids": "all"}),
            400,
            "invalid_request",
        )
    assert demo_service.state.session_ids() == {demo_service.current_id}


def test_history_is_newest_first_and_limited(demo_service: DemoService) -> None:
    demo_service.state.remove_session(
        next(iter(demo_service.state.session_ids() - {demo_service.current_id}))
    )
    with api(demo_service) as client:
        ended = client.get("/v1/sessions/history").json()["sessions"]
        assert [e["ended_at"] for e in ended] == sorted(
            (e["ended_at"] for e in ended), reverse=True
        )
        assert {e["end_reason"] for e in ended} == {"revoked", "expired", "signed_out"}
        assert ended[0]["end_reason"] == "signed_out"
        assert len(client.get("/v1/sessions/history", params={"limit": 2}).json()["sessions"]) == 2
        assert_error(client.get("/v1/sessions/history?limit=0"), 400, "invalid_request")
        assert_error(client.get("/v1/sessions/history?limit=x"), 400, "invalid_request")


def test_unknown_paths_and_methods_answer_in_the_error_shape(demo_service: DemoService) -> None:
    with api(demo_service) as client:
        assert_error(client.get("/v2/sessions"), 404, "not_found")
        assert_error(client.get("/v1/sessions/a/b"), 404, "not_found")
        response = client.put("/v1/sessions")
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == "GET"


def test_injected_rate_limit(demo_service: DemoService) -> None:
    demo_service.fail_next(429, retry_after=7)
    with api(demo_service) as client:
        response = client.get("/v1/sessions")
        assert_error(response, 429, "rate_limited")
        assert response.headers["retry-after"] == "7"
        assert client.get("/v1/sessions").status_code == 200


def test_hostile_fields_round_trip_verbatim(demo_service: DemoService) -> None:
    nasty = "[bold red]x[/]\x1b[31mred\x1b[0m\nline two\u202e" + "A" * 2048
    sid = demo_service.state.add_session(
        user_agent=nasty, device_name=nasty, ip="2001:db8::1", extra={"x_tag": [1, 2]}
    )
    by_id = {s["id"]: s for s in listing(demo_service)["sessions"]}
    assert by_id[sid]["user_agent"] == nasty and by_id[sid]["device_name"] == nasty
    assert by_id[sid]["x_tag"] == [1, 2]
    assert by_id[sid]["location"] is None


def test_frozen_service_does_not_change_with_time(demo_service: DemoService) -> None:
    before = listing(demo_service)
    demo_service.clock.advance(minutes=30)
    after = listing(demo_service)
    current = demo_service.current_id
    strip = [{**s, "last_active_at": None} for s in before["sessions"] if s["id"] != current]
    assert strip == [{**s, "last_active_at": None} for s in after["sessions"] if s["id"] != current]
    assert [s["last_active_at"] for s in after["sessions"] if s["id"] == current] == [
        "2026-11-25T12:30:00Z"
    ]


def test_live_service_signs_in_moves_and_expires(live_demo_service: DemoService) -> None:
    service = live_demo_service
    start = {s.id: s for s in service.state.sessions()}
    service.clock.advance(minutes=10)
    now = {s.id: s for s in service.state.sessions()}
    new = set(now) - set(start)
    gone = set(start) - set(now)
    assert 6 <= len(new) <= 14  # about one a minute
    assert service.current_id in now
    ended = {e.session.id: e for e in service.state.history()}
    assert gone and all(ended[sid].end_reason == "expired" for sid in gone)
    for sid in gone:
        assert ended[sid].ended_at == start[sid].expires_at
    moved = [
        sid for sid in set(start) & set(now) if now[sid].last_active_at != start[sid].last_active_at
    ]
    assert moved
    assert all(s.expires_at is None or s.expires_at > service.clock() for s in now.values())


def test_live_result_does_not_depend_on_how_often_it_is_polled() -> None:
    results = []
    for step in (10, 600):
        clock = ManualClock(DEMO_NOW)
        with DemoService(seed=3, clock=clock, live=True) as service:
            for _ in range(600 // step):
                clock.advance(step)
                service.state.sessions()
            results.append([(s.id, s.last_active_at) for s in service.state.sessions()])
    assert results[0] == results[1]


def test_long_gap_does_not_replay_forever(live_demo_service: DemoService) -> None:
    live_demo_service.clock.advance(timedelta(days=30).total_seconds())
    sessions = live_demo_service.state.sessions()
    assert live_demo_service.current_id in {s.id for s in sessions}
    assert len(sessions) <= 14


def test_stop_ends_open_connections(demo_service: DemoService) -> None:
    client = api(demo_service)
    assert client.get("/v1/sessions").status_code == 200  # keeps the connection open
    demo_service.stop()
    with pytest.raises(httpx.TransportError):
        client.get("/v1/sessions")
    client.close()


def _sigint(ignored: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.SIG_DFL)


@pytest.mark.parametrize("inherited_ignored", [False, True])
def test_run_foreground_prints_url_and_token_and_stops_on_ctrl_c(inherited_ignored: bool) -> None:
    """Ctrl-C stops it however SIGINT was inherited: a background job, `nohup` and some CI
    systems start processes with it ignored."""
    code = "from session_tui.demo import run_foreground; raise SystemExit(run_foreground(seed=1))"
    argv = [sys.executable, "-c", code]
    with _foreground(argv, lambda: _sigint(inherited_ignored)) as (proc, url, token):
        assert url.startswith("http://127.0.0.1:")
        assert proc.stdout is not None
        assert "curl" in proc.stdout.readline() + proc.stdout.readline()
        response = httpx.get(f"{url}/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


@contextlib.contextmanager
def _foreground(
    argv: list[str], preexec: Callable[[], None] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """The demo service in a process of its own: the process, its URL and its token."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, bufsize=1, preexec_fn=preexec)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        token = proc.stdout.readline().split()[-1]
        yield proc, url, token
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_demo_times_are_utc_rfc3339(demo_service: DemoService) -> None:
    raw = json.dumps(listing(demo_service))
    assert "+00:00" not in raw
    assert '"last_active_at": "2026-11-25T12:00:00Z"' in raw


def spec_validator(schema_name: str) -> Any:
    """A JSON Schema validator for one schema of docs/session-api.yaml (OpenAPI 3.1)."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    resource = referencing.Resource.from_contents(
        spec, default_specification=referencing.jsonschema.DRAFT202012
    )
    registry = referencing.Registry().with_resource("urn:session-api", resource)
    cls = jsonschema.Draft202012Validator
    return cls(
        {"$ref": f"urn:session-api#/components/schemas/{schema_name}"},
        registry=registry,
        format_checker=cls.FORMAT_CHECKER,
    )


def test_demo_answers_match_the_published_contract(demo_service: DemoService) -> None:
    demo_service.state.add_session(user_agent=None, ip=None, country="jp")
    body = listing(demo_service)
    spec_validator("SessionList").validate(body)
    with api(demo_service) as client:
        others = [s["id"] for s in body["sessions"] if not s["current"]]
        result = client.post("/v1/sessions/revoke-others", json={"session_ids": others[:2]})
        spec_validator("RevokeOthersResult").validate(result.json())
        spec_validator("EndedSessionList").validate(client.get("/v1/sessions/history").json())
        changes = client.get("/v1/sessions", params={"since": body["cursor"]}).json()
        assert changes["changes_only"] is True and sorted(changes["ended"]) == sorted(others[:2])
        spec_validator("SessionList").validate(changes)
        error = client.delete(f"/v1/sessions/{demo_service.current_id}").json()
        spec_validator("Error").validate(error)
    broken = {**body["sessions"][0], "current": "yes"}
    assert not spec_validator("Session").is_valid(broken)
    assert not spec_validator("SessionList").is_valid({"sessions": []})


def test_demo_server_serves_the_number_of_sessions_asked_for() -> None:
    """`--demo-server --demo-sessions N`: the large account in a process of its own."""
    script = Path(sys.executable).with_name("session-tui")
    with _foreground([str(script), "--demo-server", "--demo-sessions", "500"]) as (
        proc,
        url,
        token,
    ):
        answer = httpx.get(f"{url}/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and len(answer.json()["sessions"]) == 500
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 1234])
def test_a_streamed_listing_is_the_json_object_it_stands_for(count: int) -> None:
    from session_tui.demo.answers import Streamed

    items = [{"id": f"s{i}", "name": 'Zoë "quoted" \u2028 <b>'} for i in range(count)]
    head = {"account": {"email": "a@example.com"}, "cursor": "c1"}
    text = b"".join(Streamed(head, "sessions", items, lambda i: {**i, "n": 1}).chunks())
    assert json.loads(text) == {**head, "sessions": [{**i, "n": 1} for i in items]}


def test_a_large_listing_is_sent_in_chunks_and_read_whole() -> None:
    """The demo encodes a large listing as it sends it (its peak memory is one batch)."""
    # A frozen clock: with the real one, the current session's activity could move between
    # the two requests (a second boundary), and the listings differ by that.
    frozen = ManualClock(DEMO_NOW)
    with (
        DemoService(seed=DEMO_SEED, clock=frozen, live=False, sessions=1_200) as service,
        api(service) as c,
    ):
        got = c.get("/v1/sessions")
        assert got.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in got.headers
        body = got.json()
        assert len(body["sessions"]) == 1_200
        assert {s["id"] for s in body["sessions"]} == service.state.session_ids()
        assert sum(s["current"] for s in body["sessions"]) == 1
        again = c.get("/v1/sessions").json()  # the connection is good for the next request
        assert again["sessions"] == body["sessions"]
