"""Child processes of the demo: started in their own session so Ctrl-C reaches only the
demo, which then stops them in order (traffic, services, collector) and loses nothing.

However the demo ends, they end with it: on Linux each child asks the kernel for SIGTERM
when its parent dies (``PR_SET_PDEATHSIG``), and everywhere a :class:`Watchdog` holding
a pipe from the demo ends the children's process groups once that pipe closes unasked.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: ``<linux/prctl.h>``
PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] | None = getattr(libc, "prctl", None)
    return prctl


_PRCTL = _prctl()


def die_with(parent: int) -> Callable[[], None]:
    """Run in the child between fork and exec: SIGTERM once ``parent`` is gone. Kept to
    a system call and a check, as code at that moment must be."""

    def arrange() -> None:
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange


class Watchdog:
    """A process of its own (:mod:`stack.launch.watchdog`) told which process groups to
    end should this process die without saying ``done``."""

    def __init__(self, grace_s: float = 5.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stack.launch.watchdog", str(grace_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._lock = threading.Lock()  # the demo stops its children from several threads

    def _say(self, word: str) -> None:
        pipe = self.process.stdin
        with self._lock, contextlib.suppress(BrokenPipeError, ValueError):
            if pipe is not None and not pipe.closed:
                pipe.write(f"{word}\n".encode())
                pipe.flush()

    def watch(self, pgid: int) -> None:
        self._say(f"+{pgid}")

    def release(self, pgid: int) -> None:
        self._say(f"-{pgid}")

    def close(self) -> None:
        """Everything was stopped in order: the watchdog leaves without ending anything."""
        self._say("done")
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class ManagedProcess:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    stdout: IO[Any] | int | None = None
    stderr: IO[Any] | int | None = None
    stdin: IO[Any] | int | None = subprocess.DEVNULL
    cwd: Path | None = None
    watchdog: Watchdog | None = None
    #: ask for a parent-death signal where the system has one (Linux)
    die_with_parent: bool = True
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            list(self.argv),
            env={**os.environ, **self.env},
            stdin=self.stdin,
            stdout=self.stdout,
            stderr=self.stderr,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=die_with(os.getpid()) if self.die_with_parent else None,
        )
        if self.watchdog is not None:
            self.watchdog.watch(self.process.pid)  # its own session: group id = pid

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_s: float = 10.0) -> int | None:
        """SIGINT (uvicorn's graceful shutdown), then SIGTERM, then SIGKILL; the exit code."""
        if self.process is None:
            return None
        for sig, wait in ((signal.SIGINT, grace_s), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if self.process.poll() is not None:
                break
            if sig == signal.SIGKILL:
                self.kill()
            else:
                try:
                    self.process.send_signal(sig)
                except ProcessLookupError:
                    break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        if self.watchdog is not None:
            self.watchdog.release(self.process.pid)
        return self.process.poll()

    def kill(self) -> None:
        """At once, without a grace period, its own children too (its session's group)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
