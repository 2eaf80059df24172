"""The state file under concurrent first opens (the demo starts several wrappers at once,
each opening the same new file as its state and its store), and its write transactions."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sqlite3
import threading
from multiprocessing.queues import Queue
from pathlib import Path

import pytest

from collector.delivery.state import StateStore, connect, until_unlocked, write_transaction
from collector.sinks.sqlite import SqliteSink
from sdk.store import STATE_FILE

OPENERS = 8
ROUNDS = 12


def _open_at_once(
    directory: str, start: multiprocessing.synchronize.Barrier, out: Queue[str]
) -> None:
    start.wait()
    try:
        StateStore(directory).close()
        SqliteSink(Path(directory) / STATE_FILE).close()
        out.put("opened")
    except Exception as exc:  # reported to the test, which shows it
        out.put(repr(exc))


@pytest.mark.slow
def test_processes_opening_a_new_state_file_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for n in range(ROUNDS):  # the race is in the first open of a new file: many new files
        directory = tmp_path / f"state-{n}"
        start = context.Barrier(OPENERS)
        out: Queue[str] = context.Queue()
        openers = [
            context.Process(target=_open_at_once, args=(str(directory), start, out))
            for _ in range(OPENERS)
        ]
        for process in openers:
            process.start()
        outcomes += [out.get(timeout=60) for _ in openers]
        for process in openers:
            process.join(timeout=60)
    assert [o for o in outcomes if o != "opened"] == []
    assert len(outcomes) == OPENERS * ROUNDS


def test_a_write_sqlite_ended_itself_fails_with_its_own_reason(tmp_path: Path) -> None:
    db = connect(tmp_path / "small.db")
    db.execute("CREATE TABLE t (x)")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 4}")  # a disk that fills up at once
    with pytest.raises(sqlite3.OperationalError, match="full"), write_transaction(db) as writing:
        writing.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 50)
    assert not db.in_transaction
    db.execute(f"PRAGMA max_page_count = {pages + 100}")
    with write_transaction(db) as writing:
        writing.execute("INSERT INTO t VALUES ('kept')")
    assert db.execute("SELECT x FROM t").fetchall() == [("kept",)]
    db.close()


def test_an_open_waits_for_the_writer_of_a_file_still_in_rollback_mode(tmp_path: Path) -> None:
    """Switching a new file to WAL while another connection writes it: SQLite answers
    "database is locked" at once, without the busy timeout's wait; the open tries again."""
    writer = sqlite3.connect(tmp_path / STATE_FILE, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE first (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO first VALUES (1)")
    done = threading.Timer(0.3, writer.execute, ("COMMIT",))
    done.start()
    try:
        store = StateStore(tmp_path)
    finally:
        done.join()
        writer.close()
    assert store.connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store.connection.execute("SELECT x FROM first").fetchall() == [(1,)]
    store.close()


def test_only_a_locked_file_is_tried_again(tmp_path: Path) -> None:
    db = connect(tmp_path / "other.db")
    tries: list[int] = []

    def step() -> object:
        tries.append(1)
        return db.execute("SELECT * FROM locked")

    with pytest.raises(sqlite3.OperationalError, match="no such table: locked"):
        until_unlocked(step)
    assert len(tries) == 1
    db.close()
