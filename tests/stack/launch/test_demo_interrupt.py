"""Ctrl-C stops the demo cleanly: every process ends, every port is free, no line is lost."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.launch import SERVICES, free_port
from stack.launch.ports import port_is_free

pytestmark = pytest.mark.slow  # runs the whole demo


def _payments(report: Path) -> int:
    try:
        return len(report.read_text().splitlines())
    except OSError:
        return 0


def test_ctrl_c_stops_everything_and_keeps_every_line(tmp_path: Path) -> None:
    ports = {name: free_port() for name in SERVICES}
    state = tmp_path / "state"
    argv = [
        sys.executable,
        "-m",
        "stack.cli",
        "demo",
        "--no-browser",
        "--no-dashboard",
        "--state-dir",
        str(state),
        "--faults",
        "none",
        "--rate",
        "8",
    ]
    for name, port in ports.items():
        argv += ["--port", f"{name}={port}"]
    demo = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    report = state / "demo" / "traffic.jsonl"
    deadline = time.monotonic() + 120
    while _payments(report) < 10 and demo.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert demo.poll() is None, demo.communicate()[1][-3000:]
    assert _payments(report) >= 10
    demo.send_signal(signal.SIGINT)
    _out, err = demo.communicate(timeout=120)

    assert demo.returncode == 0, err[-3000:]
    assert "Ctrl-C: stopping the demo" in err
    assert all(port_is_free("127.0.0.1", port) for port in ports.values())
    logs = state / "demo" / "logs"
    written = {name: len((logs / f"{name}.log").read_bytes().splitlines()) for name in SERVICES}
    with sqlite3.connect(state / "hopscope.db") as db:
        stored = dict(db.execute("SELECT service, count(*) FROM records GROUP BY service"))
    assert stored == written
