"""Shared helpers for the collector's tests: schema-valid lines and a look into a store."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

HOPSCOPE = [sys.executable, "-m", "stack.cli"]


def valid_line(n: int, **extra: Any) -> bytes:
    doc: dict[str, Any] = {
        "@timestamp": f"2024-05-01T10:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000000:06d}Z",
        "log.level": "info",
        "message": f"line {n}",
        "service.name": "cart",
        "hopscope.schema_version": "1",
        "labels.n": n,
    }
    doc.update(extra)
    return orjson.dumps(doc)


def stored_rows(db: Path, sql: str = "SELECT id, doc, unstructured FROM records") -> list[Any]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def stored_numbers(db: Path) -> list[int]:
    """``labels.n`` of every structured record, sorted (duplicates would show twice)."""
    numbers = []
    for _, doc, unstructured in stored_rows(db):
        parsed = orjson.loads(doc)
        if not unstructured:
            numbers.append(parsed["labels.n"])
    return sorted(numbers)


class Helpers:
    valid_line = staticmethod(valid_line)
    stored_rows = staticmethod(stored_rows)
    stored_numbers = staticmethod(stored_numbers)
    hopscope = HOPSCOPE


@pytest.fixture
def helpers() -> type[Helpers]:
    return Helpers


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
