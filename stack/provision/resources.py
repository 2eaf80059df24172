"""The checked-in server objects (``stack/docker/...``), read from the installed package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

KIBANA_OBJECTS = "docker/kibana/saved-objects.json"
GRAYLOG_CONTENT_PACK = "docker/graylog/content-pack.json"


def load_json(relative: str) -> Any:
    return json.loads(resources.files("stack").joinpath(relative).read_text(encoding="utf-8"))


def kibana_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = load_json(KIBANA_OBJECTS)
    return objects


def kibana_ndjson() -> bytes:
    """The saved objects as Kibana's import API takes them: one object per line."""
    lines = (json.dumps(o, separators=(",", ":")) for o in kibana_objects())
    return ("\n".join(lines) + "\n").encode()


def graylog_content_pack() -> dict[str, Any]:
    pack: dict[str, Any] = load_json(GRAYLOG_CONTENT_PACK)
    return pack
