"""The shipped schema file: consistent with itself and with the design's rules, and the
reasons it gives for a bad record are short and complete."""

from __future__ import annotations

import re

import jsonschema
import pytest
from hopscope_testing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from sdk import schema

VALID = {
    "@timestamp": "2026-01-01T00:00:00.000001Z",
    "log.level": "info",
    "message": "m",
    "service.name": "cart",
    "hopscope.schema_version": schema.SCHEMA_VERSION,
}


def test_schema_names_its_version_and_requires_it() -> None:
    # the current version, and the versions before it: their lines are valid too
    assert schema.fields()["hopscope.schema_version"]["enum"] == ["1", schema.SCHEMA_VERSION]
    assert schema.SCHEMA_VERSION == "2"
    assert schema.problem({**VALID, "hopscope.schema_version": "1"}) is None
    assert schema.problem({**VALID, "hopscope.schema_version": "3"}) is not None
    assert schema.schema()["$id"].endswith(f":{schema.SCHEMA_VERSION}")
    assert set(schema.required_fields()) <= set(schema.fields())
    assert "hopscope.schema_version" in schema.required_fields()


def test_every_field_is_described() -> None:
    for name, definition in schema.fields().items():
        assert definition.get("description"), name


def test_no_field_is_a_scalar_next_to_its_own_dotted_children() -> None:
    """Elasticsearch cannot map ``error`` and ``error.type`` together."""
    names = set(schema.fields())
    for name in names:
        parents = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        assert not (parents & names), (name, parents & names)
    for pattern, _ in schema.field_patterns():
        prefix = pattern.pattern.lstrip("^").split("\\.")[0]
        assert prefix not in names


def test_hop_fields_are_defined() -> None:
    for name in (
        "hopscope.hop.kind",
        "hopscope.hop.attempt",
        "trace.id",
        "span.id",
        "parent.id",
        "event.start",
        "event.end",
        "event.duration",
        "event.outcome",
        "http.request.method",
        "http.route",
        "url.path",
        "url.query",
        "url.full",
        "http.response.status_code",
        "service.target.name",
        "service.origin.name",
        "error.type",
        "error.message",
        "error.stack_trace",
    ):
        assert name in schema.fields(), name


def test_fastjsonschema_and_jsonschema_agree(validator: jsonschema.Draft202012Validator) -> None:
    records = [
        VALID,
        {**VALID, "labels.x": [1]},
        {**VALID, "log.level": "INFO"},
        {**VALID, "trace.id": "0" * 32, "span.id": "0" * 16},
        {**VALID, "http.request.header.x-id": "7"},
        {**VALID, "http.request.header.X-Id": "7"},
        {**VALID, "process.pid": True},
    ]
    for record in records:
        assert (schema.problem(record) is None) == validator.is_valid(record), record


def test_problems_lists_every_problem_once() -> None:
    record = {**VALID, "log.level": "loud", "color": "red", "event.duration": -1}
    del record["message"]
    found = schema.problems(record)
    assert found == [
        "missing required field(s): message",
        "unknown field(s) not in schema v2: color",
        'log.level: "loud" is not one of debug, info, warning, error, critical',
        "event.duration: -1 is not >= 0",
    ]
    with pytest.raises(schema.SchemaError, match=re.escape("; ".join(found))):
        schema.validate(record)


def test_long_values_are_shortened_in_reasons() -> None:
    reason = schema.problem({**VALID, "trace.id": "z" * 500})
    assert reason is not None
    assert len(reason) < 150
    assert reason.startswith('trace.id: "zzz')
    assert "..." in reason


def test_field_families() -> None:
    assert schema.is_schema_field("labels.anything_1")
    # label keys as given, but for what ECS forbids in them; at most 128 characters
    assert schema.is_schema_field("labels.Upper")
    assert schema.is_schema_field("labels.größe")
    assert schema.is_schema_field("labels." + "k" * 128)
    assert not schema.is_schema_field("labels." + "k" * 129)
    for forbidden in ("a.b", "a*b", "a\\b", ""):
        assert not schema.is_schema_field(f"labels.{forbidden}")
    assert schema.is_schema_field("http.request.header.x-request-id")
    # in values, "$" ends the string as JSON Schema means it (Python's lets a newline follow)
    assert schema.schema_pattern("^[a-z]+$").search("get\n") is None
    assert schema.schema_pattern(r"^a\$$").search("a$") is not None  # an escaped $ stays
    assert schema.field_problem("labels.x", {"a": 1}) is not None
    assert schema.field_problem("labels.x", 1.5) is None
    assert schema.field_problem("not.a.field", 1) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=5,
)
field_names = st.sampled_from(sorted(schema.fields())) | st.sampled_from(
    ["labels.ok", "labels.Bad", "http.request.header.x-a", "color", "error"]
)


@settings(max_examples=examples(200), deadline=None)
@given(extra=st.dictionaries(field_names, json_values, max_size=6), drop=st.booleans())
def test_problem_agrees_with_jsonschema_on_any_record(
    validator: jsonschema.Draft202012Validator, extra: dict[str, object], drop: bool
) -> None:
    record = {**VALID, **extra}
    if drop:
        record.pop("message", None)
    reason = schema.problem(record)
    assert (reason is None) == validator.is_valid(record), (record, reason)
    if reason is not None:
        assert reason  # never an empty explanation


