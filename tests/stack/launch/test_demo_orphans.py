"""Nothing outlives the demo: kill -9 it while traffic flows, and 10 s later none of the
processes it started (services, their collectors, traffic, dashboard) is left."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.launch import SERVICES, free_port

pytestmark = pytest.mark.slow  # runs the whole demo


def _children() -> dict[int, set[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, set()).add(int(entry.name))
    return tree


def _descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid`` -> its start time (so a reused pid is not mistaken)."""
    tree = _children()
    found: dict[int, str] = {}
    todo = list(tree.get(pid, ()))
    while todo:
        child = todo.pop()
        started = _started(child)
        if started is not None:
            found[child] = started
        todo.extend(tree.get(child, ()))
    return found


def _started(pid: int) -> str | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _left(processes: dict[int, str]) -> list[str]:
    left = []
    for pid, started in processes.items():
        if _started(pid) == started:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
                words = cmdline.replace(b"\0", b" ").decode()
                left.append(f"{pid}: {words[:200]}")
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
def test_kill_9_of_the_demo_leaves_no_child(tmp_path: Path) -> None:
    state = tmp_path / "state"
    argv = [
        sys.executable,
        "-m",
        "stack.cli",
        "demo",
        "--no-browser",
        "--state-dir",
        str(state),
        "--dashboard-port",
        str(free_port()),
        "--rate",
        "4",
    ]
    for name in SERVICES:
        argv += ["--port", f"{name}={free_port()}"]
    demo = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    report = state / "demo" / "traffic.jsonl"
    deadline = time.monotonic() + 180
    while demo.poll() is None and time.monotonic() < deadline:
        if report.exists() and len(report.read_text().splitlines()) >= 3:
            break
        time.sleep(0.2)
    assert demo.poll() is None, demo.communicate()[1][-3000:]
    started = _descendants(demo.pid)
    # services, their collectors, traffic, dashboard and the watchdog at least
    assert len(started) >= 2 * len(SERVICES) + 2, started

    demo.send_signal(signal.SIGKILL)
    demo.wait(timeout=10)
    assert demo.stderr is not None
    demo.stderr.close()
    time.sleep(10)
    assert _left(started) == []
