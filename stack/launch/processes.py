"""Child processes of the demo: started in their own session so Ctrl-C reaches only the
demo, which then stops them in order (traffic, services, collector) and loses nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class ManagedProcess:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    stdout: IO[Any] | int | None = None
    stderr: IO[Any] | int | None = None
    stdin: IO[Any] | int | None = subprocess.DEVNULL
    cwd: Path | None = None
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
        )

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
