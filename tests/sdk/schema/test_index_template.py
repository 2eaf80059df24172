"""The index layout generated from the schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from collector.sinks.search.bulk import dated_index
from sdk import schema
from sdk.schema.index_template import (
    INDEX_PATTERN,
    field_type,
    field_types,
    index_name,
    index_template,
    mappings,
)


def mapped(name: str) -> dict[str, Any]:
    level: dict[str, Any] = {"properties": mappings()["properties"]}
    for part in name.split("."):
        level = level["properties"][part]
    return level


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2026-11-25T14:41:06.123456Z", "hopscope-records-2026.11.25"),
        ("2026-11-25T23:30:00-02:00", "hopscope-records-2026.11.26"),
        ("2026-01-01T00:30:00+01:00", "hopscope-records-2025.12.31"),
        (datetime(2026, 3, 4, 5, 6, tzinfo=UTC), "hopscope-records-2026.03.04"),
        (
            datetime(2026, 3, 4, 23, 0, tzinfo=timezone(timedelta(hours=-3))),
            "hopscope-records-2026.03.05",
        ),
        (datetime(2026, 3, 4, 5, 6), "hopscope-records-2026.03.04"),
    ],
)
def test_index_name_is_the_utc_day(timestamp: Any, expected: str) -> None:
    assert index_name(timestamp) == expected


def test_dated_index_of_documents() -> None:
    assert dated_index({"@timestamp": "2026-11-25T14:41:06Z"}) == "hopscope-records-2026.11.25"
    assert dated_index({"@timestamp": "2026-11-25T23:41:06-05:00"}) == (
        "hopscope-records-2026.11.26"
    )
    today = index_name(datetime.now(UTC))
    assert dated_index({"@timestamp": "yesterday"}) == today
    assert dated_index({}) == today


def test_every_schema_field_is_mapped() -> None:
    assert set(field_types()) == set(schema.fields())
    for name in schema.fields():
        assert mapped(name) == field_types()[name]


def test_field_types_follow_the_schema() -> None:
    nanos = {"nanos": {"type": "date_nanos", "ignore_malformed": True}}
    for date in ("@timestamp", "event.start", "event.end"):
        assert mapped(date) == {"type": "date", "fields": nanos}
    assert mapped("event.duration") == {"type": "long"}
    assert mapped("http.response.status_code") == {"type": "long"}
    assert mapped("hopscope.source.offset") == {"type": "long"}
    assert mapped("hopscope.truncated") == {"type": "boolean"}
    for keyword in ("trace.id", "span.id", "service.name", "log.level", "http.route"):
        assert mapped(keyword)["type"] == "keyword"
    assert mapped("message")["type"] == "text"
    assert mapped("message")["fields"]["keyword"]["type"] == "keyword"
    for text in ("error.message", "error.stack_trace", "event.original"):
        assert mapped(text) == {"type": "text"}


def test_field_type_of_other_json_schema_types() -> None:
    assert field_type("x.ratio", {"type": "number"}) == {"type": "double"}
    assert field_type("x.when", {"type": "string", "format": "date-time"})["type"] == "date"


def test_families_map_as_keywords_and_unknown_fields_are_not_indexed() -> None:
    body = mappings()
    assert body["dynamic"] is False
    templates = {next(iter(t)): next(iter(t.values())) for t in body["dynamic_templates"]}
    assert templates["labels"]["path_match"] == "labels.*"
    assert templates["labels"]["mapping"]["type"] == "keyword"
    assert templates["http_request_header"]["path_match"] == "http.request.header.*"
    assert body["properties"]["labels"]["dynamic"] is True
    assert (
        body["properties"]["http"]["properties"]["request"]["properties"]["header"]["dynamic"]
        is True
    )


@pytest.mark.parametrize("flat", ["flattened", "flat_object"])
def test_families_of_a_flat_type_are_one_field_each(flat: str) -> None:
    body = mappings(flat)
    assert "dynamic_templates" not in body
    assert body["properties"]["labels"] == {"type": flat}
    request = body["properties"]["http"]["properties"]["request"]["properties"]
    assert request["header"] == {"type": flat}
    assert (
        request["method"]
        == mappings()["properties"]["http"]["properties"]["request"]["properties"]["method"]
    )
    assert index_template(families=flat)["template"]["mappings"] == body


def test_template_body() -> None:
    dated = index_template()
    assert dated["index_patterns"] == [INDEX_PATTERN]
    assert "data_stream" not in dated
    assert dated["template"]["mappings"] == mappings()
    assert index_template(data_stream=True)["data_stream"] == {}
    assert index_template(replicas=0)["template"]["settings"]["index"] == {
        "number_of_shards": 1,
        "number_of_replicas": 0,
    }
