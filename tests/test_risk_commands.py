"""Risk on the command line (issue 24), as scripts run it: `list --json` carries `risk` (and
validates against docs/schemas), `list --risky` and `revoke --risky` take exactly the risky
sessions and never the current one, and `trust` ("this was me") clears a risk, is kept for the
next run, is audited, and can be taken back. The console script runs as a subprocess against
the demo service over HTTP, with sessions signed in from a Tor exit, a cloud and far away."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from test_commands import cli, rest, schema

from session_tui import paths
from session_tui.demo import DemoService
from session_tui.tracking.audit import default_operator

TOR_EXIT = "185.220.101.7"  # in the Tor exits the `risk` extra ships
AWS = "52.95.110.7"  # an Amazon AWS range
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"


def risky_account(service: DemoService) -> dict[str, str]:
    """A Tor browser, a browser in a cloud, a script in a cloud, and a phone in Sydney ten
    minutes after a laptop in Berlin: by id."""
    state, now = service.state, service.state.now()
    berlin_at = now - timedelta(minutes=30)
    return {
        "tor": state.add_session(user_agent=FIREFOX, ip=TOR_EXIT),
        "cloud": state.add_session(user_agent=FIREFOX, ip=AWS),
        "script": state.add_session(user_agent="curl/8.5.0", ip=AWS),
        "berlin": state.add_session(
            user_agent=FIREFOX, ip="91.64.46.189", city="Berlin", country="DE", created_at=berlin_at
        ),
        "sydney": state.add_session(
            user_agent=FIREFOX,
            ip="1.120.168.72",
            city="Sydney",
            country="AU",
            created_at=berlin_at + timedelta(minutes=10),
        ),
    }


def listed(service: DemoService, *extra: str) -> dict[str, dict]:
    flags, env = rest(service)
    done = cli("list", "--json", *extra, *flags, env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    jsonschema.validate(rows, schema("sessions"))
    return {r["id"]: r for r in rows}


def test_list_json_carries_each_sessions_risk_with_its_evidence(demo_service: DemoService) -> None:
    ids = risky_account(demo_service)
    rows = listed(demo_service)
    risk = {name: rows[sid]["risk"] for name, sid in ids.items()}
    assert risk["tor"]["level"] == "high"
    assert risk["tor"]["reasons"][0] | {"text": ""} == {
        "code": "anonymous_network", "text": "", "weight": 7, "network": "185.220.101.0/24",
        "kind": "tor", "operator": "Tor",
    }  # fmt: skip
    assert (risk["cloud"]["level"], risk["cloud"]["reasons"][0]["code"]) == (
        "medium", "hosting_network",
    )  # fmt: skip
    assert risk["script"]["level"] == "low"  # an API client lives in clouds
    travel = risk["sydney"]["reasons"][0]
    assert risk["sydney"]["level"] == "high" and travel["code"] == "impossible_travel"
    assert (
        travel["from"]["place"] == "Berlin, Germany"
        and travel["to"]["place"] == "Sydney, Australia"
    )
    assert travel["hours"] == 0.17 and travel["coarse"] is True
    # (Berlin itself came four hours after the demo's own São Paulo sign-in: also too fast.)
    current = [r for r in rows.values() if r["current"]]
    assert [r["risk"]["level"] for r in current] == ["none"]


def demos_own_risky(service: DemoService) -> set[str]:
    """The demo account's own risky sessions (its Tor browser, cloud browser and journey)."""
    return {sid for sid, row in listed(service).items() if row["risk"]["level"] != "none"}


