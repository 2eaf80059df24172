"""A validator specialised from the record schema, for the collector's hot path.

The schema is flat: every key has a small definition (type, pattern, enum, bounds). Lines of
one service come in a handful of shapes (the same keys in the same order), so the validator
compiles one check per shape once the shape recurs: which keys are known and which are
required is settled then, and a line of a known shape costs one dict lookup and one call that
tests each value's type and constraints inline. A shape that cannot be valid (unknown key,
missing required key) is remembered as failing. Rare shapes, and every shape past a bound on
their number (label keys vary), are checked key by key.

It must agree with the reference validator (``sdk.schema``) on every document, so both
work from ``sdk.schema.reference_schema()`` (the file's schema with ECMA 262's ASCII ``\\d``
and the real-moment test of ``event.start`` and ``event.end``); when a document fails, the
reference validator words the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Final

from sdk import schema
from sdk.schema import moment_test

Check = Callable[[Any], bool]
#: a compiled shape: takes the document's values in key order
ShapeCheck = Callable[..., bool]

#: shapes remembered at most (further ones are checked key by key); one takes a few KiB
MAX_SHAPES: Final = 1024
#: a shape is compiled (a fraction of a millisecond) once seen this often; until then, and
#: for shapes that never recur (per-request label keys), it is checked key by key
COMPILE_AFTER: Final = 4
#: documents with more keys are checked key by key (their compiled check would be large)
MAX_SHAPE_KEYS: Final = 200
#: pattern-matched key names (``labels.*``) whose check is remembered, at most
MAX_FAMILY_KEYS: Final = 10_000

#: each a template of a test of the value named ``{v}``
_TYPE_TESTS: dict[str, str] = {
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "(type({v}) is int or type({v}) is float)",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
}
_KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "description",
    }
)


def _is_plain_string(definition: Mapping[str, Any]) -> bool:
    kinds = definition.get("type")
    return kinds in ("string", ["string"]) and set(definition) <= {"type", "description"}


def definition_test(
    definition: Mapping[str, Any], var: str, names: dict[str, Any], tag: str = ""
) -> str:
    """One key's definition as a Python expression testing variable *var*; the constants it
    needs are added to *names* (suffixed with *tag*, so several keys can share *names*)."""
    unknown = set(definition) - _KNOWN_KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) the collector cannot check: {sorted(unknown)}")
    kinds = definition.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    names["json_equal"] = _json_equal
    terms: list[str] = []
    if kinds is not None:
        terms.append("(" + " or ".join(_TYPE_TESTS[k] for k in kinds) + ")")
    string = _TYPE_TESTS["string"]
    number = _TYPE_TESTS["number"]
    # a bound applies only to values of its kind; the guard is left out when the type term
    # (tested first) already settles the kind
    only_strings = kinds == ["string"]
    only_numbers = kinds is not None and set(kinds) <= {"integer", "number"}

    def of_strings(test: str) -> str:
        return test if only_strings else f"(not {string} or {test})"

    def of_numbers(test: str) -> str:
        return test if only_numbers else f"(not {number} or {test})"

    if "enum" in definition:
        allowed = list(definition["enum"])
        if all(type(a) is str for a in allowed):
            names[f"allowed{tag}"] = frozenset(allowed)
            terms.append(
                f"{{v}} in allowed{tag}"
                if only_strings
                else f"({string} and {{v}} in allowed{tag})"
            )
        else:
            names[f"allowed_list{tag}"] = allowed
            terms.append(f"any(json_equal({{v}}, a) for a in allowed_list{tag})")
    if "const" in definition:
        names[f"constant{tag}"] = definition["const"]
        plain = type(definition["const"]) in (str, int) and type(definition["const"]) is not bool
        terms.append(
            f"{{v}} == constant{tag}" if plain and kinds else f"json_equal({{v}}, constant{tag})"
        )
    if "pattern" in definition:
        names[f"search{tag}"] = schema.schema_pattern(definition["pattern"]).search
        terms.append(of_strings(f"search{tag}({{v}}) is not None"))
    if "format" in definition:  # after the pattern: a format test sees the pattern's strings
        names[f"format{tag}"] = format_test(definition)
        terms.append(of_strings(f"format{tag}({{v}})"))
    if "minLength" in definition:
        terms.append(of_strings(f"len({{v}}) >= {int(definition['minLength'])}"))
    if "maxLength" in definition:
        terms.append(of_strings(f"len({{v}}) <= {int(definition['maxLength'])}"))
    if "minimum" in definition:
        names[f"low{tag}"] = definition["minimum"]
        terms.append(of_numbers(f"{{v}} >= low{tag}"))
    if "maximum" in definition:
        names[f"high{tag}"] = definition["maximum"]
        terms.append(of_numbers(f"{{v}} <= high{tag}"))
    return ("(" + (" and ".join(terms) or "True") + ")").replace("{v}", var)


def format_test(definition: Mapping[str, Any]) -> Check:
    """The test of a definition's ``format``, for strings that passed its ``pattern``."""
    name = definition["format"]
    test = schema.formats().get(name)
    if test is None:
        raise ValueError(f"schema format the collector cannot check: {name}")
    if name == schema.MOMENT_FORMAT and _is_timestamp_pattern(definition.get("pattern")):
        return _shared_moment_test()  # the same answers once the pattern holds, cheaper
    return test


