"""Hop records: the one line written when a unit of cross-service work ends.

A server hop is written by the inbound middleware (ASGI or WSGI) once per request; a client
hop by the S2S client once per attempt. Both are plain field mappings handed to
:func:`sdk.log._configure.emit`, so they pass through the same shaping as every other line.
Everything here that carries caller-controlled text is redacted before it leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from sdk.inbound._excerpts import BodyExcerpt, kind_of
from sdk.log._configure import current_config, emit, shaper
from sdk.log._errors import error_fields
from sdk.log._redaction import Redactor
from sdk.schema._timestamps import format_timestamp

#: route name of requests no route matched: a fixed name keeps ``http.route`` low-cardinality.
UNMATCHED: Final = "UNMATCHED"
#: request header in which the S2S client names the calling service.
ORIGIN_HEADER: Final = "x-hopscope-service"
#: ``error.type`` of a server hop whose client went away before the response was complete.
DISCONNECTED: Final = "ClientDisconnected"
#: request headers copied to ``http.request.header.<name>`` by default (values redacted).
DEFAULT_HEADERS: Final = (
    "accept",
    "content-type",
    "content-length",
    "x-request-id",
    "x-forwarded-for",
)
_MAX_ORIGIN: Final = 64


@dataclass(slots=True)
class Timing:
    """Wall-clock start for the record, monotonic clock for the duration."""

    start_ns: int
    started: int  # perf_counter_ns at start

    def fields(self, now: int) -> dict[str, Any]:
        duration = max(now - self.started, 0)
        return {
            "event.start": format_timestamp(self.start_ns),
            "event.end": format_timestamp(self.start_ns + duration),
            "event.duration": duration,
        }


def origin_name(value: str | None) -> str | None:
    """The caller's service name from :data:`ORIGIN_HEADER`, kept short and printable."""
    if not value:
        return None
    value = value.strip()[:_MAX_ORIGIN]
    return value if value.isprintable() and value else None


def error_of(exc: BaseException, redactor: Redactor) -> dict[str, str]:
    return {name: redactor.text(text) for name, text in error_fields(exc).items()}


def header_fields(chosen: Iterable[tuple[str, str]], redactor: Redactor) -> dict[str, str]:
    """``http.request.header.<name>`` of the request headers the middleware chose, redacted."""
    return {f"http.request.header.{k}": v for k, v in redactor.headers(chosen).items()}


@dataclass(slots=True)
class ServerHop:
    """What the middleware learns about one inbound request while it is handled."""

    kind: ClassVar[str] = "server"
    method: str
    path: str
    query: str
    timing: Timing
    trace_id: str
    span_id: str
    parent_id: str | None
    request_body: BodyExcerpt
    response_body: BodyExcerpt
    request_type: str | None = None
    origin: str | None = None
    user_agent: str | None = None
    client: tuple[str, int] | None = None
    server: tuple[str, int | None] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    route: str | None = None
    status: int | None = None
    response_type: str | None = None
    error: BaseException | None = None
    disconnected: bool = False

    def write(self, now: int) -> None:
        write_hop(self, now)

    def record(self, now: int) -> tuple[str, str, dict[str, Any]]:
        redactor = shaper().redactor
        route = self.route or UNMATCHED
        status = self.status
        if status is None and not self.disconnected:
            status = 500  # what the server answers when the app raised or never responded
        failed = self.error is not None or (status is not None and status >= 500)
        fields = _common_fields(self, now, failed)
        fields |= {
            "http.route": route,
            "url.path": self.path,
            "url.query": redactor.query(self.query) if self.query else None,
            "http.response.status_code": status,
            "service.origin.name": self.origin,
            "user_agent.original": redactor.text(self.user_agent) if self.user_agent else None,
        }
        if self.headers:
            fields.update(self.headers)
        if self.client is not None:
            fields["client.address"], fields["client.port"] = self.client
        if self.server is not None:
            fields["server.address"], fields["server.port"] = self.server
        _add_body(fields, "request", self.request_body, self.request_type, redactor)
        _add_body(fields, "response", self.response_body, self.response_type, redactor)
        outcome = str(status)
        level = "error" if failed else "info"
        if self.error is not None:
            fields.update(error_of(self.error, redactor))
        elif self.disconnected:
            # the client went away before the response was complete: it saw nothing
            fields["event.outcome"] = "failure"
            fields["error.type"] = DISCONNECTED
            fields["error.message"] = "the client closed the connection before the response"
            outcome = f"{status} (client disconnected)" if status else "(client disconnected)"
            level = "warning"
        return f"{self.method} {route} {outcome}", level, fields


