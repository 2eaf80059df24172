"""The collector's validator agrees with the reference one (``sdk.schema``) on every
document: real records and mutations of their values, types, keys and key order, through
the compiled shape checks, the remembered ones and the key-by-key fallback."""

from __future__ import annotations

import math
import re
from typing import Any

import fastjsonschema
import pytest
from hopscope_testing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.transforms.validation import (
    RecordValidator,
    compile_definition,
    format_test,
    record_validator,
)
from sdk import schema

BASE = {
    "@timestamp": "2024-05-01T10:00:00.000001Z",
    "log.level": "info",
    "message": "m",
    "service.name": "cart",
    "hopscope.schema_version": "1",
}

#: records as the SDK and the collector write them
REAL_RECORDS: list[dict[str, Any]] = [
    {
        **BASE,
        "service.version": "1.4.2",
        "service.environment": "prod",
        "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span.id": "00f067aa0ba902b7",
        "hopscope.hop.kind": "server",
        "parent.id": "a3ce929d0e0e4736",
        "service.origin.name": "checkout",
        "http.request.method": "GET",
        "http.route": "/carts/{cart_id}",
        "url.path": "/carts/7",
        "url.query": "full=1",
        "http.response.status_code": 200,
        "event.duration": 1_250_000,
        "event.start": "2024-05-01T09:59:59.998750Z",
        "event.end": "2024-05-01T10:00:00Z",
        "event.outcome": "success",
        "client.address": "10.0.0.7",
        "client.port": 51234,
        "http.request.header.x-request-id": "r-1",
        "user_agent.original": "httpx/0.27",
    },
    {
        **BASE,
        "log.level": "error",
        "trace.id": "0" * 32,
        "span.id": "1" * 16,
        "hopscope.hop.kind": "client",
        "hopscope.hop.attempt": 2,
        "hopscope.hop.as_service": True,
        "service.target.name": "inventory",
        "http.request.method": "POST",
        "url.full": "http://inventory:8000/reserve",
        "http.response.status_code": 504,
        "event.duration": 5_000_000_000,
        "event.outcome": "failure",
        "error.type": "httpx.ReadTimeout",
        "error.message": "timed out",
        "server.port": 8000,
        "http.request.body.bytes": 12,
        "http.response.body.bytes": 0,
    },
    {
        **BASE,
        "log.logger": "cart.pricing",
        "log.origin.file.name": "pricing.py",
        "log.origin.file.line": 42,
        "log.origin.function": "total",
        "process.pid": 311,
        "process.thread.name": "MainThread",
        "host.name": "node-1",
        "ecs.version": "8.11.0",
        "labels.cart_items": 3,
        "labels.currency": "EUR",
        "labels.ratio": 0.25,
        "labels.flag": False,
        "labels.nothing": None,
        "error.stack_trace": "Traceback ...",
    },
    {
        **BASE,
        "message": "Starting server",
        "event.original": "Starting server",
        "hopscope.unstructured.reason": "not JSON",
        "hopscope.record.id": "ab" * 10,
        "hopscope.source.name": "app.log",
        "hopscope.source.offset": 0,
        "hopscope.truncated": True,
    },
]