def test_list_risky_shows_only_risky_sessions_in_every_form(demo_service: DemoService) -> None:
    own = demos_own_risky(demo_service)
    assert len(own) == 3
    ids = risky_account(demo_service)
    risky = {ids[name] for name in ("tor", "cloud", "script", "sydney", "berlin")} | own
    flags, env = rest(demo_service)
    table = cli("list", "--risky", *flags, env=env).stdout.splitlines()
    assert table[0].split("\t") == [
        "DEVICE", "LOCATION", "IP", "LAST ACTIVE", "EXPIRES", "RISK", "ID",
    ]  # fmt: skip
    badges = {line.split("\t")[-1]: line.split("\t")[-2] for line in table[1:]}
    assert set(badges) == risky
    assert {sid: badges[sid] for sid in risky - own} == {
        ids["tor"]: "high: Tor", ids["cloud"]: "medium: hosting", ids["script"]: "low: hosting",
        ids["sydney"]: "high: travel", ids["berlin"]: "high: travel",
    }  # fmt: skip
    csv_lines = cli("list", "--risky", "--csv", *flags, env=env).stdout.splitlines()
    assert csv_lines[0].endswith(",online,risk") and len(csv_lines) == 1 + len(risky)
    assert any(line.endswith(",high: anonymous_network") for line in csv_lines)


def test_revoke_risky_signs_out_the_risky_ones_never_the_current(
    demo_service: DemoService,
) -> None:
    own = demos_own_risky(demo_service)
    ids = risky_account(demo_service)
    flags, env = rest(demo_service)
    done = cli("revoke", "--risky", "--yes", *flags, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Revoked {5 + len(own)} sessions" in done.stdout
    assert not own & demo_service.state.session_ids()
    left = demo_service.state.session_ids()
    assert demo_service.current_id in left
    assert not {ids[n] for n in ("tor", "cloud", "script", "sydney")} & left
    again = cli("revoke", "--risky", "--yes", *flags, env=env)
    assert again.returncode == 0 and "No other session has a risk" in again.stdout
    both = cli("revoke", "--risky", "--all-others", "--yes", *flags, env=env)
    assert both.returncode == 1 and "one of them" in both.stderr


def test_trust_clears_a_risk_is_kept_audited_and_undone(demo_service: DemoService) -> None:
    ids = risky_account(demo_service)
    flags, env = rest(demo_service)
    done = cli("trust", ids["tor"], *flags, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Trusted: {ids['tor']}" in done.stdout
    assert listed(demo_service)[ids["tor"]]["risk"]["level"] == "none"  # a later run knows
    audit = cli("audit", "--json")
    records = json.loads(audit.stdout)
    jsonschema.validate(records, schema("audit"))
    assert [(r["action"], r["session_ids"]) for r in records] == [("trust", [ids["tor"]])]
    assert records[0]["operator"] == default_operator()  # none configured: user@host
    paths.write_private(paths.config_file(), 'operator = "carol@ops-3"\n')
    undone = cli("trust", "--undo", ids["tor"], *flags, env=env)
    assert undone.returncode == 0 and "No longer trusted" in undone.stdout
    untrust = json.loads(cli("audit", "--json").stdout)[-1]
    assert (untrust["action"], untrust["operator"]) == ("untrust", "carol@ops-3")
    assert listed(demo_service)[ids["tor"]]["risk"]["level"] == "high"
    unknown = cli("trust", "ses_nope", ids["cloud"], *flags, env=env)
    assert unknown.returncode == 5 and "no such active session" in unknown.stderr
    assert listed(demo_service)[ids["cloud"]]["risk"]["level"] == "none"


def test_a_hostile_place_name_in_a_journey_is_plain_text_everywhere(
    demo_service: DemoService,
) -> None:
    state, now = demo_service.state, demo_service.state.now()
    hostile = "Sydney\x1b[31m[bold]\x1b]8;;http://evil\x07x\u202e"
    state.add_session(user_agent=FIREFOX, ip="91.64.46.189", city="Berlin", country="DE",
                      created_at=now - timedelta(minutes=20))  # fmt: skip
    sid = state.add_session(user_agent=FIREFOX, ip="1.120.168.72", city=hostile, country="AU",
                            created_at=now - timedelta(minutes=10))  # fmt: skip
    flags, env = rest(demo_service)
    for form in ("--json", "--csv", None):
        done = cli("list", *([form] if form else []), *flags, env=env)
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\x07" not in done.stdout
        assert "\u202e" not in done.stdout
    reasons = listed(demo_service)[sid]["risk"]["reasons"]
    assert reasons[0]["to"]["place"].startswith("Sydney[bold]")
