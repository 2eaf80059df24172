"""``hopscope run``: start a process and collect its stdout and stderr.

The process's output is passed through to the terminal as well (unless told otherwise),
so wrapping a service changes nothing for the person watching it.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Sequence

from collector.sources.base import Chunk, Source
from collector.sources.pipes import PipeSource
from collector.transforms.origin import Origin


class ProcessError(Exception):
    """The command could not be started."""


class ProcessSource(Source):
    def __init__(
        self,
        argv: Sequence[str],
        *,
        service: str,
        max_line_bytes: int,
        echo: bool = True,
        stop_seconds: float = 10.0,
    ) -> None:
        if not argv:
            raise ProcessError("no command given (hopscope run --service NAME -- COMMAND ...)")
        self.name = service
        self.stop_seconds = stop_seconds
        try:
            self.process = subprocess.Popen(
                list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise ProcessError(f"cannot start {argv[0]!r}: {exc.strerror or exc}") from None
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        started = f"{time.time_ns()}:{self.process.pid}"
        self.pipes = [
            PipeSource(
                stream.fileno(),
                Origin(f"run:{service}:{started}:{name}", f"{service}:{name}", service),
                max_line_bytes=max_line_bytes,
                echo_fd=echo_fd if echo else None,
            )
            for name, stream, echo_fd in (
                ("stdout", self.process.stdout, 1),
                ("stderr", self.process.stderr, 2),
            )
        ]
        self._exited_at: float | None = None
        self._stop_sent: float | None = None

    def poll(self, max_bytes: int) -> list[Chunk]:
        chunks: list[Chunk] = []
        for pipe in self.pipes:
            chunks.extend(pipe.poll(max_bytes // 2))
        self._watch()
        return chunks

    def _watch(self) -> None:
        now = time.monotonic()
        if self._exited_at is None and self.process.poll() is not None:
            self._exited_at = now
            for pipe in self.pipes:
                pipe.drain()  # children of the process may hold the pipes open: not for ever
        if (
            self._stop_sent is not None
            and self._exited_at is None
            and now - self._stop_sent >= self.stop_seconds
        ):
            self.process.kill()

    def finished(self) -> bool:
        return all(p.finished() for p in self.pipes) and self.process.poll() is not None

    def drain(self) -> None:
        if self._stop_sent is None and self.process.poll() is None:
            self._stop_sent = time.monotonic()
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def wait_fds(self) -> list[int]:
        return [fd for p in self.pipes for fd in p.wait_fds()]

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def exit_status(returncode: int | None) -> int:
    """The shell's convention: 128 + signal number for a process killed by a signal."""
    if returncode is None:
        return 1
    return 128 - returncode if returncode < 0 else returncode


__all__ = ["ProcessError", "ProcessSource", "exit_status"]
