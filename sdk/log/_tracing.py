"""Trace context: the ids of the current OpenTelemetry span, and the tracer provider."""

from __future__ import annotations

from opentelemetry import context, trace

from sdk.log._context import bound_fields

Ids = tuple[str, str]

# OpenTelemetry contexts are immutable and a new one is made whenever a span is entered, so
# the ids of the last context seen stay right for as long as that very object is current.
# One tuple, replaced whole, so threads never see a context paired with another's ids.
_last: tuple[object, Ids | None] = (None, None)


def current_ids() -> Ids | None:
    """``(trace.id, span.id)`` of the active span as lower-case hex, if there is one."""
    global _last
    current = context.get_current()
    last = _last
    if last[0] is current:
        return last[1]
    span_context = trace.get_current_span(current).get_span_context()
    ids = (
        (format(span_context.trace_id, "032x"), format(span_context.span_id, "016x"))
        if span_context.is_valid
        else None
    )
    _last = (current, ids)
    return ids


def ensure_tracer_provider(service: str, version: str | None) -> None:
    """Install an SDK TracerProvider unless the application already set its own."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        # the OpenTelemetry SDK loads here, at configuration, not with ``import sdk``
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        attributes = {"service.name": service}
        if version:
            attributes["service.version"] = version
        trace.set_tracer_provider(TracerProvider(resource=Resource.create(attributes)))


def enclosing_hop() -> tuple[str, str] | None:
    """``(trace.id, span.id)`` of the hop the caller runs in: the request's server span when
    the middleware bound one (frameworks may open spans of their own inside it), else the
    active OpenTelemetry span."""
    fields = bound_fields()
    trace_id, span_id = fields.get("trace.id"), fields.get("span.id")
    if isinstance(trace_id, str) and isinstance(span_id, str):
        return trace_id, span_id
    return current_ids()
