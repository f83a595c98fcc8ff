"""Shared bits for the tracking tests (no tests here): a fake clock and realistic sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from session_tui.model import Location, Session

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FIREFOX_LINUX_OLD = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CURL = "curl/8.5.0"

IP_DE = "85.214.132.117"
IP_GB = "81.2.69.142"
IP_BR = "200.147.67.142"
IP_US = "8.8.8.8"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def session(
    sid: str,
    ua: str | None = FIREFOX_LINUX,
    ip: str | None = IP_DE,
    *,
    current: bool = False,
    created: datetime | None = None,
    expires: datetime | None = None,
    location: Location | None = None,
    name: str | None = None,
) -> Session:
    return Session(
        id=sid,
        is_current=current,
        user_agent=ua,
        display_name=name,
        ip=ip,
        location=location,
        created_at=created,
        expires_at=expires,
    )


def learned(prefix: str = "a") -> list[Session]:
    """A first listing large enough to end the learning period (`enrich.risk`): after it, a
    new device or country alerts at once. One Firefox in Germany."""
    from session_tui.enrich.risk import LEARNING_SIGN_INS

    return [session(f"{prefix}{i}") for i in range(LEARNING_SIGN_INS)]
