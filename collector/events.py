"""The collector's own events (started, sink down and back, file rotated, stopped).

They go through one function. The ``hopscope`` commands route it to the SDK (schema-valid
JSON lines on standard error, service ``hopscope-collector``), so the collector's events can
be collected like any service's; used as a library, it writes plain lines to standard error.
"""

from __future__ import annotations

import sys
from typing import Any

SERVICE = "hopscope-collector"

_logger: Any = None


def use_sdk() -> None:
    """Send events through the SDK's logger, configured for standard error if the process
    has not configured the SDK itself."""
    global _logger
    import sdk

    if sdk.current_config() is None:
        sdk.configure(SERVICE, stream=sys.stderr.buffer)
    _logger = sdk.get_logger("hopscope.collector")


def emit(level: str, message: str, **fields: Any) -> None:
    if _logger is not None:
        getattr(_logger, level)(message, **fields)
        return
    details = " ".join(f"{key}={value!r}" for key, value in fields.items())
    sys.stderr.write(f"hopscope collector [{level}] {message}{' ' + details if details else ''}\n")
    sys.stderr.flush()
