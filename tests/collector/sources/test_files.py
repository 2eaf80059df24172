"""Following files while they are written, rotated, truncated and replaced: every line
written arrives exactly once."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.collect import Collector, CollectorOptions
from collector.delivery.state import StateStore
from collector.sinks.sqlite import SqliteSink
from collector.sources.files import FileSource


@contextmanager
def following(tmp_path: Path, pattern: str) -> Iterator[Collector]:
    state = StateStore(tmp_path / "state")
    sink = SqliteSink(tmp_path / "out.db")
    checkpoints = Collector.checkpoints_for(state, [sink])
    source = FileSource(
        pattern,
        checkpoints,
        follow=True,
        max_line_bytes=1 << 20,
        rescan_seconds=0.05,
        rotate_wait_seconds=0.3,
    )
    collector = Collector(
        [source],
        [sink],
        state,
        CollectorOptions(follow=True, poll_seconds=0.02),
        checkpoints=checkpoints,
    )
    thread = threading.Thread(target=collector.run)
    thread.start()
    try:
        yield collector
    finally:
        collector.request_stop()
        thread.join(30)
        source.close()
        sink.close()
        state.close()
    assert not thread.is_alive()


def wait_for(
    predicate: Callable[[], bool], timeout: float = 20.0, explain: Callable[[], object] = lambda: ""
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out {explain()}")
        time.sleep(0.05)


def count(db: Path, helpers: Any) -> int:
    if not db.exists():
        return 0
    return int(helpers.stored_rows(db, "SELECT count(*) FROM records")[0][0])


def missing(db: Path, helpers: Any, total: int) -> str:
    numbers = helpers.stored_numbers(db)
    lost = sorted(set(range(total)) - set(numbers))
    return f"{len(numbers)} stored of {total}; missing {lost[:20]}...; {len(lost)} in all"


class Writer:
    """Appends numbered valid lines the way a service's log handler does (O_APPEND)."""

    def __init__(self, path: Path, helpers: Any) -> None:
        self.path = path
        self.helpers = helpers
        self.next = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, count: int) -> None:
        data = b"".join(
            self.helpers.valid_line(n) + b"\n" for n in range(self.next, self.next + count)
        )
        os.write(self.fd, data)
        self.next += count

    def reopen(self) -> None:
        os.close(self.fd)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def close(self) -> None:
        os.close(self.fd)


@pytest.mark.parametrize("rotation", ["rename", "copytruncate"])
def test_rotation_under_write_load(tmp_path: Path, helpers: Any, rotation: str) -> None:
    log = tmp_path / "app.log"
    writer = Writer(log, helpers)
    writer.write(1)
    with following(tmp_path, str(log)):
        for generation in range(1, 6):
            for _ in range(20):
                writer.write(50)
                time.sleep(0.002)
            rotated = tmp_path / f"app.log.{generation}"
            if rotation == "rename":
                os.rename(log, rotated)
                writer.write(30)  # the service still writes to the renamed file a moment
                writer.reopen()
            else:
                shutil.copyfile(log, rotated)
                os.truncate(log, 0)
        writer.write(100)
        wait_for(
            lambda: count(tmp_path / "out.db", helpers) >= writer.next,
            explain=lambda: missing(tmp_path / "out.db", helpers, writer.next),
        )
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(writer.next))


@pytest.mark.parametrize("moment", ["after_the_look", "after_opening"])
def test_copytruncate_between_a_look_at_the_file_and_the_read(
    tmp_path: Path, helpers: Any, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    """logrotate's copytruncate and the service's next lines land after the collector made
    sure the file is still the stream it reads (or after it opened the file by its head)
    and before it reads: what it reads then belongs to the next stream, not at these
    offsets of this one."""
    log = tmp_path / "app.log"
    writer = Writer(log, helpers)
    writer.write(10)
    rotated = threading.Event()

    def rotate() -> None:
        rotated.set()
        shutil.copyfile(log, tmp_path / "app.log.1")
        os.truncate(log, 0)
        writer.write(20)  # more bytes than the old content: its offsets exist again

    if moment == "after_the_look":
        look = FileSource._check_rotation

        def rotate_after_the_look(self: FileSource, path: str) -> None:
            look(self, path)
            if not rotated.is_set():
                rotate()

        monkeypatch.setattr(FileSource, "_check_rotation", rotate_after_the_look)
    else:
        open_file = FileSource._open

        def rotate_after_opening(self: FileSource, path: str) -> None:
            open_file(self, path)
            if path in self._tails and not rotated.is_set():
                rotate()

        monkeypatch.setattr(FileSource, "_open", rotate_after_opening)
    with following(tmp_path, str(log)):
        wait_for(rotated.is_set)
        wait_for(
            lambda: count(tmp_path / "out.db", helpers) >= writer.next,
            explain=lambda: missing(tmp_path / "out.db", helpers, writer.next),
        )
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(writer.next))


