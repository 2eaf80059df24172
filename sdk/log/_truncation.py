"""Cutting long text to a limit, with a marker saying how much was cut."""

from __future__ import annotations

MARKER = "…[truncated {} chars]"


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """``(text, was_cut)``; the result, marker included, is at most *limit* + marker long."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + MARKER.format(len(text) - limit), True


def truncate_bytes(data: bytes, limit: int) -> tuple[str, bool]:
    """Decode a body excerpt safely (non-UTF-8 bytes escaped) and cut it."""
    cut = len(data) > limit
    text = data[:limit].decode("utf-8", "backslashreplace")
    if cut:
        text += MARKER.format(len(data) - limit).replace("chars", "bytes")
    return text, cut
