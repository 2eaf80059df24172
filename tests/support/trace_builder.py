"""Hand-built traces: a builder that writes schema-valid hop and log records the way the SDK
does, with times given in milliseconds from a fixed start (the chain's and the dashboards'
tests share it)."""

from __future__ import annotations

from typing import Any

from sdk import schema
from sdk.schema import format_timestamp as format_ns
from sdk.schema import parse_timestamp as parse_ns

T0 = parse_ns("2026-11-25T12:00:00Z")


class TraceBuilder:
    """``server``/``client``/``internal`` add hop records and return their span id; ``log``
    adds a line inside a hop. Every record is validated against the schema."""

    def __init__(self, trace_id: str = "ab" * 16, t0_ns: int = T0) -> None:
        self.trace_id = trace_id
        self.t0 = t0_ns
        self.records: list[dict[str, Any]] = []
        self._next = 0

    def span(self) -> str:
        self._next += 1
        return f"{int(self.trace_id[:8], 16) % 0xFFFF:04x}{self._next:012x}"

    def at(self, ms: float) -> str:
        return format_ns(self.t0 + int(ms * 1_000_000))

    def _hop(
        self,
        kind: str,
        service: str,
        start: float,
        end: float,
        span: str | None,
        parent: str | None,
        host: str | None,
        fields: dict[str, Any],
    ) -> str:
        span = span or self.span()
        doc: dict[str, Any] = {
            "@timestamp": self.at(end),
            "log.level": "error" if fields.get("error.type") else "info",
            "message": f"{kind} hop",
            "service.name": service,
            "hopscope.schema_version": schema.SCHEMA_VERSION,
            "trace.id": self.trace_id,
            "span.id": span,
            "hopscope.hop.kind": kind,
            "event.start": self.at(start),
            "event.end": self.at(end),
            "event.duration": int((end - start) * 1_000_000),
            "host.name": host or f"{service}-host",
        }
        if parent is not None:
            doc["parent.id"] = parent
        doc.update({k: v for k, v in fields.items() if v is not None})
        doc.setdefault("event.outcome", "failure" if _failed(doc) else "success")
        schema.validate(doc)
        self.records.append(doc)
        return span

    def server(
        self,
        service: str,
        route: str,
        start: float,
        end: float,
        *,
        parent: str | None = None,
        status: int = 200,
        method: str = "GET",
        span: str | None = None,
        caller: str | None = None,
        host: str | None = None,
        **fields: Any,
    ) -> str:
        extra = {
            "http.route": route,
            "url.path": route,
            "http.request.method": method,
            "http.response.status_code": status,
            "service.origin.name": caller,
            **_dotted(fields),
        }
        return self._hop("server", service, start, end, span, parent, host, extra)

    def client(
        self,
        service: str,
        target: str | None,
        start: float,
        end: float,
        *,
        parent: str | None,
        path: str = "/",
        status: int | None = 200,
        method: str = "GET",
        attempt: int = 1,
        span: str | None = None,
        host: str | None = None,
        url: str | None = None,
        **fields: Any,
    ) -> str:
        extra = {
            "service.target.name": target,
            "url.full": url or f"http://{target or 'example.com'}{path}",
            "http.request.method": method,
            "http.response.status_code": status,
            "hopscope.hop.attempt": attempt,
            **_dotted(fields),
        }
        return self._hop("client", service, start, end, span, parent, host, extra)

    def internal(
        self,
        service: str,
        name: str,
        start: float,
        end: float,
        *,
        parent: str | None,
        span: str | None = None,
        host: str | None = None,
    ) -> str:
        span = self._hop("internal", service, start, end, span, parent, host, {})
        self.records[-1]["message"] = name
        return span

    def log(
        self,
        service: str,
        span: str | None,
        at: float,
        message: str,
        level: str = "info",
        **fields: Any,
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@timestamp": self.at(at),
            "log.level": level,
            "message": message,
            "service.name": service,
            "hopscope.schema_version": schema.SCHEMA_VERSION,
            "trace.id": self.trace_id,
            **_dotted(fields),
        }
        if span is not None:
            doc["span.id"] = span
        schema.validate(doc)
        self.records.append(doc)
        return doc


def _dotted(fields: dict[str, Any]) -> dict[str, Any]:
    """``error_type=...`` -> ``error.type``; dotted names (passed as ``**{...}``) as given."""
    return {k if "." in k else k.replace("_", "."): v for k, v in fields.items()}


def _failed(doc: dict[str, Any]) -> bool:
    status = doc.get("http.response.status_code")
    return bool(doc.get("error.type")) or (isinstance(status, int) and status >= 500)
