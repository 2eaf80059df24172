"""Stopping a child of the demo: politely first, and its whole group when it will not go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.launch.processes import ManagedProcess

STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_polite_stop_is_enough_for_a_well_behaved_child() -> None:
    read_fd, write_fd = os.pipe()
    sleeper = "import time; print('ready', flush=True); time.sleep(60)"
    process = ManagedProcess("sleeper", [sys.executable, "-c", sleeper], stdout=write_fd)
    process.start()
    os.close(write_fd)
    # A SIGINT during the interpreter's start-up ends it with status 1, not by the signal:
    # stop it once it runs its code, as the demo's services are when they are stopped.
    assert os.read(read_fd, 64).startswith(b"ready")
    assert process.running()
    # The pipe stays open until the child is gone: a flush into a closed one ends it with 1.
    assert process.stop(grace_s=10) == -signal.SIGINT  # KeyboardInterrupt ends it
    os.close(read_fd)
    assert not process.running()


@pytest.mark.slow
def test_a_stubborn_child_and_its_children_are_killed() -> None:
    read_fd, write_fd = os.pipe()
    process = ManagedProcess(
        "stubborn", [sys.executable, "-c", STUBBORN], stdout=write_fd, stderr=subprocess.DEVNULL
    )
    process.start()
    os.close(write_fd)
    line = b""
    while not line.endswith(b"\n"):  # the whole line: the child must not write into a
        chunk = os.read(read_fd, 64)  # closed pipe and die of that instead
        assert chunk, "the child ended before naming its own child"
        line += chunk
    grandchild = int(line)
    started = time.monotonic()
    code = process.stop(grace_s=0.5)
    os.close(read_fd)
    assert code == -signal.SIGKILL
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


PARENT = """
import sys, time
from stack.launch.processes import ManagedProcess, Watchdog
watchdog = Watchdog(grace_s=1.0) if sys.argv[1] == "watchdog" else None
child = ManagedProcess(
    "child",
    [sys.executable, "-c", "import time; time.sleep(120)"],
    watchdog=watchdog,
    die_with_parent=sys.argv[1] == "pdeathsig",
)
child.start()
print(child.pid, flush=True)
time.sleep(120)
"""


def _orphan_after_kill_9(way: str) -> int:
    """Start a parent that starts a child ``way``, kill -9 the parent; the child's pid."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, way], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait(timeout=10)
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    return child


def _reap(pid: int) -> bool:
    """Whether ``pid`` is gone (a zombie child of init counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_ends_with_its_parent_by_the_parent_death_signal() -> None:
    assert _reap(_orphan_after_kill_9("pdeathsig"))


def test_a_child_ends_with_its_parent_through_the_watchdog_alone() -> None:
    assert _reap(_orphan_after_kill_9("watchdog"))
