"""Writing lines to stdout so that a closed stdout or a broken pipe never stops the service."""

from __future__ import annotations

import os
import select
import sys
import threading
import time
import weakref
from typing import Any, BinaryIO

_BLOCKED_PATIENCE = 10.0  # seconds a non-blocking stdout may stay full before giving up


def _write_patiently(stream: BinaryIO, rest: bytes) -> None:
    """Write what the stream did not take at once, then flush.

    A raw stdout (``PYTHONUNBUFFERED=1``) may take part of a line, and a non-blocking one
    that is full (EAGAIN) takes none of it for a moment: neither is a broken stdout. Wait
    until the reader catches up, for a while, rather than drop or cut the line.
    """
    deadline = time.monotonic() + _BLOCKED_PATIENCE
    while True:
        try:
            while rest:
                written = stream.write(rest)
                if written is None:  # a raw non-blocking stream that would block
                    break
                rest = rest[written:]
            if not rest:
                stream.flush()
                return
        except BlockingIOError as exc:  # a buffered one: it says how much it took
            rest = rest[exc.characters_written :]
        if time.monotonic() > deadline:
            raise OSError("stdout stayed full (non-blocking pipe)")
        select.select([], [stream.fileno()], [], 0.05)


_live_writers: weakref.WeakSet[LineWriter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for writer in list(_live_writers):
        writer._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class LineWriter:
    """Writes one line per call, flushed at once, so collectors see it immediately.

    On a closed or broken stream it stops writing, says so once on stderr, and the service
    goes on. Construct with ``stream=None`` to follow ``sys.stdout`` as it is replaced.
    """

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self._stream = stream
        self._broken = False
        # Re-entrant: a signal handler or a __del__ that logs while this thread is writing
        # must not deadlock it. Its line waits in _pending until the line being written is
        # out: written inside it, it would splice the two (and a buffered stream refuses a
        # re-entrant write outright).
        self._lock = threading.RLock()
        self._pending: list[bytes] = []
        _live_writers.add(self)

    def _after_fork(self) -> None:
        # A thread of the parent may have held the lock at the fork; it does not exist here.
        self._lock = threading.RLock()

    def _target(self) -> BinaryIO:
        if self._stream is not None:
            return self._stream
        out = sys.stdout
        buffer: BinaryIO | None = getattr(out, "buffer", None)
        if buffer is None:
            raise ValueError("sys.stdout has no binary buffer")
        return buffer

    def write(self, line: bytes) -> None:
        if self._broken:
            return
        pending = self._pending
        # This thread holds the lock already: called from inside its own write (a signal
        # handler, a __del__). The line waits for the one being written. (``_is_owned`` is
        # what threading.Condition asks an RLock too; cheaper than keeping the owner here.)
        if self._lock._is_owned():  # type: ignore[attr-defined]
            pending.append(line)
            return
        try:
            stream = self._stream or self._target()
            with self._lock:
                while True:
                    try:
                        written = stream.write(line)
                    except BlockingIOError as exc:  # a buffered one: it says how much
                        written = exc.characters_written
                    if written == len(line):
                        try:
                            stream.flush()
                        except BlockingIOError:
                            _write_patiently(stream, b"")
                    else:  # a raw stream took part of it, or none
                        _write_patiently(stream, line[written or 0 :])
                    if not pending:
                        break
                    line = pending.pop(0)  # queued meanwhile (by a signal handler)
            if pending:  # queued after the last look, before the turn ended
                self.write(pending.pop(0))
        except (BrokenPipeError, ValueError, OSError) as exc:
            self._give_up(exc)

    def _give_up(self, exc: BaseException) -> None:
        self._broken = True
        if isinstance(exc, BrokenPipeError):
            # Point stdout at devnull so the interpreter's own flush at exit stays quiet.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass
        try:
            sys.stderr.write(
                f"hopscope: stdout is unusable ({exc!r}); log lines are dropped from now on\n"
            )
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass

    @property
    def broken(self) -> bool:
        return self._broken


class StructlogLineLogger:
    """structlog's wrapped logger: every method writes the rendered bytes as one line."""

    def __init__(self, writer: LineWriter) -> None:
        self._writer = writer

    def msg(self, message: bytes) -> None:
        self._writer.write(message)

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class StructlogLineLoggerFactory:
    def __init__(self, writer: LineWriter) -> None:
        self._logger = StructlogLineLogger(writer)

    def __call__(self, *args: Any) -> StructlogLineLogger:
        return self._logger
