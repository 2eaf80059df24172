"""This run's lines: how many the services wrote, and how many of them the store holds.

Written lines are read from the copies of the services' output (their log files, new for
each run) as they grow. Stored ones are counted through the store interface, by trace: the
traffic generator starts a new trace for every payment, so this run's request lines are
the records of this run's traces, whatever else the store holds from earlier runs. Lines
outside any request (start-up, shutdown) are written but not counted in the store.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dashboards.records import TRACE_ID
from dashboards.store import Store, StoreError, open_store

__all__ = ["Tally", "WrittenLines", "count_lines"]


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def _trace_of(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    trace = record.get(TRACE_ID) if isinstance(record, dict) else None
    return trace if isinstance(trace, str) else None


@dataclass
class WrittenLines:
    """Lines in each service's log file, read on from where the last read stopped."""

    logs: Mapping[str, Path]
    by_service: Counter[str] = field(default_factory=Counter)
    by_trace: Counter[str] = field(default_factory=Counter)
    _offsets: dict[str, int] = field(default_factory=dict)

    def read(self) -> None:
        for service, path in self.logs.items():
            try:
                with path.open("rb") as handle:
                    handle.seek(self._offsets.get(service, 0))
                    chunk = handle.read()
            except OSError:
                continue
            complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
            self._offsets[service] = self._offsets.get(service, 0) + len(complete)
            for line in complete.splitlines():
                self.by_service[service] += 1
                trace = _trace_of(line)
                if trace is not None:
                    self.by_trace[trace] += 1

    @property
    def total(self) -> int:
        return sum(self.by_service.values())

    @property
    def in_requests(self) -> int:
        return sum(self.by_trace.values())


class Tally:
    """Written and stored lines of this run; :meth:`refresh` asks the store again only
    about the traces that are not complete there yet."""

    def __init__(self, logs: Mapping[str, Path], store_url: str) -> None:
        self.written = WrittenLines(logs)
        self.store_url = store_url
        self.stored: dict[str, int] = {}
        #: why the store could not be counted, for the person
        self.problem: str | None = None
        self._store: Store | None = None

    def _open(self) -> Store | None:
        if self._store is None:
            try:
                self._store = open_store(self.store_url)
            except StoreError as exc:
                self.problem = str(exc)
        return self._store

    def refresh(self) -> None:
        """Read the new lines, then count the stored records of every trace this run wrote
        lines of that the store did not hold completely yet."""
        self.written.read()
        store = self._open()
        if store is None:
            return
        try:
            for trace, written in list(self.written.by_trace.items()):
                if self.stored.get(trace, 0) < written:
                    self.stored[trace] = len(store.fetch_trace(trace).records)
        except StoreError as exc:
            self.problem = str(exc)
        else:
            self.problem = None

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
