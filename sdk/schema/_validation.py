"""Checking records against the schema: the whole record, one field, or a family of fields,
with the reasons a reader can act on. The validators apply the schema's patterns as ECMA 262
reads them and test real moments where the schema says date-time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Final

import fastjsonschema

from sdk.schema._document import (
    ECMA_CLASSES,
    SCHEMA_VERSION,
    fields,
    schema,
)
from sdk.schema._timestamps import is_timestamp, moment_test


@cache
def field_patterns() -> tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...]:
    """Families of fields (``labels.*``, ``http.request.header.*``) as compiled patterns."""
    patterns: Mapping[str, Mapping[str, Any]] = schema()["patternProperties"]
    # as fastjsonschema matches property names: Python's own "$" (a final newline may follow)
    return tuple((re.compile(p), d) for p, d in patterns.items())


def is_schema_field(name: str) -> bool:
    return name in fields() or any(p.match(name) for p, _ in field_patterns())


def required_fields() -> tuple[str, ...]:
    return tuple(schema()["required"])


#: Fields whose text must also name a real moment: the schema's pattern admits
#: ``2026-02-30`` and the leap second ``23:59:60``, which no store can read back as a time
#: (Elasticsearch refuses the document, the dashboard cannot place the hop). ``@timestamp``
#: is left to the sinks, which parse it to store it and dead-letter what they cannot read.
MOMENT_FIELDS: Final = ("event.start", "event.end")
#: the JSON Schema format the reference schema gives :data:`MOMENT_FIELDS`
MOMENT_FORMAT: Final = "date-time"


@cache
def formats() -> Mapping[str, Callable[[str], bool]]:
    """The formats the reference schema names, each a test of a string."""
    return {MOMENT_FORMAT: is_timestamp}


def format_test(definition: Mapping[str, Any]) -> Callable[[str], bool] | None:
    """The test of *definition*'s ``format`` for strings that passed its ``pattern`` (a
    validator tests the pattern first), or None when it names none of :func:`formats`. On
    the timestamp pattern a real moment is :func:`sdk.schema.moment_test`: the same
    answers there, at a fraction of the cost (each hop record has two)."""
    name = definition.get("format")
    test = formats().get(name) if isinstance(name, str) else None
    pattern = definition.get("pattern")
    if (
        test is not None
        and name == MOMENT_FORMAT
        and isinstance(pattern, str)
        and pattern.removeprefix(ECMA_CLASSES) == fields()["@timestamp"]["pattern"]
    ):
        return moment_test()
    return test


def _as_validated(definition: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    checked = dict(definition)
    if isinstance(checked.get("pattern"), str):
        checked["pattern"] = ECMA_CLASSES + checked["pattern"]
    if name in MOMENT_FIELDS:
        checked["format"] = MOMENT_FORMAT
    return checked


@cache
def reference_schema() -> Mapping[str, Any]:
    """The schema as the validators apply it: the file's, with each value pattern under
    :data:`ECMA_CLASSES` (fastjsonschema compiles patterns as Python's ``re`` reads them) and
    :data:`MOMENT_FORMAT` on :data:`MOMENT_FIELDS`. Both validators, fastjsonschema here and
    the collector's own, work from it, so they agree."""
    whole = dict(schema())
    whole["properties"] = {name: _as_validated(d, name) for name, d in fields().items()}
    whole["patternProperties"] = {
        key: _as_validated(d, None) for key, d in whole["patternProperties"].items()
    }
    return whole


@cache
def reference_fields() -> Mapping[str, Mapping[str, Any]]:
    """Every named field with its definition as :func:`reference_schema` has it."""
    props: Mapping[str, Mapping[str, Any]] = reference_schema()["properties"]
    return props


@cache
def reference_field_patterns() -> tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...]:
    """:func:`field_patterns` with definitions as :func:`reference_schema` has them."""
    families: Mapping[str, Mapping[str, Any]] = reference_schema()["patternProperties"]
    return tuple((re.compile(p), d) for p, d in families.items())


