"""One statement run in parts side by side, on read connections of their own.

A question that reads hundreds of thousands of index entries (a histogram of common words)
is split by its caller into disjoint parts (ranges of rowids, runs of bars), and each part
runs on its own connection in its own thread: SQLite lets go of the interpreter while it
steps, so the parts use as many cores as there are. Each part reads its own snapshot of a
file the collector may be writing, so a line stored meanwhile is counted once or not yet,
never twice (the parts are disjoint).
"""

from __future__ import annotations

import os
import queue
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, Protocol

from dashboards.store.errors import StoreError

#: Parts worth making at most, whatever the cores: past that, opening and stepping more
#: connections costs what the split saves.
MAX_PARTS: Final = 4


class PartRows(Protocol):
    """Runs one statement once for each of several parameter lists, side by side where it
    can; the rows of each, in the order of the lists."""

    @property
    def parts(self) -> int:
        """How many parts a caller is best to split its question into."""
        ...

    def __call__(self, sql: str, each: Sequence[Sequence[Any]]) -> list[list[Any]]: ...


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class OneByOne:
    """:class:`PartRows` on one connection: the parts in turn (one part worth making)."""

    parts = 1

    def __init__(self, rows: Callable[[str, Sequence[Any]], list[Any]]) -> None:
        self._rows = rows

    def __call__(self, sql: str, each: Sequence[Sequence[Any]]) -> list[list[Any]]:
        return [self._rows(sql, params) for params in each]


class SideBySide:
    """:class:`PartRows` on read-only connections of the file at *path*, opened when first
    needed (one a part running) and kept until :meth:`close`."""

    def __init__(self, path: Path, parts: int | None = None) -> None:
        self.path = path
        self.parts = max(1, min(MAX_PARTS, cores() if parts is None else parts))
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        self._threads: ThreadPoolExecutor | None = None

    def __call__(self, sql: str, each: Sequence[Sequence[Any]]) -> list[list[Any]]:
        if len(each) <= 1:
            return [self._run(sql, params) for params in each]
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.parts, thread_name_prefix="sqlite-part")
        running = [self._threads.submit(self._run, sql, params) for params in each]
        return [part.result() for part in running]

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
        for db in self._opened:
            db.close()
        self._opened.clear()

    def _run(self, sql: str, params: Sequence[Any]) -> list[Any]:
        try:
            db = self._connection()
            try:
                return db.execute(sql, params).fetchall()
            finally:
                self._idle.put(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA query_only = ON")
            self._opened.append(db)
            return db
