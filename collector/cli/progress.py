"""The progress bar of a backfill on a terminal: bytes of the files read once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.sources.base import Source


class Progress:
    """A progress bar over the bytes of the files read once."""

    def __init__(self, sources: list[Source]) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.sources = sources
        self.bar = Progress(
            TextColumn("collecting"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        )
        self.task = self.bar.add_task("collect", total=None)
        self.bar.start()

    def advance(self, consumed: int) -> None:
        total = sum(s.total_bytes() or 0 for s in self.sources)
        self.bar.update(self.task, advance=consumed, total=total or None)

    def close(self) -> None:
        self.bar.stop()
