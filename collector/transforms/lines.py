"""Splitting a byte stream into lines, with a ceiling on line size.

A line longer than the ceiling is kept, cut to the ceiling and flagged as truncated; the
rest of it is skipped without being held in memory, and the lines after it are read as
usual. Offsets are byte positions in the stream, so a line's offset names it for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Final

DEFAULT_MAX_LINE_BYTES: Final = 1024 * 1024

#: appended to the kept part of a line that was cut to the ceiling
TRUNCATION_MARKER: Final = b" [hopscope: line truncated]"


@dataclass(slots=True)
class Line:
    offset: int  # byte offset of the line's first byte in its stream
    end: int  # byte offset just past the line, its newline included
    data: bytes  # the line without its newline (and without a trailing CR)
    truncated: bool = False
    time: str | None = None  # when it was written, if the source says (Docker does)


class LineSplitter:
    """Feed chunks of a stream, get back its complete lines in order."""

    def __init__(self, start_offset: int = 0, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES):
        if max_line_bytes < 1:
            raise ValueError("the maximum line size must be at least 1 byte")
        self.max_line_bytes = max_line_bytes
        self._pending = b""  # start of a line whose newline has not arrived yet
        self._pending_offset = start_offset
        self._skipping = False  # inside the cut-off tail of an over-long line
        self._position = start_offset  # offset just past the last byte fed

    @property
    def position(self) -> int:
        """Offset just past everything fed so far."""
        return self._position

    def has_pending(self) -> bool:
        return bool(self._pending) or self._skipping

    def feed(self, chunk: bytes) -> list[Line]:
        lines: list[Line] = []
        if not chunk:
            return lines
        limit = self.max_line_bytes
        offset = self._position
        self._position += len(chunk)
        parts = chunk.split(b"\n")
        last = parts.pop()  # bytes after the final newline: the start of an unfinished line
        if parts:
            first = parts[0]
            start = self._pending_offset
            if self._skipping:
                kept, truncated = self._pending, True
            elif self._pending:
                kept = self._pending + first
                truncated = len(kept) > limit
                if truncated:
                    kept = kept[:limit]
            else:
                kept, truncated = first, len(first) > limit
                if truncated:
                    kept = first[:limit]
            offset += len(first) + 1
            lines.append(_line(start, offset, kept, truncated))
            rest = parts[1:]
            lengths = [len(part) + 1 for part in rest]
            if lengths and b"\r" not in chunk and max(lengths) <= limit + 1:
                # the common case, with nothing to cut off: one Line per part, no test each
                bounds = list(accumulate(lengths, initial=offset))
                lines += map(Line, bounds, bounds[1:], rest)
                offset = bounds[-1]
            else:
                for part in rest:
                    start = offset
                    offset += len(part) + 1
                    if len(part) > limit:
                        lines.append(_line(start, offset, part[:limit], True))
                    else:
                        lines.append(_line(start, offset, part, False))
            self._pending = b""
            self._pending_offset = offset
            self._skipping = False
        self._hold(last)
        return lines

    def _hold(self, tail: bytes) -> None:
        if self._skipping or not tail:
            return
        room = self.max_line_bytes - len(self._pending)
        if len(tail) > room:
            self._pending += tail[: max(room, 0)]
            self._skipping = True
        else:
            self._pending += tail

    def flush(self) -> list[Line]:
        """End of stream: the unfinished last line, if any, becomes a line."""
        if not self.has_pending():
            return []
        line = _line(self._pending_offset, self._position, self._pending, self._skipping)
        self._pending = b""
        self._skipping = False
        self._pending_offset = self._position
        return [line]


def _line(offset: int, end: int, data: bytes, truncated: bool) -> Line:
    if data.endswith(b"\r"):
        data = data[:-1]
    if truncated:
        data += TRUNCATION_MARKER
    return Line(offset, end, data, truncated)