EDGE_VALUES = st.sampled_from(
    [
        "",
        "x",
        "GET",
        "get",
        "GET\n",
        "0" * 32,
        "0" * 32 + "\n",
        "A" * 32,
        "a" * 16,
        "info",
        "INFO",
        "error",
        "1",
        "1\n",
        "2",
        "server",
        "success",
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00Z\n",
        "2024-05-01T10:00:00.1234567890Z",
        "2024-05-01",
        "٢٠٢٤-05-01T10:00:00+02:00",
        "\uff12\uff10\uff12\uff14-05-01T10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2024-05-01T23:59:60.5Z",
        "2024-05-01T10:00:00+24:00",
        "2024-02-29T10:00:00-23:59",
        0,
        1,
        -1,
        99,
        100,
        599,
        600,
        2**63,
        1.0,
        -1.0,
        0.5,
        200.0,
        599.5,
        True,
        False,
        None,
        [],
        {},
        ["GET"],
        {"a": 1},
    ]
)
values = st.one_of(
    EDGE_VALUES,
    st.none(),
    st.booleans(),
    st.integers(-5, 700),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
keys = st.one_of(
    st.sampled_from(sorted(schema.fields())),
    st.sampled_from(
        [
            "labels.ok",
            "labels.Bad",
            "labels.a_b",
            "labels.",
            "labels.x\n",
            "nope",
            "error",
            "http.request.header.x-id",
            "http.request.header.X",
            "http.request.header.a\n",
            "Labels.x",
            "xlabels.x",
        ]
    ),
    st.text(max_size=12),
)


def near(value: Any) -> st.SearchStrategy[Any]:
    """Values close to *value*: the same text one character off, the same number as another
    type, the neighbours of a bound."""
    if isinstance(value, bool):
        return st.sampled_from([not value, int(value), float(value), str(value).lower()])
    if isinstance(value, int | float):
        whole = round(value) if math.isfinite(value) else 0
        return st.sampled_from(
            [
                float(value),
                whole,
                value + 0.5,
                -value,
                value - 1,
                value + 1,
                -1,
                0,
                99,
                100,
                599,
                600,
                str(value),
                True,
            ]
        )
    if isinstance(value, str):
        return st.sampled_from(
            [
                value + "\n",
                "\n" + value,
                value[:-1],
                value + "x",
                value.upper(),
                value.lower(),
                "",
                value.replace("0", "\u0660"),
                value + " ",
                value.replace("1", "\uff11"),
                value.replace("T10", "T24"),
                value.replace(":00", ":60", 1),
                len(value),
                None,
            ]
        )
    return values


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    doc = dict(draw(st.sampled_from(REAL_RECORDS)))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["value", "drop", "add", "shuffle"]))
        if action == "value" and doc:
            key = draw(st.sampled_from(sorted(doc)))
            doc[key] = draw(st.one_of(near(doc[key]), values))
        elif action == "drop" and doc:
            del doc[draw(st.sampled_from(sorted(doc)))]
        elif action == "add":
            doc[draw(keys)] = draw(values)
        elif action == "shuffle":
            order = draw(st.permutations(list(doc)))
            doc = {key: doc[key] for key in order}
    return doc


def agrees(checker: RecordValidator, doc: dict[str, Any]) -> None:
    reference = schema.problem(doc)
    for _ in range(2):  # the first call compiles the shape, the second reuses it
        assert checker.is_valid(doc) == (reference is None), (doc, reference)
    assert checker.problem(doc) == reference


def validator(**options: int) -> RecordValidator:
    return RecordValidator(
        schema.reference_fields(),
        schema.required_fields(),
        schema.reference_field_patterns(),
        schema.problem,
        **options,
    )


key_by_key = validator(max_shapes=0)
compiled_at_once = validator(compile_after=1)


@settings(max_examples=examples(600))
@given(mutated_records())
def test_agrees_with_the_reference_validator_on_mutated_records(doc: dict[str, Any]) -> None:
    agrees(compiled_at_once, doc)
    agrees(key_by_key, doc)


@settings(max_examples=examples(300))
@given(st.dictionaries(keys, values, max_size=6), st.sets(st.sampled_from(sorted(BASE))))
def test_agrees_with_the_reference_validator(extra: dict[str, Any], drop: set[str]) -> None:
    doc = {k: v for k, v in BASE.items() if k not in drop}
    doc.update(extra)
    agrees(compiled_at_once, doc)
    agrees(key_by_key, doc)


