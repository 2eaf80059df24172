"""Retention of the SQLite store: drop the oldest records past an age or a size."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from collector.delivery.state import write_transaction

DELETE_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    max_age_seconds: float | None = None
    max_bytes: int | None = None
    every_seconds: float = 60.0  # how often the policy is applied while writing

    @property
    def active(self) -> bool:
        return self.max_age_seconds is not None or self.max_bytes is not None


def used_bytes(db: sqlite3.Connection) -> int:
    """Bytes held by live pages (free pages will be reused, so they do not count)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def apply_retention(
    db: sqlite3.Connection, policy: RetentionPolicy, now_ns: int | None = None
) -> int:
    """Delete what the policy no longer keeps; returns the number of records deleted."""
    deleted = 0
    if policy.max_age_seconds is not None:
        cutoff = (now_ns or time.time_ns()) - int(policy.max_age_seconds * 1e9)
        while True:
            count = _delete(
                db,
                "SELECT rowid FROM records WHERE ts_ns < ? ORDER BY ts_ns LIMIT ?",
                (cutoff, DELETE_CHUNK),
            )
            deleted += count
            if count < DELETE_CHUNK:
                break
    if policy.max_bytes is not None:
        while used_bytes(db) > policy.max_bytes:
            total = db.execute("SELECT count(*) FROM records").fetchone()[0]
            if not total:
                break
            chunk = max(1, min(DELETE_CHUNK, total // 20))  # 5 % at a time, oldest first
            deleted += _delete(db, "SELECT rowid FROM records ORDER BY ts_ns LIMIT ?", (chunk,))
    return deleted


def _delete(db: sqlite3.Connection, select: str, params: tuple[int, ...]) -> int:
    with write_transaction(db):
        cursor = db.execute(f"DELETE FROM records WHERE rowid IN ({select})", params)  # noqa: S608
    return int(cursor.rowcount)
