"""``hopscope run`` end to end: a wrapped process, its exit status and its signals."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .running import HOPSCOPE, docs, hopscope


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
