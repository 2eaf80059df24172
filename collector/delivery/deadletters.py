"""Dead letters: records a sink refused for good, kept with the sink and its reason.

They live in the state file whatever the sink, and can be listed and replayed (after the
cause is fixed) with ``hopscope deadletters``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from collector.delivery.state import write_transaction
from collector.transforms.record import CollectedRecord
from sdk.schema import names


@dataclass(slots=True)
class DeadLetter:
    record: CollectedRecord
    sink: str
    reason: str
    created_ns: int
    replayed_ns: int | None


class DeadLetters:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def add(self, sink: str, rejected: Sequence[tuple[CollectedRecord, str]]) -> None:
        if not rejected:
            return
        now = time.time_ns()
        rows = [
            (r.id, sink, reason, orjson.dumps(r.doc).decode(), now, r.raw) for r, reason in rejected
        ]
        with write_transaction(self._db) as db:
            # a record refused again (a replay that failed) keeps one row, with the new reason
            db.executemany(
                "INSERT INTO dead_letters (record_id, sink, reason, doc, created_ns, raw)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, sink) DO UPDATE SET"
                " reason = excluded.reason, doc = excluded.doc, replayed_ns = NULL",
                rows,
            )

    def list(
        self, sink: str | None = None, *, include_replayed: bool = False, limit: int | None = None
    ) -> list[DeadLetter]:
        where, params = ["1 = 1"], []
        if sink is not None:
            where.append("sink = ?")
            params.append(sink)
        if not include_replayed:
            where.append("replayed_ns IS NULL")
        columns = "record_id, sink, reason, doc, created_ns, replayed_ns, raw"
        sql = f"SELECT {columns} FROM dead_letters WHERE {' AND '.join(where)} ORDER BY rowid"  # noqa: S608
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        letters = []
        for rid, sink_name, reason, doc, created, replayed, raw in self._db.execute(sql, params):
            parsed = orjson.loads(doc)
            record = CollectedRecord(
                rid,
                parsed,
                str(parsed.get(names.HOPSCOPE_SOURCE_NAME, "")),
                int(parsed.get(names.HOPSCOPE_SOURCE_OFFSET, 0)),
                names.HOPSCOPE_UNSTRUCTURED_REASON in parsed,
                raw,
            )
            letters.append(DeadLetter(record, sink_name, reason, created, replayed))
        return letters

    def count(self, sink: str | None = None) -> int:
        if sink is None:
            row = self._db.execute("SELECT count(*) FROM dead_letters WHERE replayed_ns IS NULL")
        else:
            row = self._db.execute(
                "SELECT count(*) FROM dead_letters WHERE replayed_ns IS NULL AND sink = ?", (sink,)
            )
        return int(row.fetchone()[0])

    def mark_replayed(self, sink: str, record_ids: Sequence[str]) -> None:
        now = time.time_ns()
        self._db.executemany(
            "UPDATE dead_letters SET replayed_ns = ? WHERE sink = ? AND record_id = ?",
            [(now, sink, rid) for rid in record_ids],
        )
