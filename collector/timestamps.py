"""The collector's timestamps: ``@timestamp`` text to Unix nanoseconds by the rules of
:func:`sdk.timestamps.timestamp_parser` (the query side reads with the same ones), and the
read time as an RFC 3339 string."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sdk.timestamps import timestamp_parser

__all__ = ["TimestampParser", "now_rfc3339", "timestamp_parser"]

#: ``TimestampParser()`` makes a parser for one stream (its remembered second is that
#: stream's): the name callers of the collector have used.
TimestampParser: Final = timestamp_parser


def now_rfc3339() -> str:
    """The current time, UTC, microseconds, ``Z``: the SDK's own format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
