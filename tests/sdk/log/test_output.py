"""A closed stdout or a broken pipe never stops the service: it keeps running and the SDK
says so once on stderr."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from sdk.log._output import LineWriter

SERVICE = """
import sys, time, logging, sdk
sdk.configure(service='cart')
log = sdk.get_logger('svc')
for n in range(400):
    log.info('working', n=n)
    logging.getLogger('svc.stdlib').info('stdlib %d', n)
    if n == 0:
        time.sleep(0.5)  # the reader closes its end meanwhile
open(sys.argv[1], 'w').write('finished')
"""


def test_broken_pipe_does_not_stop_the_service(tmp_path: pytest.TempPathFactory) -> None:
    marker = os.path.join(str(tmp_path), "done")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOPSCOPE_")}
    child = subprocess.Popen(
        [sys.executable, "-c", SERVICE, marker],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()  # the reader goes away
    stderr = child.stderr.read()
    child.wait(timeout=60)
    assert b'"message":"working"' in first
    assert child.returncode == 0, stderr
    with open(marker) as done:
        assert done.read() == "finished"  # it ran to the end
    notices = [line for line in stderr.decode().splitlines() if line.startswith("hopscope:")]
    assert len(notices) == 1, stderr
    assert "stdout is unusable" in notices[0]
    assert "Traceback" not in stderr.decode()


def test_closed_stdout_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.BytesIO()
    writer = LineWriter(stream)
    writer.write(b"one\n")
    stream.close()
    writer.write(b"two\n")
    writer.write(b"three\n")
    assert writer.broken
    err = capsys.readouterr().err
    assert err.count("hopscope: stdout is unusable") == 1


def test_stdout_closed_by_the_service_itself(tmp_path: pytest.TempPathFactory) -> None:
    code = (
        "import os, sys, sdk\n"
        "sdk.configure(service='cart')\n"
        "log = sdk.get_logger('svc')\n"
        "log.info('before')\n"
        "sys.stdout.close()\n"
        "log.info('after one'); log.info('after two')\n"
        "sys.stderr.write('still running\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.count(b"\n") == 1
    assert b'"message":"before"' in result.stdout
    err = result.stderr.decode()
    assert err.count("hopscope: stdout is unusable") == 1
    assert err.endswith("still running\n")


def test_writer_follows_a_replaced_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = io.TextIOWrapper(io.BytesIO()), io.TextIOWrapper(io.BytesIO())
    writer = LineWriter()
    monkeypatch.setattr(sys, "stdout", first)
    writer.write(b"a\n")
    monkeypatch.setattr(sys, "stdout", second)
    writer.write(b"b\n")
    assert first.buffer.getvalue() == b"a\n"
    assert second.buffer.getvalue() == b"b\n"


@pytest.mark.parametrize("unbuffered", [True, False], ids=["raw-stdout", "buffered-stdout"])
def test_non_blocking_stdout_that_fills_up_loses_no_line(unbuffered: bool) -> None:
    """A full non-blocking pipe (EAGAIN) is waited out, not taken for a broken one; a raw
    stdout (PYTHONUNBUFFERED=1) that takes part of a line gets the rest."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    code = (
        "import os, sdk\n"
        "os.set_blocking(1, False)\n"
        "sdk.configure(service='cart')\n"
        "log = sdk.get_logger('svc')\n"
        "for n in range(3000):\n"
        "    log.info('line', n=n, pad='x' * 100)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    time.sleep(1.0)  # let the pipe (64 KiB) fill while nobody reads
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert b"unusable" not in err
    numbers = [json.loads(line)["labels.n"] for line in out.splitlines()]
    assert numbers == list(range(3000))


def test_fork_while_another_thread_writes_does_not_deadlock_the_child() -> None:
    code = (
        "import os, sdk\n"
        "from sdk.log._configure import writer\n"
        "sdk.configure(service='cart')\n"
        "writer()._lock.acquire()  # as if a thread were mid-write at the fork\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    import signal; signal.alarm(20)  # a deadlocked child must not outlive the test\n"
        "    sdk.get_logger('child').info('child writes')\n"
        "    os._exit(0)\n"
        "writer()._lock.release()\n"
        "_, status = os.waitpid(child, 0)\n"
        "sdk.get_logger('parent').info('parent writes', status=status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line)["message"] for line in result.stdout.splitlines()]
    assert messages == ["child writes", "parent writes"]


def test_logging_from_inside_a_write_does_not_deadlock() -> None:
    """A __del__ or signal handler that logs while this thread holds the writer."""

    class Reentrant(io.BytesIO):
        def __init__(self) -> None:
            super().__init__()
            self.writer: LineWriter | None = None

        def write(self, data: Any) -> int:
            if self.writer is not None and data.startswith(b"outer"):
                self.writer.write(b"inner\n")
            return super().write(data)

    stream = Reentrant()
    writer = LineWriter(stream)
    stream.writer = writer
    writer.write(b"outer\n")
    assert stream.getvalue() == b"outer\ninner\n"  # whole, after the line it interrupted


SIGNALLED = """
import signal, sys, sdk
sdk.configure(service='cart')
log = sdk.get_logger('svc')
ticks = 0

def tick(_signum, _frame):
    global ticks
    ticks += 1
    log.info('tick', n=ticks)

signal.signal(signal.SIGALRM, tick)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
for n in range(320):
    log.info('big', n=n, blob='x' * 20000)
signal.setitimer(signal.ITIMER_REAL, 0)
log.info('done', ticks=ticks)
"""


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_line_from_a_signal_handler_is_never_spliced_into_another(unbuffered: str) -> None:
    """A timer's handler logs while a 20 KB line is being written to a pipe that is full:
    every line comes out whole, the handler's ones after the line they interrupted, and
    the call never raises (a buffered stdout refuses a re-entrant write)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HOPSCOPE_") and k != "PYTHONUNBUFFERED"
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SIGNALLED],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**environ, "PYTHONUNBUFFERED": unbuffered} if unbuffered else environ,
    )
    assert process.stdout is not None
    chunks = []
    while chunk := process.stdout.read(4096):  # small reads: the pipe stays full
        chunks.append(chunk)
        time.sleep(0.0002)
    stderr = process.stderr.read() if process.stderr else b""
    assert process.wait(timeout=120) == 0, stderr
    lines = b"".join(chunks).splitlines()
    records = [json.loads(line) for line in lines]  # every line whole: each one parses
    big = [r for r in records if r["message"] == "big"]
    assert [r["labels.n"] for r in big] == list(range(320))
    ticks = [r for r in records if r["message"] == "tick"]
    (done,) = [r for r in records if r["message"] == "done"]
    assert len(ticks) == done["labels.ticks"]
    # every tick once (a handler interrupted before its write by the next one comes second)
    assert sorted(r["labels.n"] for r in ticks) == list(range(1, len(ticks) + 1))
