"""``hopscope collect`` end to end, as a person runs it."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson

from .running import HOPSCOPE, docs, hopscope


def test_collect_stdin_into_the_default_store(tmp_path: Path, helpers: Any) -> None:
    data = helpers.valid_line(1) + b"\nINFO:     Uvicorn running\n" + helpers.valid_line(2) + b"\n"
    result = hopscope("collect", "-", "--service", "cart", cwd=tmp_path, stdin=data)
    assert result.returncode == 0, result.stderr
    stored = docs(helpers, tmp_path / ".hopscope" / "hopscope.db")
    assert [d["message"] for d in stored] == ["line 1", "INFO:     Uvicorn running", "line 2"]
    assert stored[1]["service.name"] == "cart"
    assert stored[1]["hopscope.source.name"] == "stdin"
    err = result.stderr.decode()
    assert "stdin" in err
    assert "stored" in err


def test_sink_locked_then_free_loses_nothing_and_says_so(tmp_path: Path, helpers: Any) -> None:
    from collector.sinks.sqlite import SqliteSink

    SqliteSink(tmp_path / "out.db").close()  # the store exists; another writer holds it
    holder = sqlite3.connect(tmp_path / "out.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    process = subprocess.Popen(
        [*HOPSCOPE, "collect", "-", "--sink", "sqlite:///out.db?busy_timeout=0.1"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(b"".join(helpers.valid_line(n) + b"\n" for n in range(500)))
    process.stdin.close()
    spool = tmp_path / ".hopscope" / "hopscope.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the records wait on disk for the sink
        if spool.exists():
            try:
                if helpers.stored_rows(spool, "SELECT count(*) FROM spool")[0][0] == 500:
                    break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.1)
    holder.execute("ROLLBACK")
    holder.close()
    process.stdin = None  # written and closed above
    err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 0, err
    assert helpers.stored_numbers(tmp_path / "out.db") == list(range(500))
    logged = [orjson.loads(line) for line in err.splitlines() if line.startswith("{")]
    messages = [(e["log.level"], e["message"]) for e in logged]
    assert ("warning", "sink unavailable; records wait on disk") in messages
    assert ("info", "sink available again") in messages
    assert all(e["service.name"] == "hopscope-collector" for e in logged)


def test_table_and_stop_line_count_blank_lines_apart(tmp_path: Path, helpers: Any) -> None:
    lines = [helpers.valid_line(n) for n in range(30)]
    (tmp_path / "a.log").write_bytes(
        b"\n".join(lines[:10]) + b"\n\n  \n\r\n" + b"\n".join(lines[10:]) + b"\n"
    )
    result = hopscope("collect", "a.log", "--no-progress", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    row = next(line for line in err.splitlines() if line.startswith("a.log "))
    assert row.split()[1:3] == ["30", "3"]  # read, blank
    stopped = next(orjson.loads(line) for line in err.splitlines() if "collector stopped" in line)
    assert (stopped["labels.read"], stopped["labels.blank"]) == (30, 3)
    assert len(docs(helpers, tmp_path / ".hopscope" / "hopscope.db")) == 30