def test_truncation_then_new_content(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    writer = Writer(log, helpers)
    writer.write(200)
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 200)
        os.truncate(log, 0)
        writer.write(50)  # shorter than before: only the size tells it was truncated
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 250)
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(250))


def test_deleted_and_recreated_file_with_a_reused_inode(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    writer = Writer(log, helpers)
    writer.write(100)
    writer.close()
    inode = log.stat().st_ino
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 100)
    # while the collector is away the file is replaced; the new one may get the same inode
    log.unlink()
    writer = Writer(log, helpers)
    writer.next = 100  # new content (real lines differ by their timestamps at least)
    writer.write(150)  # longer than the old one: the old offset would fit in it
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 250)
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(250))
    assert isinstance(inode, int)


def test_glob_picks_up_new_files_and_a_restart_resumes(tmp_path: Path, helpers: Any) -> None:
    (tmp_path / "logs").mkdir()
    first = Writer(tmp_path / "logs" / "a.log", helpers)
    first.write(100)
    with following(tmp_path, str(tmp_path / "logs" / "*.log")):
        second = Writer(tmp_path / "logs" / "b.log", helpers)
        second.next = 1000
        second.write(100)
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 200)
    first.write(10)
    with following(tmp_path, str(tmp_path / "logs" / "*.log")):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 210)
        time.sleep(0.2)
    assert helpers.stored_numbers(tmp_path / "out.db") == [*range(110), *range(1000, 1100)]


class DockerWriter(Writer):
    """The same lines as Docker's json-file driver writes them."""

    def write(self, count: int) -> None:
        data = b"".join(
            orjson.dumps(
                {
                    "log": self.helpers.valid_line(n).decode() + "\n",
                    "stream": "stdout",
                    "time": "2026-11-25T12:00:00Z",
                }
            )
            + b"\n"
            for n in range(self.next, self.next + count)
        )
        os.write(self.fd, data)
        self.next += count


@pytest.mark.parametrize(
    ("name", "make_writer"), [("app.log", Writer), ("c0ffee-json.log", DockerWriter)]
)
def test_rotated_while_the_collector_was_down(
    tmp_path: Path, helpers: Any, name: str, make_writer: type[Writer]
) -> None:
    log = tmp_path / name
    writer = make_writer(log, helpers)
    writer.write(100)
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 100)
    writer.write(40)  # written while the collector is down ...
    # ... then rotated away (a Docker log's rotated copy no longer ends in -json.log)
    os.rename(log, tmp_path / f"{name}.1")
    writer.reopen()
    writer.write(60)
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 200)
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(200))


def test_unfinished_last_line_waits_for_its_end(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    line = helpers.valid_line(0) + b"\n"
    log.write_bytes(helpers.valid_line(9) + b"\n" + line[:20])
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 1)
        time.sleep(0.3)
        with log.open("ab") as out:
            out.write(line[20:])
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 2)
    docs = [orjson.loads(d) for _, d, _ in helpers.stored_rows(tmp_path / "out.db")]
    assert sorted(d["labels.n"] for d in docs) == [0, 9]


def test_stopping_leaves_an_unfinished_line_for_the_next_run(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    line = helpers.valid_line(1) + b"\n"
    log.write_bytes(helpers.valid_line(0) + b"\n" + line[:30])
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 1)
    # stopped while the service was mid-line; it finishes the line later
    with log.open("ab") as out:
        out.write(line[30:])
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 2)
    assert helpers.stored_numbers(tmp_path / "out.db") == [0, 1]


def backfill(tmp_path: Path, pattern: str) -> None:
    """``hopscope collect PATTERN`` without ``--follow``: read to the end once."""
    state = StateStore(tmp_path / "state")
    sink = SqliteSink(tmp_path / "out.db")
    checkpoints = Collector.checkpoints_for(state, [sink])
    source = FileSource(pattern, checkpoints, follow=False, max_line_bytes=1 << 20)
    try:
        Collector([source], [sink], state, checkpoints=checkpoints).run()
    finally:
        source.close()
        sink.close()
        state.close()


@pytest.mark.parametrize("follow", [True, False], ids=["follow", "backfill"])
def test_copytruncate_while_behind_then_idle(tmp_path: Path, helpers: Any, follow: bool) -> None:
    log = tmp_path / "app.log"
    writer = Writer(log, helpers)
    writer.write(100)
    with following(tmp_path, str(log)):
        wait_for(lambda: count(tmp_path / "out.db", helpers) == 100)
    writer.write(40)  # past the checkpoint ...
    shutil.copyfile(log, tmp_path / "app.log.1")  # ... when logrotate's copytruncate runs
    os.truncate(log, 0)
    # and the service writes nothing more: those 40 lines are in the copy alone
    if follow:
        with following(tmp_path, str(log)):
            wait_for(
                lambda: count(tmp_path / "out.db", helpers) >= 140,
                explain=lambda: missing(tmp_path / "out.db", helpers, 140),
            )
            time.sleep(0.3)  # a few more looks at the empty file and its copy
    else:
        backfill(tmp_path, str(log))
    writer.close()
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(140))
