"""A listing the demo service writes as it encodes it, a batch of sessions at a time.

Held whole, a 10,000-session listing was 10,000 dicts, one 3 MB string and its 3 MB of bytes
at once: 15 MiB of the process's peak, which in the embedded demo is the app's own. Encoded a
batch at a time and sent with chunked transfer coding, it costs one batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

BATCH = 500  # sessions a chunk: ~160 KB of JSON, a few hundred socket writes at 10,000


@dataclass(frozen=True)
class Streamed:
    """`{**head, key: [encode(item) for item in items]}`, written piece by piece."""

    head: dict[str, Any]
    key: str
    items: Sequence[Any]
    encode: Callable[[Any], dict[str, Any]]

    def chunks(self) -> Iterator[bytes]:
        """The JSON text in pieces, each item encoded only when its batch is written."""
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        head = "".join(f"{dumps(k)}:{dumps(v)}," for k, v in self.head.items())
        yield f"{{{head}{dumps(self.key)}:[".encode()
        for start in range(0, len(self.items), BATCH):
            batch = self.items[start : start + BATCH]
            text = dumps([self.encode(item) for item in batch])[1:-1]  # one C call a batch
            yield (text if start == 0 else "," + text).encode()
        yield b"]}"
