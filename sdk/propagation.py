"""W3C trace context: reading an inbound ``traceparent`` and minting ids.

Parsing is done here rather than through OpenTelemetry's generic propagator because it runs
on every request, and the header has one fixed shape (``00-<trace>-<parent>-<flags>``).
"""

from __future__ import annotations

import random
from typing import Final, NamedTuple

from opentelemetry import trace

_INVALID_TRACE: Final = "0" * 32
_INVALID_SPAN: Final = "0" * 16
_HEX: Final = frozenset("0123456789abcdef")


class Parent(NamedTuple):
    """The caller's span, as its ``traceparent`` named it."""

    trace_id: str
    span_id: str
    sampled: bool


def parse_traceparent(header: str | None) -> Parent | None:
    """The parent named by a ``traceparent`` header, or None when absent or malformed."""
    if not header or len(header) < 55:
        return None
    parts = header.strip().lower().split("-")
    if len(parts) < 4:
        return None
    version, trace_id, span_id, flags = parts[0], parts[1], parts[2], parts[3]
    if (
        len(version) != 2
        or version == "ff"
        or len(trace_id) != 32
        or len(span_id) != 16
        or len(flags) != 2
        or trace_id == _INVALID_TRACE
        or span_id == _INVALID_SPAN
        or not _HEX.issuperset(trace_id)
        or not _HEX.issuperset(span_id)
        or not _HEX.issuperset(flags + version)
    ):
        return None
    if version == "00" and len(parts) != 4:
        return None
    return Parent(trace_id, span_id, bool(int(flags, 16) & 1))


def format_traceparent(trace_id: str, span_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


def span_id_of(header: str | None) -> str | None:
    """The span id a ``traceparent`` header carries (the sender's own span)."""
    parent = parse_traceparent(header)
    return None if parent is None else parent.span_id


# Ids need to be unique, not secret: the module's generator (as in the OpenTelemetry SDK),
# which Python reseeds in every forked worker.
def new_trace_id() -> str:
    return format(random.getrandbits(128) or 1, "032x")


def new_span_id() -> str:
    return format(random.getrandbits(64) or 1, "016x")


def span_context_of(parent: Parent) -> trace.SpanContext:
    """An OpenTelemetry context for the remote parent, so spans started under it join the trace."""
    return trace.SpanContext(
        trace_id=int(parent.trace_id, 16),
        span_id=int(parent.span_id, 16),
        is_remote=True,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED if parent.sampled else 0),
    )
