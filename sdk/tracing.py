"""Trace context: the ids of the current OpenTelemetry span, and the tracer provider."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider


def current_ids() -> tuple[str, str] | None:
    """``(trace.id, span.id)`` of the active span as lower-case hex, if one is recording."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def ensure_tracer_provider(service: str, version: str | None) -> None:
    """Install an SDK TracerProvider unless the application already set its own."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        attributes = {"service.name": service}
        if version:
            attributes["service.version"] = version
        trace.set_tracer_provider(TracerProvider(resource=Resource.create(attributes)))
