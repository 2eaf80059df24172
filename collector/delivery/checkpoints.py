"""Checkpoints: for each resumable stream, the offset before which every byte is stored.

A checkpoint belongs to a pipeline (the set of sinks): it moves only once every one of
those sinks acknowledged the records before it, so the same file shipped to another set of
sinks starts from its beginning.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from collector.delivery.state import write_transaction


def pipeline_key(sink_names: Iterable[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(sink_names)).encode(), digest_size=8).hexdigest()


@dataclass(slots=True)
class Checkpoint:
    identity: str
    fingerprint: str
    generation: int
    path: str
    offset: int


class Checkpoints:
    def __init__(self, connection: sqlite3.Connection, pipeline: str) -> None:
        self._db = connection
        self.pipeline = pipeline
        self._known: dict[str, Checkpoint] = {}

    def latest(self, fingerprint: str) -> Checkpoint | None:
        """The newest generation of a stream with this head."""
        row = self._db.execute(
            "SELECT identity, fingerprint, generation, path, offset FROM checkpoints"
            " WHERE pipeline = ? AND fingerprint = ? ORDER BY generation DESC LIMIT 1",
            (self.pipeline, fingerprint),
        ).fetchone()
        return Checkpoint(*row) if row else None

    def register(self, checkpoint: Checkpoint) -> None:
        """Start tracking a stream; an existing checkpoint keeps its (larger) offset."""
        self._known[checkpoint.identity] = checkpoint
        self._db.execute(
            "INSERT INTO checkpoints (pipeline, identity, fingerprint, generation, path, offset,"
            " updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pipeline, identity) DO UPDATE"
            " SET path = excluded.path, offset = max(offset, excluded.offset),"
            " updated_ns = excluded.updated_ns",
            (
                self.pipeline,
                checkpoint.identity,
                checkpoint.fingerprint,
                checkpoint.generation,
                checkpoint.path,
                checkpoint.offset,
                time.time_ns(),
            ),
        )

    def moved(self, identity: str, path: str) -> None:
        known = self._known.get(identity)
        if known is not None and known.path != path:
            known.path = path
            self._db.execute(
                "UPDATE checkpoints SET path = ? WHERE pipeline = ? AND identity = ?",
                (path, self.pipeline, identity),
            )

    def advance(self, marks: Mapping[str, int]) -> None:
        """Acknowledged up to these offsets; streams not registered (pipes) are skipped."""
        now = time.time_ns()
        rows = [
            (offset, now, self.pipeline, identity)
            for identity, offset in marks.items()
            if identity in self._known
        ]
        if not rows:
            return
        with write_transaction(self._db) as db:
            db.executemany(
                "UPDATE checkpoints SET offset = max(offset, ?), updated_ns = ?"
                " WHERE pipeline = ? AND identity = ?",
                rows,
            )
        for identity, offset in marks.items():
            known = self._known.get(identity)
            if known is not None and offset > known.offset:
                known.offset = offset

    def offset(self, identity: str) -> int | None:
        known = self._known.get(identity)
        return known.offset if known else None
