"""The collector's local state: one SQLite file in the state directory.

It holds the checkpoints, the disk buffer of records waiting for a sink, and the dead
letters of every sink. It is also the default store for records, so a one-machine setup has
one file to look after.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TypeVar

from sdk.schema.sqlite_layout import ADDED_COLUMNS, bulk_writer_ddl
from sdk.store import STATE_DIR, STATE_FILE

BUSY_TIMEOUT_MS: Final = 30_000
#: the pause between two tries of a step that found the file locked (jittered)
LOCKED_RETRY_SECONDS: Final = 0.02

T = TypeVar("T")

STATE_DDL: Final = """
CREATE TABLE IF NOT EXISTS checkpoints (
    pipeline TEXT NOT NULL,           -- the set of sinks the offset was acknowledged by
    identity TEXT NOT NULL,           -- the stream: fingerprint of a file's head (+ generation)
    fingerprint TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL,               -- where the stream was last seen
    offset INTEGER NOT NULL,          -- every byte before it is acknowledged
    updated_ns INTEGER NOT NULL,
    PRIMARY KEY (pipeline, identity)
);
CREATE INDEX IF NOT EXISTS checkpoints_fingerprint ON checkpoints (pipeline, fingerprint);
CREATE INDEX IF NOT EXISTS checkpoints_path ON checkpoints (pipeline, path);
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY,
    lane TEXT NOT NULL,               -- the sink the record waits for
    batch INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    source TEXT, offset INTEGER, unstructured INTEGER NOT NULL DEFAULT 0,
    raw BLOB,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spool_lane ON spool (lane, seq);
CREATE TABLE IF NOT EXISTS lane_marks (
    pipeline TEXT NOT NULL,
    lane TEXT NOT NULL,               -- a sink that cannot deduplicate by record id (GELF)
    stream TEXT NOT NULL,             -- digest of the stream's identity, as in record ids
    offset INTEGER NOT NULL,          -- every record before it is taken by the lane
    PRIMARY KEY (pipeline, lane, stream)
);
"""

#: columns added to the state tables after their first release
STATE_ADDED_COLUMNS: Final = {
    # 1 while the record is being sent to a sink that cannot deduplicate: in doubt after a crash
    "spool": {"sending": "INTEGER NOT NULL DEFAULT 0"},
}


class StateError(Exception):
    """The state directory cannot be used; the message says which and why."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, shared-safe."""
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    until_unlocked(lambda: connection.execute("PRAGMA journal_mode = WAL"))
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


@contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on an autocommit connection: the write lock is taken at the
    start (``BEGIN IMMEDIATE``, so a busy database fails before any work), rolled back on
    any exception, committed otherwise."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        # SQLite ends the transaction itself on some errors (a full disk): a ROLLBACK then
        # would fail too, and its "no transaction is active" would hide the real reason
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def until_unlocked(step: Callable[[], T]) -> T:
    """*step*, tried again while SQLite finds the file locked, up to the busy timeout.

    The busy timeout waits out most contention, not all: while a new file is still in
    rollback-journal mode, processes opening it at once (the demo's wrappers) can each hold
    a read lock and want a write lock, and SQLite answers some of them "database is locked"
    at once rather than deadlock (see sqlite3_busy_handler). Only idempotent steps are
    retried."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            # the primary code: SQLITE_BUSY's message ("database is locked") is not the only
            # one that could name a lock (a table called "locked" is not one)
            locked = (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not locked or time.monotonic() > deadline:
                raise
        time.sleep(LOCKED_RETRY_SECONDS * random.uniform(0.5, 1.5))


def ensure_layout(connection: sqlite3.Connection, extra_ddl: str = "") -> None:
    """The records layout as the collector writes it (full text indexed by batch)."""
    until_unlocked(lambda: _lay_out(connection, extra_ddl))


def _lay_out(connection: sqlite3.Connection, extra_ddl: str) -> None:
    connection.executescript(bulk_writer_ddl() + extra_ddl)  # IF NOT EXISTS throughout
    _add_columns(connection, ADDED_COLUMNS)


def _add_columns(connection: sqlite3.Connection, added: Mapping[str, Mapping[str, str]]) -> None:
    for table, columns in added.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for column, kind in columns.items():
            if column not in present:
                try:
                    connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):
                        raise  # else another process added it first


class StateStore:
    def __init__(self, directory: str | Path = STATE_DIR) -> None:
        self.directory = Path(directory)
        self.path = self.directory / STATE_FILE
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if not os.access(self.directory, os.W_OK | os.X_OK):
                raise StateError(f"cannot use state directory {self.directory}: not writable")
            self.connection = connect(self.path)
            ensure_layout(self.connection, STATE_DDL)
            until_unlocked(lambda: _add_columns(self.connection, STATE_ADDED_COLUMNS))
        except OSError as exc:
            raise StateError(
                f"cannot use state directory {self.directory}: {exc.strerror or exc}"
            ) from None
        except sqlite3.Error as exc:
            raise StateError(f"cannot use state file {self.path}: {exc}") from None

    def close(self) -> None:
        self.connection.close()
