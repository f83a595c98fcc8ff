"""How a session is named in words, the same way in the table, the history, alerts and the audit.

A session goes by its display name when it has one, else by what its user agent says, else by
its id. An API that reports no user agent at all (Matrix's client API never does) gets no
device label: calling every such device "Unknown client" would be noise, and wrong, since the
client is known to the user by its name. A user agent that is present but says nothing useful
is still labelled "Unknown client": that is worth knowing.
"""

from __future__ import annotations

from session_tui.enrich.device import UNKNOWN_DEVICE, DeviceInfo
from session_tui.text import plain

AGENT_LEN = 120
ID_LEN = 60


def reported(user_agent: str | None, device: DeviceInfo) -> bool:
    """Whether the API said anything about the device: a user agent, or (Keycloak) what it
    parsed from one."""
    return bool(user_agent) or device is not UNKNOWN_DEVICE


def agent_label(user_agent: str | None, device: DeviceInfo) -> str:
    """What the user agent says ("Firefox 128 on Linux"), or "" when the API gave none."""
    return plain(device.label, AGENT_LEN) if reported(user_agent, device) else ""


def primary_name(name: str, agent: str, session_id: str) -> str:
    """The name a person knows a session by: its (clean) display name, its device, its id."""
    return name or agent or plain(session_id, ID_LEN)


def device_words(name: str, agent: str, session_id: str) -> str:
    """ "Work laptop (Firefox 128 on Linux)", "Firefox 128 on Linux", "iPhone" or the id."""
    primary = primary_name(name, agent, session_id)
    return f"{primary} ({agent})" if agent and primary != agent else primary
