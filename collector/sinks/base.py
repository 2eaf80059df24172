"""The sink interface: every storage backend behind one ``write``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from collector.transforms.record import CollectedRecord


class SinkUnavailable(Exception):
    """The sink cannot take records now (server down, read-only, disk full).

    The collector keeps the batch, backs off and tries again; nothing is acknowledged.
    """


@dataclass
class WriteResult:
    #: records now stored, duplicates of already-stored ids included (idempotent writes)
    stored: int = 0
    #: records the sink refused for good, with the sink's reason: they go to dead letters
    rejected: list[tuple[CollectedRecord, str]] = field(default_factory=list)
    #: item-level retries the sink made inside this write (counted for operators)
    retried: int = 0


class Sink(ABC):
    """A destination for records. ``write`` returns only once every record of the batch is
    either stored or rejected; it raises :class:`SinkUnavailable` when it could do neither."""

    name: str
    #: writing a record twice stores it once (by its id); a sink that cannot deduplicate
    #: takes each record once, through its disk buffer
    idempotent: bool = True
    #: records per write to a sink that cannot deduplicate: at most these are in doubt when
    #: the collector dies during a write
    write_limit: int = 5000

    @abstractmethod
    def write(self, records: Sequence[CollectedRecord]) -> WriteResult: ...

    def close(self) -> None:  # noqa: B027 - most sinks hold nothing to release
        """Flush and release connections."""
