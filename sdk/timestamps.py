"""RFC 3339 timestamps in UTC with microseconds, cheaply (the per-second prefix is cached)."""

from __future__ import annotations

import time


class TimestampFormatter:
    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ns: int) -> str:
        second, rest = divmod(ns, 1_000_000_000)
        if second != self._second:
            # Two threads may race here; both compute the same prefix, so no lock is needed.
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
            return f"{self._prefix}.{rest // 1000:06d}Z"
        return f"{self._prefix}.{rest // 1000:06d}Z"


format_timestamp = TimestampFormatter()
