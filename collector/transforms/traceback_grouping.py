"""Gluing the lines of a Python traceback into one entry.

A crashing service prints its traceback as many plain-text lines; kept apart they would be
many meaningless records. Lines are grouped from ``Traceback (most recent call last):`` to
the exception line, chained exceptions ("During handling of the above exception...")
included. JSON lines are never grouped.
"""

from __future__ import annotations

from typing import Final

from collector.transforms.lines import Line

TRACEBACK_HEADERS: Final = (b"Traceback (most recent call last):", b"Exception Group Traceback")
CHAIN_HEADERS: Final = (
    b"During handling of the above exception",
    b"The above exception was the direct cause",
)
MAX_GROUP_LINES: Final = 2000

_IDLE, _IN_TRACE, _AFTER_EXCEPTION = range(3)


def starts_traceback(data: bytes) -> bool:
    return data.lstrip(b" +|").startswith(TRACEBACK_HEADERS)


def _indented(data: bytes) -> bool:
    return data[:1] in (b" ", b"\t")


class TracebackGrouper:
    """Feed lines in order; get back entries, tracebacks merged into one line each."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._group: list[Line] = []
        self._held: list[Line] = []  # blank lines after an exception line: a chain may follow
        self._state = _IDLE
        self._size = 0

    def has_pending(self) -> bool:
        return bool(self._group)

    def feed(self, lines: list[Line]) -> list[Line]:
        out: list[Line] = []
        append, step = out.append, self._step
        for line in lines:
            if self._state == _IDLE and line.data[:1] == b"{":
                append(line)  # the common case: JSON output, no traceback in progress
            else:
                step(line, out)
        return out

    def flush(self) -> list[Line]:
        out: list[Line] = []
        self._emit(out)
        return out

    def _step(self, line: Line, out: list[Line]) -> None:
        data = line.data
        state = self._state
        if state == _IDLE:
            if data[:1] != b"{" and starts_traceback(data):
                self._start(line)
            else:
                out.append(line)
            return
        if data[:1] == b"{":  # structured output resumed: the traceback is over
            self._emit(out)
            out.append(line)
            return
        if state == _IN_TRACE:
            self._add(line)
            if not (
                _indented(data)
                or not data.strip()
                or data.startswith((*TRACEBACK_HEADERS, *CHAIN_HEADERS))
            ):
                self._state = _AFTER_EXCEPTION  # the exception line closes this traceback
        elif not data.strip():
            self._held.append(line)
        elif data.startswith(CHAIN_HEADERS):
            for held in self._held:
                self._add(held)
            self._held = []
            self._add(line)
            self._state = _IN_TRACE
        else:
            self._emit(out)  # not a chain: what was held is plain output
            self._step(line, out)
            return
        if len(self._group) >= MAX_GROUP_LINES or self._size >= self.max_bytes:
            self._emit(out)

    def _start(self, line: Line) -> None:
        self._group = [line]
        self._size = len(line.data)
        self._state = _IN_TRACE

    def _add(self, line: Line) -> None:
        self._group.append(line)
        self._size += len(line.data) + 1

    def _pop_held(self) -> list[Line]:
        held, self._held = self._held, []
        return held

    def _emit(self, out: list[Line]) -> None:
        group, self._group = self._group, []
        self._state = _IDLE
        self._size = 0
        if group:
            data = b"\n".join(line.data for line in group)
            truncated = any(line.truncated for line in group)
            if len(data) > self.max_bytes:
                data, truncated = data[: self.max_bytes], True
            out.append(Line(group[0].offset, group[-1].end, data, truncated, group[0].time))
        out.extend(self._pop_held())
