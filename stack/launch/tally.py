"""Counting what the demo wrote and what reached the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def stored_records(store: str) -> int | None:
    """Records in the SQLite store, or None when the store is not a readable SQLite file."""
    prefix = "sqlite:///"
    if not store.startswith(prefix):
        return None
    path = Path(store[len(prefix) :])
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT count(*) FROM records").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])
