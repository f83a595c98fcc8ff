"""How a row names a session when the API tells little (Matrix's client API has no user agent)."""

from __future__ import annotations

from session_tui.enrich import Enricher
from session_tui.model import Session
from session_tui.ui import cells


def _words(session: Session) -> tuple[str, str]:
    view = Enricher().view(session)
    return cells.device_cell(view, is_current=False).plain, cells.describe(view)


def test_a_named_device_without_user_agent_goes_by_its_name_alone() -> None:
    cell, described = _words(Session(id="CADPAFUCUP", display_name="iPhone"))
    assert cell == "iPhone"
    assert described == "iPhone"
    assert "Unknown client" not in cell


def test_an_unnamed_device_without_user_agent_goes_by_its_id() -> None:
    cell, _ = _words(Session(id="MUQUBWRDNC"))
    assert cell == "MUQUBWRDNC"


def test_a_user_agent_that_says_nothing_is_still_called_unknown() -> None:
    cell, described = _words(Session(id="s1", display_name="box", user_agent="???"))
    assert cell.startswith("box")
    assert "Unknown client" in described


def test_an_account_name_from_the_server_is_plain_text() -> None:
    """A REST listing names the account (its email): untrusted, like any other field."""
    from session_tui.engine.state import AccountState
    from session_tui.providers.rest import RestProvider

    provider = RestProvider("http://127.0.0.1:9", "token")
    provider.account = "eve\x1b[31m@example.com\u202e\n[bold]x"
    assert AccountState(provider).name == "eve@example.com [bold]x"
