"""The commands end to end, as a person runs them."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

HOPSCOPE = [sys.executable, "-m", "stack.cli"]


def hopscope(
    *args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*HOPSCOPE, *args], cwd=cwd, input=stdin, capture_output=True, timeout=timeout, check=False
    )


def docs(helpers: Any, db: Path) -> list[dict[str, Any]]:
    rows = helpers.stored_rows(db, "SELECT doc FROM records ORDER BY offset")
    return [orjson.loads(doc) for (doc,) in rows]


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


def test_run_wraps_a_process_and_keeps_its_exit_status(tmp_path: Path, helpers: Any) -> None:
    script = tmp_path / "svc.py"
    script.write_text(
        "import sys\n"
        f"print({helpers.valid_line(5).decode()!r}, flush=True)\n"
        "print('plain stdout line', flush=True)\n"
        "def f():\n    raise ValueError('bad cart')\n"
        "f()\n"
    )
    result = hopscope("run", "--service", "cart", "--", sys.executable, str(script), cwd=tmp_path)
    assert result.returncode == 1  # the script's own status (uncaught exception)
    assert b"plain stdout line" in result.stdout  # passed through
    assert b"ValueError: bad cart" in result.stderr
    stored = {
        d["hopscope.source.name"] + ":" + d["message"]: d
        for d in docs(helpers, tmp_path / ".hopscope" / "hopscope.db")
    }
    assert set(stored) == {
        "cart:stdout:line 5",
        "cart:stdout:plain stdout line",
        "cart:stderr:ValueError: bad cart",
    }
    crash = stored["cart:stderr:ValueError: bad cart"]
    assert crash["log.level"] == "error"
    assert crash["error.type"] == "ValueError"
    assert crash["service.name"] == "cart"
    assert "Traceback (most recent call last)" in crash["error.stack_trace"]


@pytest.mark.slow
def test_run_passes_sigterm_on_and_flushes(tmp_path: Path, helpers: Any) -> None:
    script = tmp_path / "svc.py"
    script.write_text(
        "import signal, sys, time\n"
        "def stop(*_):\n    print('shutting down cleanly', flush=True)\n    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "print('ready', flush=True)\n"
        "while True:\n    time.sleep(0.05)\n"
    )
    process = subprocess.Popen(
        [*HOPSCOPE, "run", "--service", "svc", "--no-echo", "--", sys.executable, str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    db = tmp_path / ".hopscope" / "hopscope.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if db.exists() and helpers.stored_rows(db, "SELECT count(*) FROM records")[0][0]:
                break
        except sqlite3.OperationalError:
            pass  # created a moment ago, tables not there yet
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out == b""  # --no-echo
    assert [d["message"] for d in docs(helpers, db)] == ["ready", "shutting down cleanly"]


@pytest.mark.parametrize(
    "sink",
    [
        "kafka://user:PW-SECRET-1@x:1",  # unknown scheme
        "http://user:PW-SECRET-1@es:port",  # bad port
        "http://TOKEN-SECRET-1@es:9200/?colour=red",  # a token as the user, unknown option
        "sqlite://user:PW-SECRET-1@host/x.db",  # bad SQLite URL
        "sqlite:///x.db?token=TOKEN-SECRET-1",  # unknown option
        "http://es:9200/?sig=SIG-SECRET-1&colour=red",
        "gelf+udp://u:PW-SECRET-1@h:12201?token=TOKEN-SECRET-2",
        "http://u:PW-SECRET-1@[::1",  # an IPv6 host without its closing bracket
        "gelf+tcp://u:PW-SECRET-1@[::1:12201",
    ],
)
def test_sink_url_errors_never_show_a_secret(tmp_path: Path, sink: str) -> None:
    result = hopscope("collect", "-", "--sink", sink, cwd=tmp_path, stdin=b"")
    err = result.stderr.decode()
    assert result.returncode == 2
    assert "bad sink URL" in err
    assert "SECRET" not in err
    assert "***" in err


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (
            ["collect", "-", "--sink", "kafka://x:1"],
            "bad sink URL 'kafka://x:1': unknown scheme",
            2,
        ),
        (["collect", "-", "--sink", "sqlite:///x.db?colour=red"], "unknown option(s)", 2),
        (["collect", "missing.log"], "no such file: missing.log", 2),
        (["collect", "-", "--state-dir", "blocker/state"], "cannot use state directory", 2),
        (["collect", "-", "-"], "can be read only once", 2),
        (["run", "--service", "x"], "no command given", 2),
        (["run", "--", "true"], "--service NAME is required", 2),
        (
            ["run", "--service", "x", "--state-dir", "blocker/s", "--", "true"],
            "cannot use state directory",
            2,
        ),
        (["run", "--service", "x", "--", "no-such-command-here"], "cannot start", 127),
    ],
)
def test_clear_one_line_errors(tmp_path: Path, args: list[str], message: str, status: int) -> None:
    (tmp_path / "blocker").write_text("a file where a directory should be")
    result = hopscope(*args, cwd=tmp_path, stdin=b"")
    err = result.stderr.decode()
    assert result.returncode == status, err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_deadletters_list_and_replay(tmp_path: Path, helpers: Any) -> None:
    bad_time = orjson.dumps(
        {**orjson.loads(helpers.valid_line(3)), "@timestamp": "2024-02-30T10:00:00Z"}
    )
    data = helpers.valid_line(1) + b"\n" + bad_time + b"\n"
    sink = "sqlite:///out.db"
    result = hopscope("collect", "-", "--sink", sink, cwd=tmp_path, stdin=data)
    assert result.returncode == 0, result.stderr
    listed = hopscope("deadletters", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0
    (letter,) = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert letter["sink"] == sink
    assert "not a real date" in letter["reason"]
    assert letter["record"]["labels.n"] == 3
    text = hopscope("deadletters", "list", cwd=tmp_path)
    assert b"not a real date" in text.stdout
    assert b"1 dead letter(s)" in text.stderr
    # replaying into a sink that still refuses keeps the letter, with its reason
    again = hopscope("deadletters", "replay", "--sink", sink, cwd=tmp_path)
    assert again.returncode == 1
    assert b"1 refused again" in again.stderr
    assert len(hopscope("deadletters", "list", "--json", cwd=tmp_path).stdout.splitlines()) == 1


@pytest.mark.slow
def test_help_explains_every_option(tmp_path: Path) -> None:
    for command in (["collect"], ["run"], ["deadletters", "list"], ["deadletters", "replay"]):
        result = hopscope(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0
        text = result.stdout.decode()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("--") and "  " not in stripped:
                # an option alone on its line has its explanation on the next line
                assert text.split(line, 1)[1].strip(), line
    collect_help = hopscope("collect", "--help", cwd=tmp_path).stdout.decode()
    for option in (
        "--follow",
        "--sink",
        "--state-dir",
        "--max-line-bytes",
        "--retain-days",
        "--buffer-max-mb",
        "--format",
    ):
        assert option in collect_help


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
