"""Fields of a server's answer: an IP address in ipaddress's short form, whichever way the
server wrote it, and the same refusals (`providers.fields.canonical_ip` takes a C path for the
usual addresses; it must never disagree with ipaddress)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from session_tui.errors import BadResponse
from session_tui.providers.fields import canonical_ip, optional_ip


def _reference(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _ours(text: str) -> str | None:
    try:
        return canonical_ip(text)
    except ValueError:
        return None


_groups = st.lists(
    st.sampled_from([0, 0, 0, 1, 0xFFFF]) | st.integers(0, 0xFFFF), min_size=8, max_size=8
)


@given(_groups)
def test_ipv6_written_any_way_comes_out_as_ipaddress_writes_it(groups: list[int]) -> None:
    address = ipaddress.IPv6Address(b"".join(g.to_bytes(2, "big") for g in groups))
    for text in (address.exploded, address.compressed, address.exploded.upper()):
        assert _ours(text) == _reference(text)


@given(st.lists(st.integers(0, 255), min_size=4, max_size=4), st.sampled_from(["", "0", "::ffff:"]))
def test_ipv4_and_its_odd_forms_agree_with_ipaddress(parts: list[int], prefix: str) -> None:
    text = prefix + ".".join(map(str, parts))
    assert _ours(text) == _reference(text)


@given(st.text(alphabet="0123456789abcdefABCDEF:.%x \x00", max_size=24))
def test_junk_is_refused_exactly_when_ipaddress_refuses_it(text: str) -> None:
    assert _ours(text) == _reference(text)


@pytest.mark.parametrize(
    ("given", "shown"),
    [("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), (" 10.0.0.1 ", "10.0.0.1"), ("", None)],
)
def test_optional_ip_gives_the_short_form(given: str, shown: str | None) -> None:
    assert optional_ip(given, "ip") == shown


def test_optional_ip_names_the_field_it_refuses() -> None:
    with pytest.raises(BadResponse, match=r"'sessions\.ip' is not an IP address"):
        optional_ip("1.2.3", "sessions.ip")


def test_coordinates_from_a_server_are_numbers_in_range_or_nothing() -> None:
    from session_tui.providers.fields import coordinates

    assert coordinates(52.5, 13) == (52.5, 13.0)
    assert coordinates(-90, 180) == (-90.0, 180.0)
    for lat, lon in [
        (91, 0), (0, -180.5), (float("nan"), 1), (1, float("inf")), (True, 1), ("52.5", 13),
        (None, 13), (52.5, None),
    ]:  # fmt: skip
        assert coordinates(lat, lon) == (None, None)
