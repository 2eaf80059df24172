"""Docker's json-file log driver: unwrap each line's ``log`` field and merge partial lines.

Docker writes a container's output as ``{"log": "...\\n", "stream": "stdout", "time": ...}``
lines, and splits output lines longer than 16 KiB into several entries, only the last of
which ends with a newline. The container's name (from ``config.v2.json`` beside the log)
becomes the service hint for lines that do not name their service, and its labels (same
file) decide, when the collector is given some, whether its log is read at all.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from collector.transforms.lines import TRUNCATION_MARKER, Line
from sdk import schema

DOCKER_LOG_PATTERN = "*-json.log"
RFC3339 = schema.schema_pattern(schema.fields()["@timestamp"]["pattern"])


def is_docker_log(path: str) -> bool:
    return fnmatch.fnmatch(os.path.basename(path), DOCKER_LOG_PATTERN)


def _container_config(directory: Path) -> dict[str, Any] | None:
    """The container's ``config.v2.json`` (Docker keeps it beside the log), if readable."""
    try:
        config: Any = orjson.loads((directory / "config.v2.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return config if isinstance(config, dict) else None


def container_name(log_path: str) -> str | None:
    """The container's name without Docker's leading slash, or its short id."""
    directory = Path(log_path).parent
    config = _container_config(directory)
    if config is not None:
        name = config.get("Name")
        if isinstance(name, str) and name.strip("/"):
            return name.strip("/")
    container_id = directory.name
    return container_id[:12] if len(container_id) >= 12 else None


def container_labels(log_path: str) -> dict[str, str] | None:
    """The labels the container was created with, or None while its config is unreadable."""
    config = _container_config(Path(log_path).parent)
    if config is None:
        return None
    inner = config.get("Config")
    labels = inner.get("Labels") if isinstance(inner, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items()}


def parse_label(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (as ``docker ps --filter label=KEY=VALUE`` takes it) -> its parts."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value


class ContainerFilter:
    """Which Docker logs to read: those of containers carrying every one of *labels* (all
    of them without labels). A container's labels never change, so each container is
    looked at once; one whose config cannot be read yet is looked at again next time."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels = dict(labels)
        self._decided: dict[Path, bool] = {}

    def __call__(self, log_path: str) -> bool:
        if not self.labels:
            return True
        directory = Path(log_path).parent
        decided = self._decided.get(directory)
        if decided is None:
            labels = container_labels(log_path)
            if labels is None:
                return False
            decided = all(labels.get(k) == v for k, v in self.labels.items())
            self._decided[directory] = decided
        return decided


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
