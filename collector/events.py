"""The collector's own events (started, sink down, file rotated...).

They go through one function so the destination can change in one place: the SDK's logger
when it is usable, otherwise one plain line on standard error.
"""

from __future__ import annotations

import sys
from typing import Any


def emit(level: str, message: str, **fields: Any) -> None:
    details = " ".join(f"{key}={value!r}" for key, value in fields.items())
    sys.stderr.write(f"hopscope collector [{level}] {message}{' ' + details if details else ''}\n")
    sys.stderr.flush()
