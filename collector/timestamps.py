"""``@timestamp`` strings to Unix nanoseconds, and the read time as an RFC 3339 string."""

from __future__ import annotations

from datetime import UTC, datetime


class TimestampParser:
    """RFC 3339 to nanoseconds. Lines of one stream share their second often, so the
    last whole-second prefix is remembered and only the fraction is parsed anew."""

    def __init__(self) -> None:
        self._last_head = ""
        self._last_seconds = 0

    def __call__(self, text: str) -> int:
        if len(text) == 27 and text[19] == "." and text[26] == "Z":  # the SDK's own format
            head = text[:19]
            if head == self._last_head:
                seconds = self._last_seconds
            else:
                seconds = self._seconds(head, "Z", text)
            fraction = text[20:26]
            if fraction.isdigit():
                return seconds * 1_000_000_000 + int(fraction) * 1000
        return self._general(text)

    def _seconds(self, head: str, zone: str, text: str) -> int:
        try:
            seconds = int(datetime.fromisoformat(
                head + ("+00:00" if zone == "Z" else zone)).timestamp())
        except ValueError:
            raise ValueError(f"@timestamp {text!r} is not a real date and time") from None
        if zone == "Z":
            self._last_head, self._last_seconds = head, seconds
        return seconds

    def _general(self, text: str) -> int:
        head, rest = text[:19], text[19:]
        fraction = ""
        if rest[:1] == ".":
            end = 1
            while end < len(rest) and rest[end].isdigit():
                end += 1
            fraction, rest = rest[1:end], rest[end:]
        if rest == "Z" and head == self._last_head:
            seconds = self._last_seconds
        else:
            seconds = self._seconds(head, rest, text)
        if not fraction:
            return seconds * 1_000_000_000
        if len(fraction) > 9 or not fraction.isdigit():
            raise ValueError(f"@timestamp {text!r} has a bad fraction of a second")
        return seconds * 1_000_000_000 + int(fraction.ljust(9, "0"))


def now_rfc3339() -> str:
    """The current time, UTC, microseconds, ``Z``: the SDK's own format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