def _common_fields(hop: ServerHop | ClientHop, now: int, failed: bool) -> dict[str, Any]:
    """The fields both kinds of hop lead with, in this order."""
    return {
        "hopscope.hop.kind": hop.kind,
        "trace.id": hop.trace_id,
        "span.id": hop.span_id,
        "parent.id": hop.parent_id,
        **hop.timing.fields(now),
        "event.outcome": "failure" if failed else "success",
        "http.request.method": hop.method,
    }


def _add_body(
    fields: dict[str, Any],
    side: str,
    body: BodyExcerpt,
    content_type: str | None,
    redactor: Redactor,
) -> None:
    if not body.size:
        if side == "response":
            fields["http.response.body.bytes"] = 0
        return
    fields[f"http.{side}.body.bytes"] = body.size
    text = body.text(kind_of(content_type), redactor)
    if text is not None:
        fields[f"http.{side}.body.content"] = text


def body_excerpt(content_type: str | None, content: bytes = b"") -> BodyExcerpt:
    """An outbound call's body excerpt: quoted up to the configured limit when its type is
    text, only counted otherwise (and before the SDK is configured)."""
    config = current_config()
    excerpt = BodyExcerpt(config.max_body if config and kind_of(content_type) else 0)
    excerpt.add(content)
    return excerpt


@dataclass(slots=True)
class ClientHop:
    """One attempt of an outbound call, as the S2S client saw it."""

    kind: ClassVar[str] = "client"
    target: str
    method: str
    url: str
    path: str
    attempt: int
    as_service: bool
    timing: Timing
    trace_id: str | None
    span_id: str | None
    parent_id: str | None
    server: tuple[str, int | None] | None = None
    status: int | None = None
    request_body: BodyExcerpt | None = None
    request_type: str | None = None
    response_body: BodyExcerpt | None = None
    response_type: str | None = None
    error: BaseException | None = None
    #: what the attempt's ``traceparent`` and ``tracestate`` carry (sampled, random trace id)
    flags: int = 0x03
    tracestate: str | None = None

    def write(self, now: int) -> None:
        write_hop(self, now)

    def record(self, now: int) -> tuple[str, str, dict[str, Any]]:
        redactor = shaper().redactor
        status = self.status
        failed = self.error is not None or status is None or status >= 400
        fields = _common_fields(self, now, failed)
        fields |= {
            "url.full": self.url,  # redacted by the shaper, as every url.full
            "url.path": self.path,
            "service.target.name": self.target,
            "http.response.status_code": status,
            "hopscope.hop.attempt": self.attempt,
            "hopscope.hop.as_service": self.as_service,
        }
        if self.server is not None:
            fields["server.address"], fields["server.port"] = self.server
        if self.request_body is not None:
            _add_body(fields, "request", self.request_body, self.request_type, redactor)
        if self.response_body is not None:
            _add_body(fields, "response", self.response_body, self.response_type, redactor)
        if self.error is not None:
            fields.update(error_of(self.error, redactor))
            outcome = type(self.error).__name__
        else:
            outcome = str(status)
        level = "error" if self.error is not None or (status or 0) >= 500 else "info"
        return f"{self.target} {self.method} {self.path} -> {outcome}", level, fields


def write_hop(hop: ServerHop | ClientHop, now: int) -> None:
    """Write the hop's record; it never raises into the request it describes. A hop that
    cannot be described still leaves a line saying so, with its ids."""
    try:
        message, level, fields = hop.record(now)
    except Exception as exc:  # noqa: BLE001 - the record must not break the request
        message = f"hopscope could not build a {hop.kind} hop record: {type(exc).__name__}"
        level = "error"
        fields = {"hopscope.hop.kind": hop.kind, "trace.id": hop.trace_id, "span.id": hop.span_id}
    emit(message, fields, level)
