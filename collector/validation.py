"""A validator specialised from the record schema, for the collector's hot path.

The schema is flat: every key has a small definition (type, pattern, enum, bounds). Those
definitions are turned once into one check per key, so validating a line costs a dict lookup
and a cheap test per key. It must agree with the reference validator (``sdk.schema``) on
every document; when a document fails, the reference validator words the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from sdk import schema

Check = Callable[[Any], bool]


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return (kind is int) or (kind is float and value.is_integer())


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


_TYPE_CHECKS: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def compile_definition(definition: Mapping[str, Any]) -> Check | None:
    """One key's definition as a check; ``None`` when only "is a string" is asked (the
    commonest case, tested inline by the caller)."""
    checks: list[Check] = []
    kinds = definition.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    plain_string = kinds == ["string"]
    if kinds is not None:
        tests = [_TYPE_CHECKS[k] for k in kinds]
        checks.append(tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests)))
    if "enum" in definition:
        allowed = list(definition["enum"])
        checks.append(lambda v: any(_json_equal(v, a) for a in allowed))
        plain_string = False
    if "const" in definition:
        constant = definition["const"]
        checks.append(lambda v: _json_equal(v, constant))
        plain_string = False
    if "pattern" in definition:
        search = re.compile(definition["pattern"]).search
        checks.append(lambda v: type(v) is not str or search(v) is not None)
        plain_string = False
    if "minLength" in definition:
        least = int(definition["minLength"])
        checks.append(lambda v: type(v) is not str or len(v) >= least)
        plain_string = False
    if "maxLength" in definition:
        most = int(definition["maxLength"])
        checks.append(lambda v: type(v) is not str or len(v) <= most)
        plain_string = False
    if "minimum" in definition:
        low = definition["minimum"]
        checks.append(lambda v: not _is_number(v) or v >= low)
        plain_string = False
    if "maximum" in definition:
        high = definition["maximum"]
        checks.append(lambda v: not _is_number(v) or v <= high)
        plain_string = False
    unknown = set(definition) - {"type", "enum", "const", "pattern", "minLength", "maxLength",
                                 "minimum", "maximum", "description"}
    if unknown:
        raise ValueError(f"schema keyword(s) the collector cannot check: {sorted(unknown)}")
    if plain_string:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def _json_equal(value: Any, expected: Any) -> bool:
    # JSON Schema equality: true is not 1, 1.0 is 1
    if type(value) is bool or type(expected) is bool:
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


class RecordValidator:
    """``problem(doc)`` is ``None`` for a valid record, else the reason."""

    def __init__(self, definitions: Mapping[str, Mapping[str, Any]], required: tuple[str, ...],
                 patterns: tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...],
                 explain: Callable[[Any], str | None]) -> None:
        self._plain_strings = frozenset(k for k, d in definitions.items()
                                        if compile_definition(d) is None)
        self._checks: dict[str, Check] = {}
        for key, definition in definitions.items():
            check = compile_definition(definition)
            if check is not None:
                self._checks[key] = check
        self._required = required
        self._patterns = tuple((p, compile_definition(d)) for p, d in patterns)
        self._pattern_cache: dict[str, Check] = {}
        self._explain = explain

    def is_valid(self, doc: dict[str, Any]) -> bool:
        for key in self._required:
            if key not in doc:
                return False
        plain, checks = self._plain_strings, self._checks
        for key, value in doc.items():
            if key in plain:
                if type(value) is not str:
                    return False
                continue
            check = checks.get(key)
            if check is None:
                if not self._matches_pattern(key, value):
                    return False
            elif not check(value):
                return False
        return True

    def problem(self, doc: Any) -> str | None:
        if isinstance(doc, dict) and self.is_valid(doc):
            return None
        # both validators must agree; if they do not, the reference one has the last word
        return self._explain(doc)

    def _matches_pattern(self, key: str, value: Any) -> bool:
        check = self._pattern_cache.get(key)
        if check is None:
            check = _no_such_field
            for pattern, definition_check in self._patterns:
                if pattern.search(key):
                    check = definition_check or _plain_string
                    break
            if len(self._pattern_cache) < 10_000:
                self._pattern_cache[key] = check
        return check(value)


def _no_such_field(value: Any) -> bool:
    return False  # additionalProperties is false


def _plain_string(value: Any) -> bool:
    return type(value) is str


@cache
def record_validator() -> RecordValidator:
    """The validator for the shipped schema, compiled once."""
    if schema.schema().get("additionalProperties", True) is not False:
        raise ValueError("the collector expects a closed schema (additionalProperties: false)")
    return RecordValidator(schema.fields(), schema.required_fields(), schema.field_patterns(),
                           schema.problem)
