"""A record on its way through the collector."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def record_id(source_identity: str, offset: int) -> str:
    """Deterministic id: the same line of the same source always gets the same id, so a
    re-read after a crash is written idempotently by every sink."""
    digest = hashlib.blake2b(f"{source_identity}\0{offset}".encode(), digest_size=12)
    return digest.hexdigest()


@dataclass(slots=True)
class Record:
    id: str
    doc: dict[str, Any]  # schema-valid document (an unstructured record is valid too)
    source: str  # source name as shown to people (path, "stdin", container name)
    offset: int  # byte offset of the line in its source
    unstructured: bool = False
    raw: bytes | None = field(default=None, repr=False)  # the line as read, when kept
