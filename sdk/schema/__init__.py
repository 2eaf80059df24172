"""The record schema, the core everything else trusts, and what is derived from it.

The JSON Schema file ships beside this package; validation, the RFC 3339 timestamps of its
time fields and ``hopscope lint`` are here. The layouts derived from the schema are modules
of their own, imported where a store needs them: :mod:`sdk.schema.names` (a constant per
field), :mod:`sdk.schema.sqlite_layout`, :mod:`sdk.schema.index_template`,
:mod:`sdk.schema.gelf_fields`.
"""

from sdk.schema._document import (
    ECMA_CLASSES,
    ECS_VERSION,
    LEADING_FIELDS,
    SCHEMA_FILE,
    SCHEMA_VERSION,
    Record,
    fields,
    schema,
    schema_pattern,
    schema_text,
)
from sdk.schema._lint import LintReport, line_problem, lint_lines
from sdk.schema._timestamps import (
    format_timestamp,
    is_timestamp,
    moment_test,
    parse_timestamp,
    timestamp_formatter,
    timestamp_parser,
)
from sdk.schema._validation import (
    MOMENT_FIELDS,
    MOMENT_FORMAT,
    SchemaError,
    field_patterns,
    field_problem,
    field_validator,
    format_test,
    formats,
    is_schema_field,
    problem,
    problems,
    reference_field_patterns,
    reference_fields,
    reference_schema,
    required_fields,
    validate,
)

__all__ = [
    "ECMA_CLASSES",
    "ECS_VERSION",
    "LEADING_FIELDS",
    "MOMENT_FIELDS",
    "MOMENT_FORMAT",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "LintReport",
    "Record",
    "SchemaError",
    "field_patterns",
    "field_problem",
    "field_validator",
    "fields",
    "format_test",
    "format_timestamp",
    "formats",
    "is_schema_field",
    "is_timestamp",
    "line_problem",
    "lint_lines",
    "moment_test",
    "parse_timestamp",
    "problem",
    "problems",
    "reference_field_patterns",
    "reference_fields",
    "reference_schema",
    "required_fields",
    "schema",
    "schema_pattern",
    "schema_text",
    "timestamp_formatter",
    "timestamp_parser",
    "validate",
]