class SchemaError(ValueError):
    """A record does not conform to the schema; the message says where and why."""


@cache
def _compiled() -> Callable[[Any], Any]:
    validate: Callable[[Any], Any] = fastjsonschema.compile(
        dict(reference_schema()), formats=dict(formats())
    )
    return validate


def validate(record: Any) -> None:
    """Raise :class:`SchemaError` when *record* is not a valid record."""
    try:
        _compiled()(record)
    except fastjsonschema.JsonSchemaValueException:
        raise SchemaError("; ".join(problems(record))) from None


def problem(record: Any) -> str | None:
    """The reason *record* is invalid (every problem, joined by ``;``), or ``None``."""
    try:
        _compiled()(record)
    except fastjsonschema.JsonSchemaValueException:
        return "; ".join(problems(record))
    return None


def problems(record: Any) -> list[str]:
    """Every way *record* breaks the schema, one short sentence each (empty when valid)."""
    if not isinstance(record, Mapping):
        return [f"not a JSON object but {_json_type(record)}"]
    found: list[str] = []
    missing = [name for name in required_fields() if name not in record]
    if missing:
        found.append(f"missing required field(s): {', '.join(missing)}")
    unknown = [str(k) for k in record if not is_schema_field(str(k))]
    if unknown:
        found.append(f"unknown field(s) not in schema v{SCHEMA_VERSION}: {', '.join(unknown)}")
    for name, value in record.items():
        reason = field_problem(str(name), value)
        if reason is not None:
            found.append(f"{name}: {reason}")
    if not found:  # the file's validator disagrees with the per-field view: say so whole
        try:
            _compiled()(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            found.append(exc.message.removeprefix("data").lstrip(". "))
    return found


@cache
def field_validator(name: str) -> Callable[[Any], Any] | None:
    """A compiled validator of one field's definition (``None`` for an unknown field)."""
    definition = reference_fields().get(name)
    if definition is None:
        for pattern, family in reference_field_patterns():
            if pattern.match(name):
                definition = family
                break
    if definition is None:
        return None
    # formats only where the definition names one: fastjsonschema wraps a validator given
    # formats in a partial, which costs every call (every trusted field of every hop record)
    test = format_test(definition)
    named = {definition["format"]: test} if test is not None else {}
    check: Callable[[Any], Any] = fastjsonschema.compile(dict(definition), formats=named)
    return check


def field_problem(name: str, value: Any) -> str | None:
    """Why *value* cannot be field *name*, or ``None`` (also for unknown fields)."""
    check = field_validator(name)
    if check is None:
        return None
    try:
        check(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        return _reason(exc, value)
    return None


def _reason(exc: fastjsonschema.JsonSchemaValueException, value: Any) -> str:
    definition: Mapping[str, Any] = exc.definition or {}
    shown = _shown(value)
    if exc.rule == "type":
        expected = definition.get("type")
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {names}, got {_json_type(value)} {shown}"
    if exc.rule == "enum":
        return f"{shown} is not one of {', '.join(map(str, definition.get('enum', ())))}"
    if exc.rule == "const":
        return f"{shown} is not {_shown(definition.get('const'))}"
    if exc.rule == "pattern":
        written = str(definition.get("pattern")).removeprefix(ECMA_CLASSES)
        return f"{shown} does not match {written}"
    if exc.rule == "format" and definition.get("format") == MOMENT_FORMAT:
        return f"{shown} is not a real date and time"
    if exc.rule in {"minimum", "maximum", "minLength", "maxLength"}:
        limit = definition.get(exc.rule)
        return f"{shown} is not {_BOUND_WORDS[exc.rule]} {limit}"
    return f"{shown}: {exc.message.removeprefix('data').lstrip('. ')}"


_BOUND_WORDS: Final = {
    "minimum": ">=",
    "maximum": "<=",
    "minLength": "of length >=",
    "maxLength": "of length <=",
}


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except Exception:  # noqa: BLE001 - a value that cannot even be shown
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else f"{text[:57]}..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__
