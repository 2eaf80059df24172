"""Each record reaches each sink once, for a sink that cannot deduplicate by record id
(GELF: Graylog keeps whatever it gets): across an outage and a restart, with a second sink
that was up all along, and after kill -9 at random points during delivery."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from stack.launch.ports import free_port
from tests.collector.sinks.gelf.receivers import HttpReceiver

COLLECT = [sys.executable, "-m", "stack.cli", "collect"]


def collect(
    log: Path, state: Path, *sinks: str, drain: str = "1"
) -> subprocess.CompletedProcess[str]:
    args = [str(log), "--state-dir", str(state), "--drain-timeout", drain]
    for sink in sinks:
        args += ["--sink", sink]
    return subprocess.run(
        [*COLLECT, *args], capture_output=True, text=True, timeout=120, check=False
    )


def write_log(path: Path, helpers: Any, lines: int) -> None:
    path.write_bytes(b"".join(helpers.valid_line(n) + b"\n" for n in range(lines)))


def checkpoint(state: Path) -> int:
    connection = sqlite3.connect(state / "hopscope.db")
    try:
        (offset,) = connection.execute("SELECT offset FROM checkpoints").fetchone()
    finally:
        connection.close()
    return int(offset)


def in_doubt(state: Path) -> set[str]:
    connection = sqlite3.connect(state / "hopscope.db")
    try:
        rows = connection.execute(
            "SELECT record_id FROM dead_letters WHERE reason LIKE 'in doubt%'"
        ).fetchall()
    finally:
        connection.close()
    return {str(rid) for (rid,) in rows}


@pytest.mark.slow
def test_a_gelf_outage_then_a_restart_sends_each_record_once(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "cart.log"
    write_log(log, helpers, 6)
    port = free_port()
    sink = f"gelf+http://127.0.0.1:{port}/gelf"
    assert collect(log, tmp_path / "state", sink).returncode == 1  # down: all 6 wait on disk
    receiver = HttpReceiver(port)
    try:
        done = collect(log, tmp_path / "state", sink)
        assert done.returncode == 0, done.stderr
        time.sleep(0.5)  # a duplicate would arrive by now: the run has ended
        ids = receiver.ids()
        assert len(ids) == 6
        assert set(ids.values()) == {1}
    finally:
        receiver.close()


@pytest.mark.slow
def test_two_sinks_one_down_the_checkpoint_waits_for_it(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "cart.log"
    write_log(log, helpers, 6)
    state = tmp_path / "state"
    store = tmp_path / "store.db"
    port = free_port()
    sinks = (f"sqlite:///{store}", f"gelf+http://127.0.0.1:{port}/gelf")

    first = collect(log, state, *sinks)

    assert first.returncode == 1, first.stderr
    assert helpers.stored_numbers(store) == list(range(6))
    assert checkpoint(state) == 0  # where the GELF sink stopped, not where SQLite got to
    receiver = HttpReceiver(port)
    try:
        second = collect(log, state, *sinks)
        assert second.returncode == 0, second.stderr
        time.sleep(0.5)
        ids = receiver.ids()
        assert len(ids) == 6
        assert set(ids.values()) == {1}
        assert helpers.stored_numbers(store) == list(range(6))
        assert checkpoint(state) == log.stat().st_size
    finally:
        receiver.close()


@pytest.mark.slow
def test_kill_9_at_random_points_sends_no_record_twice(tmp_path: Path, helpers: Any) -> None:
    rng = random.Random(4321)
    log = tmp_path / "cart.log"
    lines = 1500
    write_log(log, helpers, lines)
    state = tmp_path / "state"
    receiver = HttpReceiver()
    sink = f"gelf+http://127.0.0.1:{receiver.port}/gelf"
    args = [str(log), "--state-dir", str(state), "--sink", sink, "--batch-mb", "0.05"]
    kills = 0
    try:
        for _ in range(8):
            before = len(receiver.messages)
            process = subprocess.Popen(
                [*COLLECT, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 60
            while len(receiver.messages) <= before and process.poll() is None:
                assert time.monotonic() < deadline, "the collector made no progress"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(30)
        final = subprocess.run(
            [*COLLECT, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert final.returncode == 0, final.stderr
        time.sleep(0.5)
        ids = receiver.ids()
    finally:
        receiver.close()
    assert kills >= 1
    assert [rid for rid, n in ids.items() if n > 1] == []
    # nothing lost: a record on the wire at a kill is kept as a dead letter "in doubt"
    doubt = in_doubt(state)
    assert len(set(ids) | doubt) == lines
    assert len(doubt) <= kills  # one message at a time is on the wire
