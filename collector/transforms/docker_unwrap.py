"""Docker's json-file log driver: unwrap each line's ``log`` field and merge partial lines.

Docker writes a container's output as ``{"log": "...\\n", "stream": "stdout", "time": ...}``
lines, and splits output lines longer than 16 KiB into several entries, only the last of
which ends with a newline.
"""

from __future__ import annotations

import orjson

from collector.transforms.lines import TRUNCATION_MARKER, Line
from sdk import schema

RFC3339 = schema.schema_pattern(schema.fields()["@timestamp"]["pattern"])


class DockerUnwrapper:
    """Stage: Docker json-file lines in, the container's own lines out."""

    def __init__(self, max_line_bytes: int) -> None:
        self.max_line_bytes = max_line_bytes
        self._parts: list[bytes] = []
        self._size = 0
        self._offset = 0
        self._end = 0
        self._stream: object = None
        self._truncated = False
        self._open = False  # a line has started and not ended
        self._time: str | None = None

    def has_pending(self) -> bool:
        return self._open

    def feed(self, lines: list[Line]) -> list[Line]:
        out: list[Line] = []
        for line in lines:
            try:
                wrapped = orjson.loads(line.data) if not line.truncated else None
            except orjson.JSONDecodeError:
                wrapped = None
            if not isinstance(wrapped, dict) or not isinstance(text := wrapped.get("log"), str):
                # not a Docker entry (damaged, or cut): keep the line as it is
                out.extend(self.flush())
                out.append(line)
                continue
            stream = wrapped.get("stream")
            if self.has_pending() and stream != self._stream:
                out.extend(self.flush())  # another stream's line: the partial one is all we get
            if not self._open:
                self._offset, self._stream, self._open = line.offset, stream, True
                written = wrapped.get("time")
                self._time = (
                    written if isinstance(written, str) and RFC3339.match(written) else None
                )
            self._end = line.end
            complete = text.endswith("\n")
            self._add(text.removesuffix("\n").encode("utf-8", "surrogateescape"))
            if complete:
                out.extend(self.flush())
        return out

    def _add(self, data: bytes) -> None:
        room = self.max_line_bytes - self._size
        if len(data) > room:
            data = data[: max(room, 0)]
            self._truncated = True
        if data:
            self._parts.append(data)
            self._size += len(data)

    def flush(self) -> list[Line]:
        if not self.has_pending():
            return []
        data = b"".join(self._parts)
        if data.endswith(b"\r"):
            data = data[:-1]
        if self._truncated:
            data += TRUNCATION_MARKER
        line = Line(self._offset, self._end, data, self._truncated, self._time)
        self._parts, self._size, self._truncated, self._open = [], 0, False, False
        return [line]
