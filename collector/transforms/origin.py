"""Where a line came from: the context a source attaches to the lines it reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Origin:
    #: stable name of the byte stream: the record ids and the checkpoint are keyed by it
    identity: str
    #: what people see as the source (file path, "stdin", "cart:stderr")
    name: str
    #: service.name for lines that do not name their service (unstructured ones)
    service: str | None = None
    #: whether the stream can be re-read from an offset, so a checkpoint makes sense
    resumable: bool = False
