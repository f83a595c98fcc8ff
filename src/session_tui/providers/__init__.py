"""Adapters from real session APIs to `Session` objects (httpx; never Textual)."""

from session_tui.providers.base import ProviderBase, SessionProvider

__all__ = ["ProviderBase", "SessionProvider"]
