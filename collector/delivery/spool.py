"""The disk buffer: records waiting for a sink that is down.

One FIFO per sink (a lane) in the state file. Records enter it only while their sink is
unavailable, so the fast path never touches it. Its size is tracked so the collector can
stop reading once a bound is reached (backpressure) instead of filling the disk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

from collector.delivery.state import write_transaction
from collector.transforms.record import Record


class Spool:
    def __init__(self, connection: sqlite3.Connection, lane: str) -> None:
        self._db = connection
        self.lane = lane
        # records left by an earlier run are sent first and belong to no batch of this one
        self._db.execute("UPDATE spool SET batch = 0 WHERE lane = ?", (lane,))
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(length(doc)), 0) FROM spool WHERE lane = ?", (lane,)
        ).fetchone()
        self.count: int = row[0]
        self.bytes: int = row[1]

    def __len__(self) -> int:
        return self.count

    def append(self, batch: int, records: Sequence[Record]) -> None:
        rows = []
        size = 0
        for record in records:
            doc = orjson.dumps(record.doc).decode()
            size += len(doc)
            rows.append(
                (
                    self.lane,
                    batch,
                    record.id,
                    record.source,
                    record.offset,
                    int(record.unstructured),
                    record.raw,
                    doc,
                )
            )
        with write_transaction(self._db) as db:
            db.executemany(
                "INSERT INTO spool (lane, batch, record_id, source, offset, unstructured, raw,"
                " doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.count += len(rows)
        self.bytes += size

    def peek(self, limit: int) -> tuple[list[Record], int, int]:
        """The oldest records: (records, last seq, their total doc size)."""
        rows = self._db.execute(
            "SELECT seq, record_id, source, offset, unstructured, raw, doc FROM spool"
            " WHERE lane = ? ORDER BY seq LIMIT ?",
            (self.lane, limit),
        ).fetchall()
        records = [_record(row) for row in rows]
        size = sum(len(row[6]) for row in rows)
        return records, (rows[-1][0] if rows else 0), size

    def pop(self, through_seq: int, count: int, size: int) -> None:
        self._db.execute("DELETE FROM spool WHERE lane = ? AND seq <= ?", (self.lane, through_seq))
        self.count = max(0, self.count - count)
        self.bytes = max(0, self.bytes - size)

    def oldest_batch(self) -> int | None:
        row = self._db.execute(
            "SELECT batch FROM spool WHERE lane = ? ORDER BY seq LIMIT 1", (self.lane,)
        ).fetchone()
        return int(row[0]) if row else None


def _record(row: tuple[Any, ...]) -> Record:
    _, rid, source, offset, unstructured, raw, doc = row
    return Record(rid, orjson.loads(doc), source, offset, bool(unstructured), raw)