#: one memo of the real seconds seen (facts of the calendar) for every compiled check: each
#: shape and field with a memo of its own would miss it again for each new second, and hold
#: up to :data:`sdk.schema._timestamps.MAX_KNOWN_SECONDS` of them, per shape
_shared_moment_test = cache(moment_test)


def _is_timestamp_pattern(pattern: Any) -> bool:
    timestamp: str = schema.fields()["@timestamp"]["pattern"]
    return isinstance(pattern, str) and pattern.removeprefix(schema.ECMA_CLASSES) == timestamp


def compile_definition(definition: Mapping[str, Any]) -> Check | None:
    """One key's definition as one compiled test; ``None`` when only "is a string" is asked
    (the commonest case, tested inline by the caller)."""
    if _is_plain_string(definition):
        return None
    return _compile_test([definition])


def _compile_test(definitions: list[Mapping[str, Any]]) -> Check:
    names: dict[str, Any] = {}
    expression = (
        " and ".join(definition_test(d, "v", names, str(n)) for n, d in enumerate(definitions))
        or "True"
    )
    check: Check = eval("lambda v: " + expression, names)  # noqa: S307 - from the schema only
    return check


def _json_equal(value: Any, expected: Any) -> bool:
    # JSON Schema equality: true is not 1, 1.0 is 1
    if type(value) is bool or type(expected) is bool:
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


