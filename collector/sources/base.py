"""The source interface: something that yields lines with their origin, without blocking."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from collector.transforms.lines import Line
from collector.transforms.origin import Origin


@dataclass(slots=True)
class Chunk:
    """Lines read from one origin, in order."""

    origin: Origin
    lines: list[Line]


class Source(ABC):
    #: name shown in counters
    name: str

    @abstractmethod
    def poll(self, max_bytes: int) -> list[Chunk]:
        """Lines that can be read now, about ``max_bytes`` of input at most; never blocks."""

    @abstractmethod
    def finished(self) -> bool:
        """Nothing more will come (end of a file read once, end of a pipe)."""

    def drain(self) -> None:  # noqa: B027 - a source read once is drained already
        """Stop following: read what is there now, then finish."""

    def wait_fds(self) -> list[int]:
        """File descriptors worth waiting on with ``select`` (pipes); files are polled."""
        return []

    def lag_bytes(self) -> int:
        """Bytes known to exist in the source and not read yet."""
        return 0

    def total_bytes(self) -> int | None:
        """Size of what a one-shot read will cover (for a progress bar), if known."""
        return None

    def close(self) -> None:  # noqa: B027
        """Release files and pipes."""
