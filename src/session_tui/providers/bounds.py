"""Every provider's answer, bounded where it crosses into the app: each field cut to a size
nothing on screen needs more of, and ids that cannot be shown as themselves given stand-ins."""

from __future__ import annotations

from dataclasses import replace

from session_tui.ids import id_problem, stand_in
from session_tui.model import Session

# The longest each untrusted field may be once it has crossed the provider boundary. Nothing
# longer is ever useful on screen, and everything after this point (caches, the history store,
# the audit log, the screen) may then rely on it.
MAX_USER_AGENT = 2048
MAX_TEXT = 512  # display names, places
MAX_IP = 64
MAX_EXTRAS = 4096  # characters of provider-specific extras, as text; beyond, they are dropped


def _cut(value: str | None, limit: int) -> str | None:
    """At most `limit` characters, and encodable: a lone surrogate (JSON lets a server send
    "\\ud800") would break every file and terminal it reached, so it becomes "?"."""
    if value is None:
        return None
    value = value[:limit]
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bounded(session: Session) -> Session:
    """The session with every untrusted string cut to its bound (see the constants above), and
    known by a stand-in id if its own cannot be shown or sent (`session_tui.ids`): it stays
    on screen, flagged, and nothing is ever sent for it."""
    problem = id_problem(session.id)
    if problem is not None:
        session = replace(session, id=stand_in(session.id, problem))
    if _within(session):
        return session  # the common case, on every poll: nothing to cut, nothing to copy
    location = session.location
    if location is not None:
        location = replace(
            location, city=_cut(location.city, MAX_TEXT), region=_cut(location.region, MAX_TEXT)
        )
    extras = session.extras if len(repr(session.extras)) <= MAX_EXTRAS else {}
    return replace(
        session,
        user_agent=_cut(session.user_agent, MAX_USER_AGENT),
        display_name=_cut(session.display_name, MAX_TEXT),
        ip=_cut(session.ip, MAX_IP),
        location=location,
        extras=extras,
    )


def _fits(value: str | None, limit: int) -> bool:
    return value is None or (len(value) <= limit and (value.isascii() or _encodable(value)))


def _within(session: Session) -> bool:
    location = session.location
    return (
        _fits(session.user_agent, MAX_USER_AGENT)
        and _fits(session.display_name, MAX_TEXT)
        and _fits(session.ip, MAX_IP)
        and (
            location is None
            or (_fits(location.city, MAX_TEXT) and _fits(location.region, MAX_TEXT))
        )
        and (not session.extras or len(repr(session.extras)) <= MAX_EXTRAS)
    )


def all_bounded(
    sessions: list[Session], before: dict[str, Session]
) -> tuple[list[Session], list[str], dict[str, Session]]:
    """Every session bounded, the ids marked current, and the sessions by id (the next
    call's `before`). A session object that comes back as it was returned last time (a
    provider that reads only changes keeps the others) was bounded then: at 10,000 sessions a
    poll that saw 1% move bounds only that 1%."""
    out = [s if before.get(s.id) is s else bounded(s) for s in sessions]
    return out, [s.id for s in out if s.is_current], {s.id: s for s in out}
