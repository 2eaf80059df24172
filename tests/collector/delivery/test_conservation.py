"""Conservation: for every input, lines read = records stored + dead-lettered, no
duplicates, whatever happens to the collector (kill -9) or to the input."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

COLLECT = [sys.executable, "-m", "stack.cli", "collect"]


def run_collect(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COLLECT, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def stored_count(helpers: Any, db: Path) -> int:
    if not db.exists():
        return 0
    try:
        return int(helpers.stored_rows(db, "SELECT count(*) FROM records")[0][0])
    except sqlite3.OperationalError:  # created a moment ago, tables not there yet
        return 0


def wait_for_progress(
    helpers: Any, db: Path, before: int, process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    """Until the collector has stored something new (it takes a while to start on a busy
    machine) or has exited."""
    deadline = time.monotonic() + timeout
    while stored_count(helpers, db) <= before and process.poll() is None:
        assert time.monotonic() < deadline, "the collector made no progress"
        time.sleep(0.05)


def docs(helpers: Any, db: Path) -> list[dict[str, Any]]:
    return [orjson.loads(doc) for _, doc, _ in helpers.stored_rows(db)]


@pytest.mark.slow
def test_kill_9_at_random_points_then_restart(tmp_path: Path, helpers: Any) -> None:
    rng = random.Random(1234)
    log = tmp_path / "big.log"
    expected_unstructured = 0
    with log.open("wb") as out:
        for n in range(100_000):
            if n % 997 == 0:
                out.write(b"plain text line %d\n" % n)
                expected_unstructured += 1
            else:
                out.write(helpers.valid_line(n) + b"\n")
    # small batches: many commits for the kills to fall between
    args = [str(log), "--sink", "sqlite:///out.db", "--state-dir", "state", "--batch-mb", "1"]
    kills = 0
    for _ in range(5):
        before = stored_count(helpers, tmp_path / "out.db")
        process = subprocess.Popen(
            [*COLLECT, *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_progress(helpers, tmp_path / "out.db", before, process)
        time.sleep(rng.uniform(0.0, 0.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    final = run_collect(args, tmp_path)
    assert final.returncode == 0, final.stderr
    assert kills >= 1
    numbers = helpers.stored_numbers(tmp_path / "out.db")
    assert numbers == [n for n in range(100_000) if n % 997]
    unstructured = helpers.stored_rows(
        tmp_path / "out.db", "SELECT count(*) FROM records WHERE unstructured = 1"
    )
    assert unstructured == [(expected_unstructured,)]
    assert helpers.stored_rows(
        tmp_path / "state" / "hopscope.db", "SELECT count(*) FROM dead_letters"
    ) == [(0,)]
    # a run after the end reads nothing again
    again = run_collect(args, tmp_path)
    assert again.returncode == 0
    assert len(helpers.stored_rows(tmp_path / "out.db")) == 100_000


def test_docker_partial_lines_are_merged(tmp_path: Path, helpers: Any) -> None:
    container = tmp_path / "containers" / ("ab12" * 16)
    container.mkdir(parents=True)
    (container / "config.v2.json").write_text('{"Name": "/checkout"}')
    big = helpers.valid_line(1, message="x" * 40_000).decode() + "\n"
    parts = [big[i : i + 16384] for i in range(0, len(big), 16384)]
    entries = [
        {"log": part, "stream": "stdout", "time": "2024-05-01T10:00:00.000000001Z"}
        for part in parts
    ]
    entries.append(
        {"log": "plain words from the app\n", "stream": "stderr", "time": "2024-05-01T10:00:01Z"}
    )
    entries.append(
        {
            "log": helpers.valid_line(2).decode() + "\n",
            "stream": "stdout",
            "time": "2024-05-01T10:00:02Z",
        }
    )
    log = container / f"{'ab12' * 16}-json.log"
    log.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entries))
    result = run_collect(
        [
            str(tmp_path / "containers" / "*" / "*-json.log"),
            "--sink",
            "sqlite:///out.db",
            "--state-dir",
            "state",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    stored = sorted(docs(helpers, tmp_path / "out.db"), key=lambda d: d["hopscope.source.offset"])
    assert len(parts) == 3
    assert len(stored) == 3
    assert stored[0]["message"] == "x" * 40_000
    assert stored[0]["hopscope.source.offset"] == 0
    assert stored[1]["event.original"] == "plain words from the app"
    assert stored[1]["service.name"] == "checkout"
    assert stored[1]["@timestamp"] == "2024-05-01T10:00:01Z"  # Docker's time, not the read time
    assert stored[2]["labels.n"] == 2


def test_binary_garbage_and_a_10_mib_line(tmp_path: Path, helpers: Any) -> None:
    rng = random.Random(7)
    log = tmp_path / "mixed.log"
    lines: list[bytes] = []
    for n in range(300):
        if n % 3 == 0:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
            lines.append(junk.replace(b"\n", b"\x00"))
        else:
            lines.append(helpers.valid_line(n))
    lines.insert(150, b'{"message": "' + b"y" * (10 * 1024 * 1024) + b'"}')
    log.write_bytes(b"\n".join(lines) + b"\n")
    result = run_collect(
        [
            str(log),
            "--sink",
            "sqlite:///out.db",
            "--state-dir",
            "state",
            "--max-line-bytes",
            "65536",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    blank = sum(1 for line in lines if not line.strip())
    rows = helpers.stored_rows(tmp_path / "out.db", "SELECT doc, raw, unstructured FROM records")
    assert len(rows) == len(lines) - blank
    assert helpers.stored_numbers(tmp_path / "out.db") == [n for n in range(300) if n % 3]
    by_offset = {}
    offset = 0
    for line in lines:
        by_offset[offset] = line
        offset += len(line) + 1
    for doc_text, raw, unstructured in rows:
        doc = orjson.loads(doc_text)
        original = by_offset[doc["hopscope.source.offset"]]
        if not unstructured:
            continue
        if doc.get("hopscope.truncated"):
            assert original.startswith(b'{"message": "yyyy')
            assert len(doc["event.original"]) < 70_000
        elif raw is not None:
            assert raw == original.rstrip(b"\r")  # the exact bytes, in the raw column
        else:
            assert doc["event.original"].encode() == original.rstrip(b"\r")
    assert "mixed.log" in result.stderr  # counters printed at exit


@pytest.mark.slow
def test_follow_under_kill_9_with_a_live_writer(tmp_path: Path, helpers: Any) -> None:
    rng = random.Random(99)
    log = tmp_path / "live.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    written = 0
    args = [str(log), "--follow", "--sink", "sqlite:///out.db", "--state-dir", "state"]
    for round_number in range(4):
        before = stored_count(helpers, tmp_path / "out.db")
        os.write(fd, b"".join(helpers.valid_line(n) + b"\n" for n in range(written, written + 50)))
        written += 50
        process = subprocess.Popen(
            [*COLLECT, *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_progress(helpers, tmp_path / "out.db", before, process)
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        while time.monotonic() < deadline:
            os.write(
                fd, b"".join(helpers.valid_line(n) + b"\n" for n in range(written, written + 200))
            )
            written += 200
            time.sleep(0.05)
        if round_number == 2:  # rotate once too, between two lives of the collector
            os.close(fd)
            os.rename(log, tmp_path / "live.log.1")
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        process.send_signal(signal.SIGKILL)
        process.wait()
    os.close(fd)
    started_ns = time.time_ns()
    process = subprocess.Popen(
        [*COLLECT, *args],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    state = tmp_path / "state" / "hopscope.db"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # running (files opened) and caught up
        opened = helpers.stored_rows(state, "SELECT max(updated_ns) FROM checkpoints")[0][0]
        if opened >= started_ns and stored_count(helpers, tmp_path / "out.db") >= written:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(written))
