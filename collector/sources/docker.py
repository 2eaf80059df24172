"""Docker's json-file log files: which files they are and which container wrote them (the
lines are unwrapped by :mod:`collector.transforms.docker_unwrap`).

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

DOCKER_LOG_PATTERN = "*-json.log"


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
