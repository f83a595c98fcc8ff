"""`plain()`, the one sanitiser of untrusted text, as enrichment and the UI have always imported it.

It lives in `session_tui.text` so that providers can use it without importing this package
(user agent parsing, geo databases) or reaching rightwards across the layers.
"""

from __future__ import annotations

from session_tui.text import ELLIPSIS, plain, plain_uncached

__all__ = ["ELLIPSIS", "plain", "plain_uncached"]
