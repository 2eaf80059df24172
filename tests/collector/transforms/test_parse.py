from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from collector.sinks.sqlite import SqliteSink
from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.parse import Parser
from collector.transforms.record import record_id
from sdk.schema import fields, problem
from tests.collector.conftest import stored_rows


def valid_line(n: int) -> bytes:
    return orjson.dumps(
        {
            "@timestamp": "2024-05-01T10:00:00.000001Z",
            "log.level": "info",
            "message": f"line {n}",
            "service.name": "cart",
            "hopscope.schema_version": "1",
            "labels.n": n,
        }
    )


ORIGIN = Origin("file:abc", "logs/app.log", "cart-hint", resumable=True)


def parse(*data: bytes, truncated: bool = False) -> list:
    lines, offset = [], 0
    for item in data:
        lines.append(Line(offset, offset + len(item) + 1, item, truncated))
        offset += len(item) + 1
    return Parser().parse(ORIGIN, lines).records


def test_valid_line_is_kept_with_its_id_and_source() -> None:
    (record,) = parse(valid_line(7))
    assert not record.unstructured
    assert record.id == record_id("file:abc", 0)
    assert record.doc["hopscope.record.id"] == record.id
    assert record.doc["hopscope.source.name"] == "logs/app.log"
    assert record.doc["hopscope.source.offset"] == 0
    assert record.doc["labels.n"] == 7
    assert problem(record.doc) is None


def test_not_json_becomes_an_unstructured_valid_record() -> None:
    first = valid_line(1)
    _, record = parse(first, b"Starting server on port 8000")
    assert record.unstructured
    assert record.offset == len(first) + 1
    doc = record.doc
    assert doc["event.original"] == "Starting server on port 8000"
    assert doc["message"] == "Starting server on port 8000"
    assert doc["hopscope.unstructured.reason"] == "not JSON"
    assert doc["service.name"] == "cart-hint"
    assert doc["log.level"] == "info"
    assert problem(doc) is None


def test_invalid_record_keeps_reason_and_its_own_service() -> None:
    bad = orjson.dumps(
        {**orjson.loads(valid_line(1)), "service.name": "pay", "http.response.status_code": 42}
    )
    (record,) = parse(bad)
    assert record.unstructured
    assert "http.response.status_code" in record.doc["hopscope.unstructured.reason"]
    assert record.doc["service.name"] == "pay"
    assert orjson.loads(record.doc["event.original"])["http.response.status_code"] == 42
    assert problem(record.doc) is None


def test_broken_json_and_non_objects() -> None:
    records = parse(b'{"a": ', b"[1, 2]", b"{}")
    reasons = [r.doc["hopscope.unstructured.reason"] for r in records]
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "not JSON"  # does not start with '{': not even tried
    assert "required" in reasons[2] or "must contain" in reasons[2]
    assert all(problem(r.doc) is None for r in records)


def test_non_utf8_bytes_survive() -> None:
    raw = b"caf\xe9 \xff\xfe end"
    (record,) = parse(raw)
    assert record.raw == raw
    assert record.doc["event.original"] == "caf\\xe9 \\xff\\xfe end"
    assert "not UTF-8" in record.doc["hopscope.unstructured.reason"]
    assert problem(record.doc) is None


def test_blank_lines_are_counted_not_stored() -> None:
    lines = [Line(0, 1, b"", False), Line(1, 4, b"  ", False)]
    outcome = Parser().parse(ORIGIN, lines)
    assert outcome.records == []
    assert outcome.blank == 2


@pytest.mark.parametrize(
    "before",
    [b"\xef\xbb\xbf", b"   ", b"\t", b"\xef\xbb\xbf  "],
    ids=["bom", "spaces", "tab", "both"],
)
def test_a_bom_or_spaces_before_an_object_are_not_part_of_it(before: bytes) -> None:
    (record,) = parse(before + valid_line(1))
    assert not record.unstructured, record.doc.get("hopscope.unstructured.reason")
    assert record.doc["message"] == "line 1"
    assert record.offset == 0  # the line's own offset: the same id on every read


def test_a_bom_alone_is_a_blank_line_and_text_after_one_stays_as_written() -> None:
    lines = [Line(0, 4, b"\xef\xbb\xbf", False), Line(4, 15, b"  plain text", False)]
    outcome = Parser().parse(ORIGIN, lines)
    assert outcome.blank == 1
    (record,) = outcome.records
    assert record.doc["event.original"] == "  plain text"
    assert record.doc["hopscope.unstructured.reason"] == "not JSON"


def test_truncated_line_is_kept_and_flagged() -> None:
    (record,) = parse(b'{"message": "xxxx [hopscope: line truncated]', truncated=True)
    assert record.unstructured
    assert record.doc["hopscope.truncated"] is True
    assert "truncated" in record.doc["hopscope.unstructured.reason"]


def test_traceback_becomes_an_error_record() -> None:
    text = (
        b'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n'
        b"    main()\nmyapp.errors.PaymentDeclined: card expired"
    )
    (record,) = parse(text)
    doc = record.doc
    assert doc["log.level"] == "error"
    assert doc["error.type"] == "myapp.errors.PaymentDeclined"
    assert doc["error.message"] == "card expired"
    assert doc["message"] == "myapp.errors.PaymentDeclined: card expired"
    assert doc["error.stack_trace"] == text.decode()
    assert problem(doc) is None


def test_ids_of_valid_and_unstructured_records_name_source_and_offset() -> None:
    records = parse(valid_line(1), b"plain text", valid_line(2))
    assert [r.unstructured for r in records] == [False, True, False]
    assert [r.id for r in records] == [record_id("file:abc", r.offset) for r in records]
    assert [r.doc["hopscope.record.id"] for r in records] == [r.id for r in records]
    assert [r.doc["hopscope.source.offset"] for r in records] == [r.offset for r in records]


FULL_WIDTH_YEAR = "\uff12\uff10\uff12\uff14"  # 2024 in full-width digits


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("@timestamp", f"{FULL_WIDTH_YEAR}-05-01T10:00:00.000001Z", "does not match"),
        ("event.start", f"{FULL_WIDTH_YEAR}-05-01T10:00:00Z", "does not match"),
        ("event.start", "2024-02-30T10:00:00.000000Z", "is not a real date and time"),
        ("event.end", "2024-05-01T23:59:60.000000Z", "is not a real date and time"),
    ],
)
def test_a_time_no_store_can_read_is_stored_unstructured_with_the_reason(
    tmp_path: Path, field: str, value: str, why: str
) -> None:
    bad = orjson.dumps({**orjson.loads(valid_line(1)), field: value})
    records = parse(*[valid_line(0), *[bad] * 5])  # the shape recurs: compiled, then reused
    assert [r.unstructured for r in records] == [False, *[True] * 5]
    if why == "does not match":  # the pattern as the schema file writes it
        why += " " + fields()[field]["pattern"]
    reason = f"not valid against schema v2: {field}: {orjson.dumps(value).decode()} {why}"
    assert {r.doc["hopscope.unstructured.reason"] for r in records[1:]} == {reason}
    sink = SqliteSink(tmp_path / "store.db")
    try:
        result = sink.write(records)
    finally:
        sink.close()
    assert (result.stored, result.rejected) == (6, [])
    rows = stored_rows(tmp_path / "store.db")
    kept = [orjson.loads(doc) for _, doc, unstructured in rows if unstructured]
    assert len(kept) == 5
    assert {doc["hopscope.unstructured.reason"] for doc in kept} == {reason}
    assert {doc["event.original"] for doc in kept} == {bad.decode()}
