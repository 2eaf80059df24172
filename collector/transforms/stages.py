"""Per-stream processing between the line splitter and the parser: each stage takes lines
and returns lines, may hold some back (a partial Docker line, a traceback in progress), and
gives them up on ``flush``."""

from __future__ import annotations

import time
from typing import Protocol

from collector.transforms.docker_unwrap import DockerUnwrapper
from collector.transforms.lines import Line, LineSplitter
from collector.transforms.traceback_grouping import TracebackGrouper

#: a traceback group waiting for more lines is given up after this long without input
GROUP_IDLE_SECONDS = 0.5


class Stage(Protocol):
    def feed(self, lines: list[Line]) -> list[Line]: ...

    def flush(self) -> list[Line]: ...

    def has_pending(self) -> bool: ...


class StreamDecoder:
    """Bytes of one stream in, finished lines out: splitter followed by stages."""

    def __init__(self, start_offset: int, max_line_bytes: int, stages: list[Stage]) -> None:
        self.splitter = LineSplitter(start_offset, max_line_bytes)
        self.stages = stages
        self._last_input = time.monotonic()

    @property
    def position(self) -> int:
        return self.splitter.position

    def feed(self, data: bytes) -> list[Line]:
        self._last_input = time.monotonic()
        lines = self.splitter.feed(data)
        for stage in self.stages:
            if not lines and not stage.has_pending():
                continue
            lines = stage.feed(lines)
        return lines

    def flush(self, *, unfinished_line: bool = True) -> list[Line]:
        """Everything held. ``unfinished_line=False`` keeps back a last line whose newline
        has not come (a followed file being stopped: the next run reads it whole)."""
        lines = self.splitter.flush() if unfinished_line else []
        for stage in self.stages:
            lines = stage.feed(lines) + stage.flush()
        return lines

    def flush_if_idle(self) -> list[Line]:
        """Give up held groups (not an unfinished line) after a quiet spell."""
        if time.monotonic() - self._last_input < GROUP_IDLE_SECONDS:
            return []
        lines: list[Line] = []
        for stage in self.stages:
            if lines:
                lines = stage.feed(lines)
            if stage.has_pending():
                lines += stage.flush()
        return lines


def default_stages(max_line_bytes: int, docker: bool = False) -> list[Stage]:
    stages: list[Stage] = []
    if docker:
        stages.append(DockerUnwrapper(max_line_bytes))
    stages.append(TracebackGrouper(max_line_bytes))
    return stages
