"""Session ids from a server: which are safe to show, type back and send, and the one place
that puts an id into a URL.

A session id is chosen by the server, and on some APIs by the client that signed in (a Matrix
client picks its own `device_id`), so it may be hostile on purpose. Two things follow.

- An id that would not show as itself (empty, a line break, an escape sequence, a hidden or
  bidi character, or absurdly long) can be neither printed for a user to type back nor sent
  safely. Such a session stays visible under a stand-in id that says why (`unsafe-control-…`),
  and nothing ever sends it: every path (a row, a selection, revoke-all, the command line, on
  call) refuses it the same way, through `ProviderBase`. Every other id is exactly what the
  dashboard and the command line print, and what `session-tui revoke` takes back.
- An id goes into a URL only as one percent-encoded path segment (`url_segment`), dots
  included: httpx, like every RFC 3986 client, drops the segments "." and "..", so a device
  named ".." would otherwise turn `DELETE /devices/..` into a request for the parent resource.
  Ids made of dots alone (or of characters a server might fold into dots) are sent only in a
  request body where the API has one (`is_dotlike`): a proxy in front of a server may decode
  "%2E" before it routes.

Top level, beside `text`, because providers, the engine and both front ends all ask it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from urllib.parse import quote

from session_tui.errors import UnsafeSessionId
from session_tui.text import plain_uncached

MAX_ID = 1024  # characters; a longer id is never cut (a cut id would revoke the wrong thing)
STAND_IN = "unsafe-"

# Why an id cannot be used, as the word in its stand-in and the words on screen.
REASONS = {
    "empty": "the server sent an empty id",
    "control": "its id holds a line break or a control character",
    "hidden": "its id holds characters that would not show as they are",
    "long": f"its id is longer than {MAX_ID:,} characters",
    "unicode": "its id is not valid Unicode",
    "mimic": "its id looks like one of session-tui's stand-ins",
}


def id_problem(session_id: str) -> str | None:
    """The reason word (a key of `REASONS`) this id cannot be shown and sent, or None."""
    if not session_id:
        return "empty"
    if len(session_id) > MAX_ID:
        return "long"
    if session_id.startswith(STAND_IN):
        return "mimic"
    if session_id.isascii():
        if not session_id.isprintable():
            return "control"
        if session_id != session_id.strip(" ") or "  " in session_id:
            return "hidden"
        return None
    try:
        session_id.encode("utf-8")
    except UnicodeEncodeError:
        return "unicode"
    if any(unicodedata.category(ch) == "Cc" for ch in session_id):
        return "control"
    if not session_id.isprintable() or plain_uncached(session_id, MAX_ID) != session_id:
        return "hidden"
    return None


def stand_in(session_id: str, problem: str) -> str:
    """The id a session with an unusable id is known by here: stable from poll to poll, so its
    history is kept, and telling why it is refused."""
    digest = hashlib.blake2b(session_id.encode("utf-8", "surrogatepass"), digest_size=8)
    return f"{STAND_IN}{problem}-{digest.hexdigest()}"


def refused_reason(session_id: str) -> str | None:
    """For a stand-in id: why the real one cannot be sent, in words; else None."""
    if not session_id.startswith(STAND_IN):
        return None
    word = session_id[len(STAND_IN) :].split("-", 1)[0]
    return REASONS.get(word, "its id cannot be sent safely")


def is_dotlike(session_id: str) -> bool:
    """Made of dots alone, counting characters that Unicode folds into a dot (fullwidth "．"):
    a dot segment to some server or proxy on the way, however it is encoded."""
    folded = unicodedata.normalize("NFKC", session_id)
    return bool(folded) and folded.strip(".") == ""


DOTS = "its id is made of dots, which cannot go into a URL safely"


def send_refusal(session_id: str, *, in_body: bool) -> str | None:
    """Why a revoke of this session cannot be sent (None: it can): a stand-in never, an id of
    dots only where the API names sessions in a request body (`in_body`)."""
    reason = refused_reason(session_id)
    if reason is None and not in_body and is_dotlike(session_id):
        reason = DOTS
    return reason


def url_segment(session_id: str) -> str:
    """`session_id` as exactly one path segment: every byte but letters, digits, "-", "_" and
    "~" percent-encoded, dots as "%2E". A stand-in (or any unusable id) is refused: nothing is
    sent for it."""
    reason = refused_reason(session_id) or (
        REASONS[problem] if (problem := id_problem(session_id)) else None
    )
    if reason:
        raise UnsafeSessionId(reason)
    return quote(session_id, safe="").replace(".", "%2E")
