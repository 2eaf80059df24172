"""``event.dataset``: the log stream a line belongs to, as the ecs-logging spec defines it.

A logger whose service name is configured sets ``<service.name>.log`` unless told otherwise
(``HOPSCOPE_DATASET``); the value is sanitised as the spec says: lower case, the characters
it forbids replaced by ``_``, at most 100 characters.
"""

from __future__ import annotations

import re
from typing import Final

#: what the spec's ``sanitization.value.replacements`` of ``event.dataset`` lists
_FORBIDDEN: Final = re.compile(r'[\\/*?"<>| ,#:-]')
MAX_CHARS: Final = 100


def sanitised(dataset: str) -> str:
    return _FORBIDDEN.sub("_", dataset.lower())[:MAX_CHARS]


def dataset_of(service: str, configured: str | None) -> str:
    """The configured dataset, or ``<service>.log``, sanitised."""
    return sanitised(configured if configured is not None else f"{service}.log")
