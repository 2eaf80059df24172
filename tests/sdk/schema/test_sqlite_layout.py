"""The SQLite store's columns are schema fields, of the schema's types, in the DDL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sdk import schema
from sdk.schema.sqlite_layout import COLUMNS, DDL

#: JSON Schema type -> the SQLite column type that holds it
SQLITE_TYPE = {"string": "TEXT", "integer": "INTEGER"}


def _records_columns(tmp_path: Path) -> dict[str, str]:
    db = sqlite3.connect(tmp_path / "layout.db")
    try:
        db.executescript(DDL)
        return {row[1]: row[2] for row in db.execute("PRAGMA table_info(records)")}
    finally:
        db.close()


def test_every_column_is_a_schema_field() -> None:
    assert [field for field in COLUMNS if field not in schema.fields()] == []


def test_every_column_is_in_the_ddl_with_the_schema_type(tmp_path: Path) -> None:
    table = _records_columns(tmp_path)
    wrong = {}
    for field, column in COLUMNS.items():
        kind = schema.fields()[field].get("type")
        want = SQLITE_TYPE.get(kind if isinstance(kind, str) else "string")
        if table.get(column) != want:
            wrong[field] = (column, table.get(column), want)
    assert wrong == {}


def test_the_ddl_has_no_field_column_the_layout_does_not_name(tmp_path: Path) -> None:
    # the store's own columns: identity, time, kind of line, where it came from, the document,
    # the fields whose values it could not index
    own = {"rowid", "id", "ts_ns", "unstructured", "source", "offset", "doc", "raw", "unindexed"}
    assert set(_records_columns(tmp_path)) - own == set(COLUMNS.values())
