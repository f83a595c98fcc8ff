"""Tiny MaxMind-format databases for tests (`--city-db`, `--asn-db`), written with mmdb-writer:
the real reader (`maxminddb`) reads a real file, and no database is shipped with the tests."""

from __future__ import annotations

import pathlib
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def write_mmdb(
    path: pathlib.Path, records: dict[str, dict[str, Any]], kind: str = "session-tui-test"
) -> pathlib.Path:
    """A database mapping each network (IPv4 or IPv6, "81.2.69.0/24") to its record."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=kind)
    for network, record in records.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path
