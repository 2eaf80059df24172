"""The collector's timestamps, by the SDK's rules: ``@timestamp`` text to Unix nanoseconds
(:func:`sdk.schema._timestamps.timestamp_parser`; the query side reads with the same one), and the
read time in the SDK's own format."""

from __future__ import annotations

import time

from sdk.schema import format_timestamp, timestamp_parser

__all__ = ["now_rfc3339", "timestamp_parser"]


def now_rfc3339() -> str:
    """The current time, UTC, microseconds, ``Z``: the SDK's own format."""
    return format_timestamp(time.time_ns())
