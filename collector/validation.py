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

_TYPE_TESTS: dict[str, str] = {
    "string": "type(v) is str",
    "integer": "(type(v) is int or (type(v) is float and v.is_integer()))",
    "number": "(type(v) is int or type(v) is float)",
    "boolean": "type(v) is bool",
    "null": "v is None",
    "object": "isinstance(v, dict)",
    "array": "isinstance(v, list)",
}
_KNOWN_KEYWORDS = frozenset({"type", "enum", "const", "pattern", "minLength", "maxLength",
                             "minimum", "maximum", "description"})


def compile_definition(definition: Mapping[str, Any]) -> Check | None:
    """One key's definition as one compiled expression; ``None`` when only "is a string" is
    asked (the commonest case, tested inline by the caller)."""
    unknown = set(definition) - _KNOWN_KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) the collector cannot check: {sorted(unknown)}")
    kinds = definition.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    if kinds == ["string"] and set(definition) <= {"type", "description"}:
        return None
    names: dict[str, Any] = {"json_equal": _json_equal}
    terms: list[str] = []
    if kinds is not None:
        terms.append("(" + " or ".join(_TYPE_TESTS[k] for k in kinds) + ")")
    string = "type(v) is str"
    number = _TYPE_TESTS["number"]
    if "enum" in definition:
        allowed = list(definition["enum"])
        if all(type(a) is str for a in allowed):
            names["allowed"] = frozenset(allowed)
            terms.append(f"({string} and v in allowed)")
        else:
            names["allowed_list"] = allowed
            terms.append("any(json_equal(v, a) for a in allowed_list)")
    if "const" in definition:
        names["constant"] = definition["const"]
        plain = type(definition["const"]) in (str, int) and type(definition["const"]) is not bool
        terms.append("v == constant" if plain and kinds else "json_equal(v, constant)")
    if "pattern" in definition:
        names["search"] = re.compile(definition["pattern"]).search
        terms.append(f"(not {string} or search(v) is not None)")
    if "minLength" in definition:
        terms.append(f"(not {string} or len(v) >= {int(definition['minLength'])})")
    if "maxLength" in definition:
        terms.append(f"(not {string} or len(v) <= {int(definition['maxLength'])})")
    if "minimum" in definition:
        names["low"] = definition["minimum"]
        terms.append(f"(not {number} or v >= low)")
    if "maximum" in definition:
        names["high"] = definition["maximum"]
        terms.append(f"(not {number} or v <= high)")
    source = "lambda v: " + (" and ".join(terms) or "True")
    check: Check = eval(source, names)  # noqa: S307 - built from the schema's keywords only
    return check


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