FULL_WIDTH_YEAR = "\uff12\uff10\uff12\uff16"  # 2026 in full-width digits


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("@timestamp", f"{FULL_WIDTH_YEAR}-01-01T00:00:00Z"),
        ("@timestamp", "2026-01-01T00:00:00.\u0661\u0662Z"),  # Arabic-Indic digits in the fraction
        ("event.start", f"{FULL_WIDTH_YEAR}-01-01T00:00:00Z"),
        ("event.end", "2026-01-01T00:00:00+\uff10\uff11:00"),
    ],
)
def test_a_digit_in_a_pattern_is_an_ascii_digit(name: str, value: str) -> None:
    """``\\d`` is [0-9] in JSON Schema (ECMA 262), not Python's any Unicode digit."""
    record = {**VALID, name: value}
    reason = schema.problem(record)
    assert reason is not None
    assert reason.startswith(f"{name}: ")
    assert "does not match ^\\d{4}-" in reason  # the pattern as the file writes it
    with pytest.raises(schema.SchemaError, match=re.escape(name)):
        schema.validate(record)
    assert schema.field_problem(name, value) is not None


def test_schema_patterns_take_ascii_classes() -> None:
    assert schema.schema_pattern(r"^\d+$").search("\uff17") is None
    assert schema.schema_pattern(r"^\d+$").search("7") is not None
    assert schema.schema_pattern(r"^\w+$").search("caf\u00e9") is None


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T10:00:00.000000Z",  # no such day
        "2026-11-25T23:59:60Z",  # a leap second
        "2026-11-25T24:00:00Z",
        "2026-11-25T10:00:00+24:00",
    ],
)
@pytest.mark.parametrize("name", schema.MOMENT_FIELDS)
def test_a_hop_time_names_a_real_moment(name: str, value: str) -> None:
    record = {**VALID, name: value}
    assert schema.problem(record) == f'{name}: "{value}" is not a real date and time'
    with pytest.raises(schema.SchemaError, match="not a real date and time"):
        schema.validate(record)
    assert schema.problem({**VALID, name: "2024-02-29T23:59:59.999999+23:59"}) is None


def test_an_impossible_timestamp_is_left_to_the_sinks() -> None:
    # the sinks parse @timestamp to store it, and dead-letter (replayably) what they cannot
    assert schema.problem({**VALID, "@timestamp": "2026-02-30T10:00:00Z"}) is None


def test_the_reference_schema_under_jsonschema_agrees_with_problem() -> None:
    """What ``problem`` applies is a plain JSON Schema: jsonschema, given the same format
    test, answers the same, where on the file as shipped Python's ``\\d`` lets more through."""
    from sdk.schema import is_timestamp

    formats = jsonschema.FormatChecker(formats=())
    formats.checks(schema.MOMENT_FORMAT)(is_timestamp)
    reference = jsonschema.Draft202012Validator(
        dict(schema.reference_schema()), format_checker=formats
    )
    full_width = {**VALID, "@timestamp": f"{FULL_WIDTH_YEAR}-01-01T00:00:00Z"}
    records = [
        VALID,
        full_width,
        {**VALID, "event.start": "2026-02-30T10:00:00Z"},
        {**VALID, "event.end": "2026-11-25T23:59:60.5Z"},
        {**VALID, "event.start": "2026-11-25T10:00:00Z", "event.end": "2026-11-25T10:00:01Z"},
    ]
    for record in records:
        assert (schema.problem(record) is None) == reference.is_valid(record), record
    shipped = jsonschema.Draft202012Validator(dict(schema.schema()))
    assert shipped.is_valid(full_width)  # why the validators cannot take the file as it is


def test_only_a_field_with_a_format_gets_the_format_tests() -> None:
    """fastjsonschema wraps a validator given format tests in a ``functools.partial``, which
    every call pays: the SDK validates each trusted field of each hop record."""
    import functools

    assert not isinstance(schema.field_validator("http.route"), functools.partial)
    assert not isinstance(schema.field_validator("labels.anything"), functools.partial)
    for name in schema.MOMENT_FIELDS:
        assert schema.field_problem(name, "2026-02-30T10:00:00Z") == (
            '"2026-02-30T10:00:00Z" is not a real date and time'
        )
        # the per-field test remembers the seconds it accepted: a known second still needs a
        # real zone, and text off the pattern is refused by the pattern
        assert schema.field_problem(name, "2026-11-25T10:00:00.5Z") is None
        assert schema.field_problem(name, "2026-11-25T10:00:00+24:00") == (
            '"2026-11-25T10:00:00+24:00" is not a real date and time'
        )
        assert "does not match" in str(schema.field_problem(name, "2026-11-25T10:00:00xZ"))


def test_the_format_test_of_a_timestamp_pattern_answers_as_the_full_one() -> None:
    from sdk.schema import is_timestamp

    definition = schema.reference_fields()["event.start"]
    quick = schema.format_test(definition)
    assert quick is not None
    assert quick is not is_timestamp
    texts = [
        "2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00.123Z",
        "2026-11-25T10:00:00+24:00",
        "2026-02-30T10:00:00Z",
        "2026-11-25T23:59:60Z",
        "2026-11-25T10:00:00-01:30",
    ]
    for text in texts + texts:
        assert quick(text) == is_timestamp(text), text
    # elsewhere (no timestamp pattern to test first) the format keeps its full test
    assert schema.format_test({"type": "string", "format": schema.MOMENT_FORMAT}) is is_timestamp
    assert schema.format_test({"type": "string"}) is None
