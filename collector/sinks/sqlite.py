"""The embedded default sink: one SQLite file, laid out for the dashboard's questions.

WAL mode lets the dashboard read while the collector writes; inserts are idempotent (the
record id is unique, a second copy is ignored); each batch is one transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import orjson

from collector.delivery.retention import RetentionPolicy, apply_retention
from collector.delivery.state import connect, ensure_layout, write_transaction
from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.timestamps import timestamp_parser
from collector.transforms.record import CollectedRecord
from sdk.log import hide_url
from sdk.schema.sqlite_layout import (
    COLUMNS,
    FTS_INDEX_NEW_ROWS,
    FTS_INSERT_TRIGGER,
    UNINDEXED_SEP,
)

SCHEME: Final = "sqlite://"
CACHE_KIB: Final = 131_072
MMAP_BYTES: Final = 256 * 1024 * 1024
WAL_CHECKPOINT_PAGES: Final = 10_000

_FIELDS: Final = tuple(COLUMNS)
_DROP_TRIGGER: Final = f"DROP TRIGGER IF EXISTS {FTS_INSERT_TRIGGER}"
_INSERTED: Final = (
    "id",
    "ts_ns",
    *COLUMNS.values(),
    "unstructured",
    "source",
    "offset",
    "doc",
    "raw",
)


def _insert_sql(columns: Sequence[str]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT OR IGNORE INTO records ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - the layout's names


_INSERT: Final = _insert_sql(_INSERTED)
#: the rare record with a value past 64 bits: the same, and the fields clamped
_INSERT_UNINDEXED: Final = _insert_sql((*_INSERTED, "unindexed"))


_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_FIELD_OF: Final = {"ts_ns": "@timestamp", **{c: f for f, c in COLUMNS.items()}}


def _fitted(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[str], str | None]:
    """*row* with every integer past 64 bits clamped to the nearest 64-bit value, the fields
    so clamped, and why the row cannot be stored at all (a value of a type SQLite lacks)."""
    values = list(row)
    clamped: list[str] = []
    for i, (name, value) in enumerate(zip(_INSERTED, row, strict=True)):
        if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
            values[i] = max(_INT64_MIN, min(_INT64_MAX, value))
            clamped.append(_FIELD_OF.get(name, name))
        elif value is not None and not isinstance(value, str | int | float | bytes):
            return row, clamped, f"{name}: SQLite cannot store a {type(value).__name__}"
    return tuple(values), clamped, None


class SinkConfigError(ValueError):
    """A sink URL or its target cannot be used; the message is meant for people."""


def path_from_url(url: str) -> Path:
    if not url.startswith(SCHEME):
        raise SinkConfigError(
            f"not a SQLite URL: {hide_url(url)!r} (expected sqlite:///path/to/file.db)"
        )
    rest = url[len(SCHEME) :].partition("?")[0]
    if not rest.startswith("/") or rest == "/":
        raise SinkConfigError(
            f"bad SQLite URL {hide_url(url)!r}: expected sqlite:///relative/file.db or"
            " sqlite:////absolute/file.db"
        )
    return Path(rest[1:])


class SqliteSink(Sink):
    def __init__(
        self,
        path: str | Path,
        retention: RetentionPolicy | None = None,
        busy_timeout_seconds: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.name = f"sqlite:///{self.path}"
        self.retention = retention or RetentionPolicy()
        self._last_retention = 0.0
        self._timestamps = timestamp_parser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(self.path)
            # the id and trace indexes take random keys: the more of them in memory, the fewer
            # page reads per insert once the store outgrows the cache
            self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
            # past this wait for another writer, the sink reports itself unavailable
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
            ensure_layout(self._db)
        except OSError as exc:
            raise SinkConfigError(f"cannot create {self.path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise SinkConfigError(f"cannot open SQLite store {self.path}: {exc}") from None

    @classmethod
    def from_url(cls, url: str) -> SqliteSink:
        """``sqlite:///file.db``; ``?busy_timeout=SECONDS`` sets how long a write waits for
        another writer before the sink counts as unavailable (default 5)."""
        options = parse_qs(urlsplit(url).query)
        unknown = set(options) - {"busy_timeout"}
        if unknown:
            raise SinkConfigError(
                f"unknown option(s) in {hide_url(url)!r}: {', '.join(sorted(unknown))}"
            )
        try:
            busy = float(options.get("busy_timeout", ["5"])[-1])
        except ValueError:
            raise SinkConfigError(
                f"busy_timeout in {hide_url(url)!r} is not a number of seconds"
            ) from None
        return cls(path_from_url(url), busy_timeout_seconds=busy)

    def write(self, records: Sequence[CollectedRecord]) -> WriteResult:
        rows, rejected = self._rows(records)
        try:
            self._insert(rows)
        except (OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError):
            # a value SQLite cannot hold (an integer past 64 bits): store its record all the
            # same, the column clamped and the field named in ``unindexed``, the doc whole
            by_id = {r.id: r for r in records}
            storable, unindexed = [], []
            for row in rows:
                fitted, clamped, problem = _fitted(row)
                if problem is not None:
                    rejected.append((by_id[row[0]], problem))
                elif clamped:
                    unindexed.append((*fitted, UNINDEXED_SEP.join(clamped)))
                else:
                    storable.append(row)
            self._insert(storable, unindexed)
            rows = storable + unindexed
        self._maybe_apply_retention()
        return WriteResult(stored=len(rows), rejected=rejected)

    def _insert(
        self, rows: list[tuple[Any, ...]], unindexed: Sequence[tuple[Any, ...]] = ()
    ) -> None:
        db = self._db
        try:
            with write_transaction(db):
                # a writer that ran the plain layout may have put the per-row trigger back
                db.execute(_DROP_TRIGGER)
                before = db.execute("SELECT coalesce(max(rowid), 0) FROM records").fetchone()[0]
                db.executemany(_INSERT, rows)
                if unindexed:
                    db.executemany(_INSERT_UNINDEXED, unindexed)
                db.execute(FTS_INDEX_NEW_ROWS, (before,))
        except sqlite3.OperationalError as exc:
            # locked by another writer past the busy timeout, disk full, read-only: retry later
            raise SinkUnavailable(f"{self.name}: {exc}") from exc

    def _rows(
        self, records: Sequence[CollectedRecord]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[CollectedRecord, str]]]:
        rows: list[tuple[Any, ...]] = []
        rejected: list[tuple[CollectedRecord, str]] = []
        timestamp_ns = self._timestamps
        dumps = orjson.dumps
        fields = _FIELDS
        for record in records:
            doc = record.doc
            try:
                ts_ns = timestamp_ns(doc["@timestamp"])
                text = dumps(doc).decode()
            except (ValueError, KeyError, TypeError) as exc:  # orjson's errors are TypeErrors
                rejected.append((record, str(exc)))
                continue
            rows.append(
                (
                    record.id,
                    ts_ns,
                    *map(doc.get, fields),
                    record.unstructured,
                    record.source,
                    record.offset,
                    text,
                    record.raw,
                )
            )
        return rows, rejected

    def _maybe_apply_retention(self) -> None:
        if not self.retention.active:
            return
        now = time.monotonic()
        if now - self._last_retention < self.retention.every_seconds:
            return
        self._last_retention = now
        try:
            apply_retention(self._db, self.retention)
        except sqlite3.OperationalError:
            self._last_retention = 0.0  # busy: try again at the next write

    def close(self) -> None:
        self._db.close()
