"""How a demo service's stdout reaches the store: one interface, two ways.

- :class:`CollectorRoute`: the service runs under ``hopscope run``, which collects every
  line into the sinks and passes the output through; that copy goes to the service's log
  file, so the lines a service wrote can be counted against the records stored.
- :class:`FileRoute`: the output only goes to the log file (when the collector's ``run``
  command is not installed); ``hopscope collect FILE`` can ship it later.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path


def hopscope_argv(*args: str) -> list[str]:
    """The ``hopscope`` console script, run by this interpreter (works without PATH)."""
    return [sys.executable, "-m", "stack.cli", *args]


class LogRoute(ABC):
    #: shown to the person: where the records end up
    destination: str

    @abstractmethod
    def command(self, service: str, argv: Sequence[str]) -> list[str]:
        """The command that runs ``argv`` with its stdout on this route."""


class CollectorRoute(LogRoute):
    def __init__(self, sink: str, state_dir: Path, shown: str | None = None) -> None:
        self.sink = sink
        self.state_dir = state_dir
        self.destination = shown or sink

    def command(self, service: str, argv: Sequence[str]) -> list[str]:
        state = self.state_dir / service
        return hopscope_argv(
            "run",
            "--service",
            service,
            "--sink",
            self.sink,
            "--state-dir",
            str(state),
            "--",
            *argv,
        )


class FileRoute(LogRoute):
    destination = "log files only (the collector's 'hopscope run' is not installed)"

    def command(self, service: str, argv: Sequence[str]) -> list[str]:
        return list(argv)
