"""CollectedRecord -> GELF message mapping."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from graylog_rules import problems

from collector.transforms.record import CollectedRecord
from sdk import schema
from sdk.schema.gelf_fields import additional_name, gelf_message, syslog_level


def record(**doc: Any) -> CollectedRecord:
    base = {
        "@timestamp": "2026-11-25T14:41:06.123456Z",
        "log.level": "info",
        "message": "GET /carts/42 200",
        "service.name": "cart",
        "hopscope.schema_version": "1",
    }
    return CollectedRecord(
        id="5f0c0a1b2c3d4e5f60718293", doc={**base, **doc}, source="cart.log", offset=0
    )


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
    assert raw_message_kept(message) == ""
    assert gelf_message(record(message=""))["short_message"] == "(blank message)"


def raw_message_kept(message: dict[str, Any]) -> str:
    kept: str = json.loads(message["_hopscope_original_message"])
    return kept


@pytest.mark.parametrize("blank", ["", " ", "\t", "  \n ", "\u3000"], ids=repr)
def test_a_blank_message_gets_a_placeholder_and_is_kept(blank: str) -> None:
    message = gelf_message(record(message=blank))
    assert message["short_message"] == "(blank message)"
    assert raw_message_kept(message) == blank
    assert problems(message) == []


def test_a_blank_host_is_never_sent() -> None:
    message = gelf_message(record(**{"host.name": "  ", "service.node.name": "cart-1"}))
    assert message["host"] == "cart-1"
    assert problems(message) == []


SAMPLES = [
    record(),
    record(**{"event.original": "  ", "message": " ", "hopscope.unstructured.reason": "x"}),
    record(**{"@timestamp": "soon", "log.level": "chatty", "labels.n": 3}),
    record(**{"error.stack_trace": "Traceback ...", "log.level": "critical", "id": "x"}),
    record(**{"labels.é": "accented name", "labels.a b": 1, "labels.f": 1.5, "labels.t": True}),
]


@pytest.mark.parametrize("sample", SAMPLES, ids=range(len(SAMPLES)))
def test_every_message_keeps_graylogs_rules(sample: CollectedRecord) -> None:
    assert problems(gelf_message(sample)) == []


def test_the_rules_catch_what_graylog_refuses() -> None:
    good = gelf_message(record())
    assert problems({**good, "short_message": "  "}) == [
        'refused: empty mandatory "short_message" field'
    ]
    assert problems({**good, "host": ""}) == ['refused: empty mandatory "host" field']
    assert problems({**good, "level": 9, "_id": "x", "_labels_é": "y", "_n": " "}) == [
        "level 9 is not a syslog severity 0-7",
        "'_id': not an additional field name (^_[\\w.\\-]*$, not _id)",
        "'_labels_é': not an additional field name (^_[\\w.\\-]*$, not _id)",
        "'_n': a blank string, which Graylog trims away",
    ]


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
    assert additional_name("labels.é") == "_labels__"  # Graylog's \\w is ASCII


def test_every_schema_field_gets_a_distinct_valid_name() -> None:
    names = [additional_name(f) for f in schema.fields()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"_[\w.\-]+", n) for n in names)
    assert "_id" not in names
