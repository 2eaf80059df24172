"""RFC 3339 timestamps in UTC with microseconds, cheaply (the per-second prefix is cached)."""

from __future__ import annotations

import time
from collections.abc import Callable


def _prefix(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))


def timestamp_formatter() -> Callable[[int], str]:
    """A function from nanoseconds since the epoch to ``2026-01-02T03:04:05.123456Z``.

    Works on the decimal digits: slicing a string is cheaper than integer division on
    these large numbers, and the date part changes once a second.
    """
    # (seconds as digits, prefix) replaced whole, so racing threads never mix two seconds
    cached = ("", "")

    def format_timestamp(ns: int) -> str:
        nonlocal cached
        if ns < 1_000_000_000:  # before 1970-01-01T00:00:01: too few digits to slice
            return f"{_prefix(ns // 1_000_000_000)}{ns // 1000 % 1_000_000:06d}Z"
        digits = str(ns)
        seconds, prefix = cached
        if digits[:-9] != seconds:
            seconds = digits[:-9]
            prefix = _prefix(int(seconds))
            cached = (seconds, prefix)
        return prefix + digits[-9:-3] + "Z"

    return format_timestamp


format_timestamp = timestamp_formatter()
