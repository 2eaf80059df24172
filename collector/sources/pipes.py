"""Pipes: standard input, and a wrapped process's stdout and stderr.

A pipe cannot be re-read, so it has no checkpoint; its records are safe once the sinks (or
the disk buffer) hold them.
"""

from __future__ import annotations

import os
import select
import time

from collector.sources.base import Chunk, Source
from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.stages import StreamDecoder, default_stages

READ_BYTES = 256 * 1024


class PipeSource(Source):
    def __init__(
        self,
        fd: int,
        origin: Origin,
        *,
        max_line_bytes: int,
        echo_fd: int | None = None,
        drain_seconds: float = 3.0,
    ) -> None:
        self.name = origin.name
        self.fd = fd
        self.origin = origin
        self.echo_fd = echo_fd
        self.drain_seconds = drain_seconds
        self.decoder = StreamDecoder(0, max_line_bytes, default_stages(max_line_bytes))
        self._eof = False
        self._deadline: float | None = None

    def poll(self, max_bytes: int) -> list[Chunk]:
        if self._eof:
            return []
        lines: list[Line] = []
        remaining = max_bytes
        while remaining > 0:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0)
            except (OSError, ValueError):
                ready = [self.fd]  # closed under us: read reports it
            if not ready:
                break
            try:
                data = os.read(self.fd, min(READ_BYTES, remaining))
            except OSError:
                data = b""
            if not data:
                return self._end(lines)
            remaining -= len(data)
            self._echo(data)
            lines.extend(self.decoder.feed(data))
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return self._end(lines)  # asked to stop and the writer keeps the pipe open
        lines.extend(self.decoder.flush_if_idle())
        return [Chunk(self.origin, lines)] if lines else []

    def _end(self, lines: list[Line]) -> list[Chunk]:
        self._eof = True
        lines.extend(self.decoder.flush())
        return [Chunk(self.origin, lines)] if lines else []

    def _echo(self, data: bytes) -> None:
        if self.echo_fd is None:
            return
        try:
            view = memoryview(data)
            while view:
                written = os.write(self.echo_fd, view)
                view = view[written:]
        except OSError:
            self.echo_fd = None  # the terminal went away; collecting goes on

    def finished(self) -> bool:
        return self._eof

    def drain(self) -> None:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.drain_seconds

    def wait_fds(self) -> list[int]:
        return [] if self._eof else [self.fd]


def stdin_source(*, max_line_bytes: int, service: str | None) -> PipeSource:
    origin = Origin(f"stdin:{time.time_ns()}:{os.getpid()}", "stdin", service)
    return PipeSource(0, origin, max_line_bytes=max_line_bytes)
