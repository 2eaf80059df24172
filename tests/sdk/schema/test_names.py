"""``sdk.schema.names`` and the schema file name the same fields, one constant each."""

from __future__ import annotations

from sdk import schema
from sdk.schema import names


def constant_name(field: str) -> str:
    return field.lstrip("@").replace(".", "_").upper()


def test_every_schema_field_has_its_constant() -> None:
    expected = {constant_name(field): field for field in schema.fields()}
    offered = {name: getattr(names, name) for name in names.__all__ if not name.endswith("_PREFIX")}
    assert offered == expected


def test_the_prefixes_open_the_schema_families() -> None:
    for prefix in (names.LABELS_PREFIX, names.HTTP_REQUEST_HEADER_PREFIX):
        assert schema.is_schema_field(prefix + "x")
        assert not schema.is_schema_field(prefix.rstrip("."))