def test_real_records_are_valid() -> None:
    for doc in REAL_RECORDS:
        assert schema.problem(doc) is None
        assert record_validator().is_valid(doc)
        assert compiled_at_once.is_valid(doc)
        assert key_by_key.is_valid(doc)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("http.request.method", "GET\n"),  # JSON Schema's $ ends the string
        ("@timestamp", "2024-05-01T10:00:00Z\n"),
        ("log.origin.file.line", True),  # booleans are not integers
        ("labels.x", [1]),
        ("@timestamp", "\uff12\uff10\uff12\uff14-05-01T10:00:00Z"),  # \d is an ASCII digit
        ("event.start", "2024-05-01T10:00:00.\u0661Z"),
        ("event.start", "2024-02-30T10:00:00Z"),  # no such day
        ("event.end", "2024-05-01T23:59:60Z"),  # a leap second
    ],
)
def test_values_both_validators_refuse(key: str, value: Any) -> None:
    doc = {**BASE, key: value}
    assert schema.problem(doc) is not None
    for checker in (record_validator(), compiled_at_once, key_by_key):
        for _ in range(2):  # checked, then through the compiled shape
            assert not checker.is_valid(doc)
        assert checker.problem(doc) == schema.problem(doc)


def test_a_format_the_collector_cannot_check_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="format the collector cannot check: email"):
        compile_definition({"type": "string", "format": "email"})


def test_every_compiled_moment_test_shares_one_memo_of_real_seconds() -> None:
    # a memo per shape and field would grow with the shapes and start cold for each
    start, end = (schema.reference_fields()[name] for name in schema.MOMENT_FIELDS)
    assert format_test(start) is format_test(end)
    assert format_test(start)("2024-05-01T10:00:00.5Z")
    assert not format_test(start)("2024-02-30T10:00:00.5Z")


def test_an_integral_float_is_an_integer() -> None:
    doc = {**BASE, "http.response.status_code": 200.0, "labels.x\n": 1}
    assert schema.problem(doc) is None
    for checker in (record_validator(), compiled_at_once, key_by_key):
        assert checker.is_valid(doc)


def test_shapes_are_bounded_and_later_ones_still_checked() -> None:
    bounded = validator(max_shapes=3, compile_after=1)
    for n in range(10):
        good, bad = {**BASE, f"labels.k{n}": n}, {**BASE, f"labels.k{n}": [n]}
        assert bounded.is_valid(good)
        assert not bounded.is_valid(bad)
    assert bounded.known_shapes == 3


def test_a_shape_is_compiled_once_it_recurs() -> None:
    patient = validator(compile_after=3)
    doc = {**BASE, "labels.once": 1}
    assert patient.is_valid(doc)
    assert patient.is_valid(doc)
    assert patient.known_shapes == 0
    assert patient.is_valid(doc)
    assert patient.known_shapes == 1
    assert not patient.is_valid({**doc, "labels.once": {}})
    assert patient.known_shapes == 1


def test_a_key_meets_its_own_definition_and_every_matching_pattern() -> None:
    closed = {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
        "properties": {"a": {"type": "integer"}, "x.n": {"type": "integer", "maximum": 9}},
        "patternProperties": {"^x\\.": {"minimum": 5}, "n$": {"type": ["integer", "null"]}},
    }
    patterns = tuple((re.compile(p), d) for p, d in closed["patternProperties"].items())
    reference = fastjsonschema.compile(closed)

    def explain(doc: Any) -> str | None:
        try:
            reference(doc)
        except fastjsonschema.JsonSchemaValueException as exc:
            return exc.message
        return None

    for max_shapes in (0, 100):
        checker = RecordValidator(
            closed["properties"], ("a",), patterns, explain, max_shapes=max_shapes, compile_after=1
        )
        for doc in [
            {"a": 1, "x.n": 7},
            {"a": 1, "x.n": 3},
            {"a": 1, "x.n": 12},
            {"a": 1, "x.m": 3},
            {"a": 1, "x.m": "s"},
            {"a": 1, "bn": None},
            {"a": 1, "bn": "s"},
            {"a": 1, "x.n": None},
            {"a": 1, "b": 1},
            {"x.n": 7},
        ]:
            for _ in range(2):
                assert checker.is_valid(doc) == (explain(doc) is None), (doc, max_shapes)


def test_reason_names_the_field() -> None:
    reason = record_validator().problem({**BASE, "http.response.status_code": 42})
    assert reason is not None
    assert "http.response.status_code" in reason
