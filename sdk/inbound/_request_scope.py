"""Entering and leaving one inbound request: its server span, context fields and credentials.

Shared by the ASGI and WSGI middleware. The span is an OpenTelemetry span (so spans the
httpx instrumentation opens for outbound calls become its children and carry its id in
``traceparent``); its ids are also bound as trusted fields so every line written while the
request is handled names them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextvars import Token
from typing import Any, Final

from opentelemetry import context as otel_context
from opentelemetry import trace

from sdk.inbound._credentials import Credential, reset_inbound, set_inbound
from sdk.inbound._hops import Timing
from sdk.inbound._propagation import (
    RANDOM,
    SAMPLED,
    Parent,
    new_span_id,
    new_trace_id,
    parse_trace_context,
    span_context_of,
)
from sdk.log._context import pop_fields, push_fields
from sdk.log._tracing import enclosing_hop

_TRACER_NAME: Final = "hopscope.server"
_EMPTY_CONTEXT: Final = otel_context.Context()


_cached: list[tuple[trace.TracerProvider, trace.Tracer]] = []


def _tracer(provider: trace.TracerProvider) -> trace.Tracer:
    """The tracer of the current provider; looked up once per provider, not per request."""
    if not _cached or _cached[0][0] is not provider:
        _cached[:] = [(provider, provider.get_tracer(_TRACER_NAME))]
    return _cached[0][1]


def _records_spans(provider: trace.TracerProvider) -> bool:
    """False for an SDK provider without span processors (what ``sdk.configure`` installs
    when the application sets up no exporter): its spans would be built and dropped."""
    active = getattr(provider, "_active_span_processor", None)
    processors = getattr(active, "_span_processors", None)
    return not isinstance(processors, tuple) or len(processors) > 0


class RequestScope:
    """``enter()`` when the request arrives, ``exit()`` in a ``finally`` when it ends."""

    __slots__ = (
        "_credential_token",
        "_fields_token",
        "_otel_token",
        "parent",
        "span",
        "span_id",
        "timing",
        "trace_id",
    )

    def __init__(
        self,
        method: str,
        path: str,
        traceparent: str | None,
        tracestate: Sequence[str] | None = None,
    ) -> None:
        self.timing = Timing(time.time_ns(), time.perf_counter_ns())
        self.parent: Parent | None = parse_trace_context(traceparent, tracestate)
        provider = trace.get_tracer_provider()
        span: trace.Span = trace.INVALID_SPAN
        if _records_spans(provider):
            parent_context = (
                trace.set_span_in_context(trace.NonRecordingSpan(span_context_of(self.parent)))
                if self.parent is not None
                else _EMPTY_CONTEXT
            )
            span = _tracer(provider).start_span(
                f"{method} {path}", context=parent_context, kind=trace.SpanKind.SERVER
            )
        ids = span.get_span_context()
        if not ids.is_valid:  # spans go nowhere: only their ids matter, which are cheap
            parent = self.parent
            span = trace.NonRecordingSpan(
                trace.SpanContext(
                    int(parent.trace_id if parent else new_trace_id(), 16),
                    int(new_span_id(), 16),
                    is_remote=False,
                    # a new trace: every hop is recorded, and its id is random
                    trace_flags=trace.TraceFlags(parent.flags if parent else SAMPLED | RANDOM),
                    trace_state=parent.state if parent else None,
                )
            )
            ids = span.get_span_context()
        self.span = span
        self.trace_id = format(ids.trace_id, "032x")
        self.span_id = format(ids.span_id, "016x")
        self._otel_token: object = None
        self._fields_token: Token[Any] | None = None
        self._credential_token: Token[Credential | None] | None = None

    @property
    def parent_id(self) -> str | None:
        return None if self.parent is None else self.parent.span_id

    def enter(self, method: str | None, path: str, authorization: str | None) -> None:
        """Bind the request's fields; ``method`` None for a websocket (it has none of its own)."""
        self._otel_token = otel_context.attach(trace.set_span_in_context(self.span))
        fields = {"trace.id": self.trace_id, "span.id": self.span_id}
        if method is not None:
            fields["http.request.method"] = method
        fields["url.path"] = path
        self._fields_token = push_fields(fields)
        self._credential_token = set_inbound(authorization)

    def exit(self) -> None:
        if self._credential_token is not None:
            reset_inbound(self._credential_token)
        if self._fields_token is not None:
            pop_fields(self._fields_token)
        if self._otel_token is not None:
            otel_context.detach(self._otel_token)  # type: ignore[arg-type]
        self.span.end()


def enclosing_parent() -> Parent | None:
    """The enclosing hop (see :func:`enclosing_hop`) as the parent of an outbound call, with
    the trace flags and tracestate of the active span."""
    ids = enclosing_hop()
    if ids is None:
        return None
    active = trace.get_current_span().get_span_context()
    if not active.is_valid:  # ids bound by hand: nothing says how they were made
        return Parent(ids[0], ids[1], SAMPLED)
    flags = active.trace_flags & (SAMPLED | RANDOM)
    return Parent(ids[0], ids[1], flags, active.trace_state or None)
