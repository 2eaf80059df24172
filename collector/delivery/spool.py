"""The disk buffer: records waiting for a sink that is down.

One FIFO per sink (a lane) in the state file. Records enter it only while their sink is
unavailable, so the fast path never touches it. Its size is tracked so the collector can
stop reading once a bound is reached (backpressure) instead of filling the disk.

A sink that cannot deduplicate by record id (GELF) takes every record through its FIFO,
so that each record reaches it once: the records and how far the lane has taken each
stream (its marks) are written in one transaction, a re-read after a restart skips what
the lane took, and a record is flagged while it is being sent, so one that was on the wire
when the collector died is known to be in doubt rather than sent again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from collector.delivery.state import write_transaction
from collector.transforms.record import CollectedRecord


class Spool:
    def __init__(self, connection: sqlite3.Connection, lane: str, pipeline: str = "") -> None:
        self._db = connection
        self.lane = lane
        self.pipeline = pipeline
        # records left by an earlier run are sent first and belong to no batch of this one
        self._db.execute("UPDATE spool SET batch = 0 WHERE lane = ?", (lane,))
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(length(doc)), 0) FROM spool WHERE lane = ?", (lane,)
        ).fetchone()
        self.count: int = row[0]
        self.bytes: int = row[1]

    def __len__(self) -> int:
        return self.count

    def append(
        self, batch: int, records: Sequence[CollectedRecord], taken: Mapping[str, int] | None = None
    ) -> None:
        """Records at the end of the FIFO; *taken*: stream digest -> offset the lane has now
        taken every record before (marks, for the lanes that keep them)."""
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
            if taken:
                db.executemany(
                    "INSERT INTO lane_marks (pipeline, lane, stream, offset) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (pipeline, lane, stream) DO UPDATE"
                    " SET offset = max(offset, excluded.offset)",
                    [(self.pipeline, self.lane, s, o) for s, o in taken.items()],
                )
        self.count += len(rows)
        self.bytes += size

    def marks(self) -> dict[str, int]:
        """Stream digest -> offset before which this lane has taken every record."""
        rows = self._db.execute(
            "SELECT stream, offset FROM lane_marks WHERE pipeline = ? AND lane = ?",
            (self.pipeline, self.lane),
        ).fetchall()
        return {str(stream): int(offset) for stream, offset in rows}

    def sending(self, through_seq: int) -> None:
        """The oldest records up to *through_seq* are about to be sent."""
        self._db.execute(
            "UPDATE spool SET sending = 1 WHERE lane = ? AND seq <= ?", (self.lane, through_seq)
        )

    def not_sent(self) -> None:
        """The sink could not take them: nothing of them is in doubt."""
        self._db.execute("UPDATE spool SET sending = 0 WHERE lane = ? AND sending", (self.lane,))

    def in_doubt(self) -> list[CollectedRecord]:
        """Records that were being sent when an earlier run ended without an answer."""
        rows = self._db.execute(
            "SELECT seq, record_id, source, offset, unstructured, raw, doc FROM spool"
            " WHERE lane = ? AND sending ORDER BY seq",
            (self.lane,),
        ).fetchall()
        return [_record(row) for row in rows]

    def drop_in_doubt(self) -> None:
        size = self._db.execute(
            "SELECT count(*), coalesce(sum(length(doc)), 0) FROM spool WHERE lane = ? AND sending",
            (self.lane,),
        ).fetchone()
        self._db.execute("DELETE FROM spool WHERE lane = ? AND sending", (self.lane,))
        self.count = max(0, self.count - size[0])
        self.bytes = max(0, self.bytes - size[1])

    def peek(self, limit: int) -> tuple[list[CollectedRecord], int, int]:
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


def _record(row: tuple[Any, ...]) -> CollectedRecord:
    _, rid, source, offset, unstructured, raw, doc = row
    return CollectedRecord(rid, orjson.loads(doc), source, offset, bool(unstructured), raw)