class RecordValidator:
    """``problem(doc)`` is ``None`` for a valid record, else the reason."""

    def __init__(
        self,
        definitions: Mapping[str, Mapping[str, Any]],
        required: tuple[str, ...],
        patterns: tuple[tuple[re.Pattern[str], Mapping[str, Any]], ...],
        explain: Callable[[Any], str | None],
        *,
        max_shapes: int = MAX_SHAPES,
        compile_after: int = COMPILE_AFTER,
    ) -> None:
        self._definitions = definitions
        self._required = required
        self._required_set = frozenset(required)
        self._patterns = patterns
        self._explain = explain
        # key by key, for documents past the shape bound: a named key that every pattern
        # misses and that asks only for a string is tested inline
        self._plain_strings = frozenset(
            k
            for k, d in definitions.items()
            if _is_plain_string(d) and not any(p.search(k) for p, _ in patterns)
        )
        self._checks: dict[str, Check] = {
            key: _compile_test(self._key_definitions(key))
            for key in definitions
            if key not in self._plain_strings
        }
        self._family_checks: dict[str, Check] = {}  # by key name
        self._pattern_checks: dict[tuple[int, ...], Check] = {}  # by the patterns matched
        for _, family in patterns:
            compile_definition(family)  # refuses keywords it cannot check, at once
        self._shapes: dict[tuple[Any, ...], ShapeCheck] = {}
        self._sightings: dict[tuple[Any, ...], int] = {}  # shapes not compiled yet
        self._max_shapes = max_shapes
        self._compile_after = compile_after

    def is_valid(self, doc: dict[str, Any]) -> bool:
        keys = tuple(doc)
        check = self._shapes.get(keys)
        if check is None:
            check = self._compile_shape(keys)
            if check is None:
                return self._is_valid_key_by_key(doc)
        return check(*doc.values())

    @property
    def known_shapes(self) -> int:
        """Shapes with a remembered check (at most ``max_shapes``)."""
        return len(self._shapes)

    def problem(self, doc: Any) -> str | None:
        if isinstance(doc, dict) and self.is_valid(doc):
            return None
        # both validators must agree; if they do not, the reference one has the last word
        return self._explain(doc)

    def _key_definitions(self, key: Any) -> list[Mapping[str, Any]]:
        """Every definition a key must satisfy: its own and those of the patterns it matches
        (all of them, as JSON Schema asks); none for a key the schema does not allow."""
        if not isinstance(key, str):
            return []
        found = [self._definitions[key]] if key in self._definitions else []
        found += [family for pattern, family in self._patterns if pattern.search(key)]
        return found

    def _compile_shape(self, keys: tuple[Any, ...]) -> ShapeCheck | None:
        """The check of one shape, remembered; ``None`` while it is rare, or past the bounds."""
        if len(keys) > MAX_SHAPE_KEYS or len(self._shapes) >= self._max_shapes:
            return None
        seen = self._sightings.get(keys, 0) + 1
        if seen < self._compile_after:
            if len(self._sightings) >= self._max_shapes:
                self._sightings.clear()  # rare shapes: forget them rather than grow
            self._sightings[keys] = seen
            return None
        self._sightings.pop(keys, None)
        check: ShapeCheck = _fails
        if self._required_set.issubset(keys):
            names: dict[str, Any] = {}
            terms: list[str] = []
            for n, key in enumerate(keys):
                definitions = self._key_definitions(key)
                if not definitions:
                    break  # additionalProperties is false
                terms += [
                    definition_test(d, f"v{n}", names, f"_{n}_{m}")
                    for m, d in enumerate(definitions)
                ]
            else:
                params = ", ".join(f"v{n}" for n in range(len(keys)))
                source = f"lambda {params}: " + (" and ".join(terms) or "True")
                check = eval(source, names)  # noqa: S307 - built from the schema's keywords only
        self._shapes[keys] = check
        return check

    def _is_valid_key_by_key(self, doc: dict[str, Any]) -> bool:
        for key in self._required:
            if key not in doc:
                return False
        plain, checks = self._plain_strings, self._checks
        for key, value in doc.items():
            if key in plain:
                if type(value) is not str:
                    return False
                continue
            check = checks.get(key) or self._family_check(key)
            if not check(value):
                return False
        return True

    def _family_check(self, key: Any) -> Check:
        check = self._family_checks.get(key)
        if check is None:
            matched = tuple(
                n
                for n, (pattern, _) in enumerate(self._patterns)
                if isinstance(key, str) and pattern.search(key)
            )
            check = self._pattern_checks.get(matched)
            if check is None:  # one compiled test per set of patterns, not per key
                definitions = [self._patterns[n][1] for n in matched]
                check = _compile_test(definitions) if definitions else _no_such_field
                self._pattern_checks[matched] = check
            if len(self._family_checks) < MAX_FAMILY_KEYS:
                self._family_checks[key] = check
        return check


def _fails(*values: Any) -> bool:
    return False  # a shape that no values can make valid


def _no_such_field(value: Any) -> bool:
    return False  # additionalProperties is false


@cache
def record_validator() -> RecordValidator:
    """The validator for the shipped schema, compiled once."""
    if schema.schema().get("additionalProperties", True) is not False:
        raise ValueError("the collector expects a closed schema (additionalProperties: false)")
    return RecordValidator(
        schema.reference_fields(),
        schema.required_fields(),
        schema.reference_field_patterns(),
        schema.problem,
    )
