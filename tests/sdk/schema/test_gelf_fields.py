"""Record -> GELF message mapping."""

from __future__ import annotations

import re
from typing import Any

from collector.transforms.record import Record
from sdk import schema
from sdk.schema.gelf_fields import additional_name, gelf_message, syslog_level


def record(**doc: Any) -> Record:
    base = {
        "@timestamp": "2026-11-25T14:41:06.123456Z",
        "log.level": "info",
        "message": "GET /carts/42 200",
        "service.name": "cart",
        "hopscope.schema_version": "1",
    }
    return Record(id="5f0c0a1b2c3d4e5f60718293", doc={**base, **doc}, source="cart.log", offset=0)


def test_hop_record_in_full() -> None:
    hop = record(
        **{
            "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "span.id": "00f067aa0ba902b7",
            "parent.id": "b7ad6b7169203331",
            "hopscope.hop.kind": "server",
            "http.request.method": "GET",
            "http.route": "/carts/{cart_id}",
            "http.response.status_code": 200,
            "event.duration": 1_534_000,
            "service.node.name": "cart-7d9f",
            "hopscope.hop.as_service": False,
            "labels.tenant": "acme",
            "labels.ratio": 0.5,
            "labels.nothing": None,
            "http.request.header.x-request-id": "r-1",
        }
    )
    assert gelf_message(hop) == {
        "version": "1.1",
        "host": "cart-7d9f",
        "short_message": "GET /carts/42 200",
        "timestamp": 1795617666.123456,
        "level": 6,
        "_service_name": "cart",
        "_service_node_name": "cart-7d9f",
        "_hopscope_schema_version": "1",
        "_trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "_span_id": "00f067aa0ba902b7",
        "_parent_id": "b7ad6b7169203331",
        "_hopscope_hop_kind": "server",
        "_http_request_method": "GET",
        "_http_route": "/carts/{cart_id}",
        "_http_response_status_code": 200,
        "_event_duration": 1534000,
        "_hopscope_hop_as_service": "false",
        "_labels_tenant": "acme",
        "_labels_ratio": 0.5,
        "_http_request_header_x-request-id": "r-1",
        "_hopscope_record_id": "5f0c0a1b2c3d4e5f60718293",
    }


def test_error_record_in_full() -> None:
    failed = record(
        **{
            "@timestamp": "2026-11-25T15:41:06.123456789+01:00",
            "log.level": "error",
            "message": "payment failed",
            "host.name": "node-3",
            "error.type": "httpx.ReadTimeout",
            "error.message": "timed out",
            "error.stack_trace": "Traceback (most recent call last):\n  ...\nReadTimeout",
            "hopscope.record.id": "given-by-collector",
        }
    )
    assert gelf_message(failed) == {
        "version": "1.1",
        "host": "node-3",
        "short_message": "payment failed",
        "full_message": "Traceback (most recent call last):\n  ...\nReadTimeout",
        "timestamp": 1795617666.123456,
        "level": 3,
        "_service_name": "cart",
        "_hopscope_schema_version": "1",
        "_error_type": "httpx.ReadTimeout",
        "_error_message": "timed out",
        "_hopscope_record_id": "given-by-collector",
    }


def test_empty_message_and_unstructured_line() -> None:
    raw = record(
        message="",
        **{"event.original": "Traceback: boom", "hopscope.unstructured.reason": "not JSON"},
    )
    message = gelf_message(raw)
    assert message["short_message"] == "Traceback: boom"
    assert message["_event_original"] == "Traceback: boom"
    assert message["_hopscope_unstructured_reason"] == "not JSON"
    assert gelf_message(record(message=""))["short_message"] == "-"


def test_unreadable_timestamp_is_left_to_graylog() -> None:
    assert "timestamp" not in gelf_message(record(**{"@timestamp": "soon"}))


def test_levels() -> None:
    assert [syslog_level(x) for x in ("debug", "info", "warning", "error", "critical")] == [
        7,
        6,
        4,
        3,
        2,
    ]
    assert syslog_level("WARNING") == 4
    assert syslog_level("chatty") == 6


def test_names() -> None:
    assert additional_name("trace.id") == "_trace_id"
    assert additional_name("@weird name") == "__weird_name"
    assert additional_name("id") == "_id_"


def test_every_schema_field_gets_a_distinct_valid_name() -> None:
    names = [additional_name(f) for f in schema.fields()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"_[\w.\-]+", n) for n in names)
    assert "_id" not in names
