"""The record schema: loaded once from the JSON Schema file shipped beside this module.

Everything downstream (validation, index templates, GELF names, SQLite columns) derives
its field list from here rather than restating it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

import fastjsonschema

SCHEMA_FILE: Final = "record.schema.json"
SCHEMA_VERSION: Final = "1"
ECS_VERSION: Final = "8.11.0"

#: Keys that open every line, in this order (the ECS logging convention).
LEADING_FIELDS: Final = ("@timestamp", "log.level", "message")


@cache
def schema_text() -> str:
    """The schema file as shipped, byte for byte."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def schema() -> Mapping[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def fields() -> Mapping[str, Mapping[str, Any]]:
    """Every named field with its JSON Schema definition."""
    props: Mapping[str, Mapping[str, Any]] = schema()["properties"]
    return props


@cache
def field_patterns() -> tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...]:
    """Families of fields (``labels.*``, ``http.request.header.*``) as compiled patterns."""
    patterns: Mapping[str, Mapping[str, Any]] = schema()["patternProperties"]
    return tuple((re.compile(p), d) for p, d in patterns.items())


def is_schema_field(name: str) -> bool:
    return name in fields() or any(p.match(name) for p, _ in field_patterns())


def required_fields() -> tuple[str, ...]:
    return tuple(schema()["required"])


class SchemaError(ValueError):
    """A record does not conform to the schema; the message says where and why."""


@cache
def _compiled() -> Callable[[Any], Any]:
    validate: Callable[[Any], Any] = fastjsonschema.compile(dict(schema()))
    return validate


def validate(record: Any) -> None:
    """Raise :class:`SchemaError` when *record* is not a valid record."""
    try:
        _compiled()(record)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise SchemaError(_describe(exc, record)) from None


def problem(record: Any) -> str | None:
    """The reason *record* is invalid, or ``None`` when it is valid."""
    try:
        validate(record)
    except SchemaError as exc:
        return str(exc)
    return None


def _describe(exc: fastjsonschema.JsonSchemaValueException, record: Any) -> str:
    if exc.rule == "additionalProperties" and isinstance(record, Mapping):
        unknown = sorted(k for k in record if not is_schema_field(k))
        return f"unknown field(s) not in schema v{SCHEMA_VERSION}: {', '.join(unknown)}"
    path = exc.path[1:] if isinstance(exc.path, list) else []
    where = f"field {'.'.join(str(p) for p in path)!r}: " if path else ""
    return f"{where}{exc.message.removeprefix('data.').removeprefix('data ')}"
