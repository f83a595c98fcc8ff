"""Enricher: a session becomes a table row's view, cheaply when nothing changed."""

from __future__ import annotations

from session_tui.enrich import DeviceType, Enricher, GeoLocator
from session_tui.model import Location, Session

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_view_of_a_full_session() -> None:
    enricher = Enricher()
    session = Session(
        id="s1",
        user_agent=FIREFOX,
        display_name="Work laptop",
        ip="2a00:1450:4001:82b::200e",
    )
    view = enricher.view(session)
    assert view.session is session
    assert view.device.label == "Firefox 128 on Linux"
    assert view.device.device_type is DeviceType.DESKTOP
    assert view.place.label == "Ireland"
    assert view.name == "Work laptop"
    assert view.ip == "2a00:1450:4001:82b::200e"
    for word in ("work laptop", "firefox 128 on linux", "ireland", "ie", "2a00:1450", "gecko"):
        assert word in view.search_text
    assert view.search_text == view.search_text.lower()


def test_view_of_an_empty_session() -> None:
    view = Enricher().view(Session(id="bare"))
    assert (view.name, view.ip) == ("", "")
    assert view.device.label == "Unknown client"
    assert view.place.label == "Unknown"
    assert view.search_text == "unknown client unknown"


def test_hostile_fields_are_sanitised() -> None:
    session = Session(
        id="evil",
        display_name="[bold red]x[/]\n\x1b[31m" + "N" * 2048,
        ip="1.2.3.4\x1b[2J",
        user_agent="[link=https://evil]\x1b]8;;x\x07hi",
        location=Location(city="\u202eBerlin", country_code="DE"),
    )
    view = Enricher().view(session)
    assert view.name.startswith("[bold red]x[/] NNN")
    assert len(view.name) == 128
    assert view.ip == "1.2.3.4"
    assert view.place.label == "Berlin, Germany"
    assert "\x1b" not in view.search_text and "\n" not in view.search_text


def test_provider_location_is_used() -> None:
    geo = GeoLocator()
    view = Enricher(geo).view(Session(id="a", ip="8.8.8.8", location=Location(country_code="JP")))
    assert view.place.label == "Japan"
    assert view.place.source == "provider"


def test_unchanged_session_reuses_its_view_and_changed_one_does_not() -> None:
    enricher = Enricher()
    first = Session(id="s", user_agent="curl/8.5.0", ip="8.8.8.8", extras={"n": 1})
    view1 = enricher.view(first)
    assert enricher.view(first) is view1

    same_fields = Session(id="s", user_agent="curl/8.5.0", ip="8.8.8.8", extras={"n": 2})
    view2 = enricher.view(same_fields)
    assert view2.session is same_fields  # newest extras
    assert view2.device is view1.device

    moved = Session(id="s", user_agent="curl/8.5.0", ip="1.0.16.1")
    assert enricher.view(moved).place.label == "Japan"


def test_view_cache_is_bounded() -> None:
    enricher = Enricher(max_cached=3)
    sessions = [Session(id=str(i)) for i in range(5)]
    views = [enricher.view(s) for s in sessions]
    assert enricher.view(sessions[4]) is views[4]
    assert enricher.view(sessions[0]) is not views[0]  # evicted, built again


def test_views_asked_again_after_a_poll_are_those_of_the_sessions_now() -> None:
    enricher = Enricher()
    sessions = [Session(id=f"s{i}", user_agent="curl/8.5.0", ip="8.8.8.8") for i in range(40)]
    first = enricher.views(sessions)
    first.clear()  # the caller's list is its own: the next answer does not come from it
    sessions[3] = Session(id="s3", user_agent=FIREFOX, ip="1.0.16.1")  # changed in place
    again = enricher.views(sessions)
    assert [v.session for v in again] == sessions
    assert all(v.session is s for v, s in zip(again, sessions, strict=True))
    assert again[3].device.browser.startswith("Firefox") and again[3].place.label == "Japan"
    assert again[4].device is again[5].device  # the others, reused
    reordered = sessions[::-1]  # other places: looked up, not copied
    assert [v.session for v in enricher.views(reordered)] == reordered
    fewer = sessions[:-1]
    assert [v.session for v in enricher.views(iter(fewer))] == fewer
