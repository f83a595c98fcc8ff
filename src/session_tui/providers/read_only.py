"""Read-only mode: a provider that can list but has no way to change anything.

`--read-only` (or `read_only = true` in a profile) wraps every provider the run opens in a
`ReadOnlyProvider`, so no code path of the dashboard or the command line can send a revoking
request: the calls that would are refused here, before any request is made.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from session_tui.errors import ReadOnlyRefused
from session_tui.model import Capability, EndedSession, Session
from session_tui.providers.base import SessionProvider


class ReadOnlyProvider:
    """Everything of `inner` but revoke, revoke-others and rename."""

    read_only = True

    def __init__(self, inner: SessionProvider) -> None:
        self.inner = inner

    def __repr__(self) -> str:
        return f"ReadOnlyProvider({self.inner!r})"

    @property
    def kind(self) -> str:
        return self.inner.kind

    @property
    def account(self) -> str:
        return self.inner.account

    @property
    def server(self) -> str:
        return self.inner.server

    @property
    def acting_as(self) -> str | None:
        return self.inner.acting_as

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.inner.capabilities - {Capability.RENAME}

    async def list_sessions(self) -> list[Session]:
        return await self.inner.list_sessions()

    async def revoke(self, session_id: str, *, password: str | None = None) -> None:
        raise ReadOnlyRefused("revoke a session")

    async def revoke_others(
        self, *, only: Collection[str] | None = None, password: str | None = None
    ) -> int:
        raise ReadOnlyRefused("sign out sessions")

    async def rename(self, session_id: str, name: str) -> None:
        raise ReadOnlyRefused("rename a session")

    async def history(self) -> list[EndedSession]:
        return await self.inner.history()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        # Anything else (an on-call provider's credential check, say) is the inner one's; the
        # three calls above are the only ones that change anything on a server.
        return getattr(self.inner, name)


def is_read_only(provider: SessionProvider) -> bool:
    return getattr(provider, "read_only", False) is True
