"""One account's settings as the config file and the flags give them (`config` reads them).

Here, apart from `config`, so that what a profile is can be named by the provider plugins
(`plugin`) without importing how the config file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    provider: str | None = None
    homeserver: str | None = None
    user: str | None = None
    url: str | None = None
    base_url: str | None = None
    base_path: str | None = None
    realm: str | None = None  # Keycloak
    client_id: str | None = None  # Keycloak: the OIDC client session-tui signs in as
    admin: bool = False
    watch: tuple[str, ...] = ()
    interval: float | None = None
    allow_insecure_http: bool = False
    city_db: Path | None = None
    asn_db: Path | None = None
    retention_days: float | None = None
    read_only: bool = False
    store: str | None = None  # a SQLite file or postgresql://… (a team's shared store)
    demo_sessions: int | None = None  # --demo-sessions only (not a config file key)
    demo_reset: bool = False  # --demo-reset only (not a config file key)
