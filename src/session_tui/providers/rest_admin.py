"""On call over our REST contract: another user's sessions, with an operator's token.

The contract's on-call part (docs/session-api.yaml, `/v1/users/{user_id}/sessions...`) has the
same shapes as the own-account part, under the watched user's path: the listing (no session is
ours, so none is current, unless the operator watches their own account), revoking one,
revoking a set, the server's history. So this is `RestProvider` with that path, no current
session required, and force sign-out (`R` signs out every session of the watched user).
"""

from __future__ import annotations

from session_tui.ids import url_segment
from session_tui.model import Capability
from session_tui.providers.rest import RestProvider
from session_tui.providers.rest_wire import SESSIONS


class RestAdminProvider(RestProvider):
    """One watched user of a server that implements the contract's on-call part."""

    own_account = False
    capabilities = RestProvider.capabilities | {Capability.FORCE_SIGN_OUT}

    def __init__(
        self, base_url: str, token: str, user: str, *, allow_insecure_http: bool = False
    ) -> None:
        super().__init__(base_url, token, allow_insecure_http=allow_insecure_http)
        self.watched_user = user
        self.account = user  # until the first listing names the account
        # The user id as one encoded path segment, whatever it holds (`ids.url_segment`).
        self.path = f"/v1/users/{url_segment(user)}{SESSIONS.removeprefix('/v1')}"

    def __repr__(self) -> str:
        return f"RestAdminProvider({self.base_url!r}, {self.watched_user!r})"
