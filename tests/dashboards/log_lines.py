"""Log lines of two services' sources as the collector stores them: written as the
services would, grouped and parsed by the collector's own code (ids, offsets, unstructured
records), for the log-query tests of the store and of ``hopscope logs``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.parse import Parser
from collector.transforms.record import CollectedRecord
from collector.transforms.traceback_grouping import TracebackGrouper
from dashboards.records import format_ns
from sdk import schema
from tests.dashboards.conftest import T0

SECOND = 1_000_000_000
TRACE_A = "a1" * 16
TRACE_B = "b2" * 16


@dataclass
class Entry:
    """One line as a service wrote it, and what the store should say of it."""

    at: float  # seconds after T0
    message: str
    service: str
    level: str = "info"
    trace: str | None = None
    hop: bool = False
    unstructured: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    #: the raw text when it is not a record (several lines for a traceback)
    text: str | None = None

    @property
    def ns(self) -> int:
        return T0 + int(self.at * SECOND)

    def line(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        doc: dict[str, Any] = {
            "@timestamp": format_ns(self.ns),
            "log.level": self.level,
            "message": self.message,
            "service.name": self.service,
            "hopscope.schema_version": schema.SCHEMA_VERSION,
        }
        if self.trace is not None:
            doc["trace.id"] = self.trace
            doc["span.id"] = f"{int(self.at * 10):016x}"
        if self.hop:
            start = format_ns(self.ns - SECOND // 10)
            doc.update(
                {
                    "hopscope.hop.kind": "server",
                    "event.start": start,
                    "event.end": doc["@timestamp"],
                    "event.duration": SECOND // 10,
                    "http.route": "/cart",
                    "http.request.method": "GET",
                    "http.response.status_code": 200,
                }
            )
        doc.update(self.fields)
        schema.validate(doc)
        return orjson.dumps(doc)


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "cart/app.py", line 12, in checkout\n'
    "    total = basket.total()\n"
    "KeyError: 'sku'"
)

CART = [
    Entry(0, "cart opened", "cart", trace=TRACE_A),
    Entry(1, "server hop", "cart", trace=TRACE_A, hop=True),
    Entry(
        2,
        "payment timeout after 3 tries",
        "cart",
        "warning",
        TRACE_A,
        fields={"labels.tenant": "acme", "http.response.status_code": 502},
    ),
    Entry(3, "connection pool is full", "cart", unstructured=True, text="connection pool is full"),
    Entry(4, "KeyError: 'sku'", "cart", "error", unstructured=True, text=TRACEBACK),
    Entry(
        5,
        "card declined by bank",
        "cart",
        "error",
        TRACE_B,
        fields={"labels.tenant": "zeta", "url.path": "/pay"},
    ),
    Entry(6, "cache miss for card", "cart", "debug"),
    Entry(7, '{"message": broken', "cart", unstructured=True, text='{"message": broken'),
    Entry(8, "no level here", "cart", unstructured=True),  # valid JSON, not a record
]
PAYMENTS = [
    Entry(0.5, "charge started", "payments", trace=TRACE_B),
    Entry(1.5, "card network timeout", "payments", "critical", TRACE_B),
    Entry(2.5, "declined card retried", "payments", "warning", TRACE_B),
    Entry(3.5, "server hop", "payments", "error", TRACE_B, hop=True),
    Entry(
        4.5, "refund <script>alert(1)</script> sent", "payments", fields={"labels.tenant": "acme"}
    ),
    Entry(5.5, "bell \x07 then \x1b[2J clear", "payments", "debug"),
]
# The schema-invalid line: JSON naming its service, without a level.
CART[8].text = orjson.dumps(
    {"@timestamp": format_ns(CART[8].ns), "message": "no level here", "service.name": "cart"}
).decode()
CART[8].message = CART[8].text  # a line that is not a record shows its first line
ENTRIES = CART + PAYMENTS


def collected(entries: list[Entry], name: str, service: str) -> list[CollectedRecord]:
    """The collector's records of one source holding *entries*' lines, in order."""
    origin = Origin(identity=f"file:{name}", name=name, service=service)
    lines: list[Line] = []
    offset = 0
    for entry in entries:
        for part in entry.line().split(b"\n"):
            # A plain line's write time is what a timed source (Docker) would give.
            lines.append(Line(offset, offset + len(part) + 1, part, time=format_ns(entry.ns)))
            offset += len(part) + 1
    grouper = TracebackGrouper(max_bytes=1 << 20)
    grouped = grouper.feed(lines) + grouper.flush()
    records = Parser().parse(origin, grouped).records
    assert len(records) == len(entries)
    return records


def all_records() -> list[CollectedRecord]:
    return collected(CART, "/var/log/cart.log", "cart") + collected(
        PAYMENTS, "/var/log/payments.log", "payments"
    )


def write_sqlite_lines(path: Any) -> None:
    """:func:`all_records` into a store file, through the collector's SQLite sink."""
    from collector.sinks.sqlite import SqliteSink

    sink = SqliteSink(path)
    try:
        result = sink.write(all_records())
    finally:
        sink.close()
    assert result.stored == len(ENTRIES), result.rejected
