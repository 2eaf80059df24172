"""The collector's loop: sources -> parse -> delivery, until the sources end or it is
asked to stop (then it drains what it can and flushes, within a deadline)."""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collector.delivery.checkpoints import Checkpoints, pipeline_key
from collector.delivery.counters import Counters
from collector.delivery.lanes import Delivery
from collector.delivery.state import StateStore
from collector.sinks.base import Sink
from collector.sources.base import Source
from collector.transforms.parse import Parser
from collector.transforms.record import CollectedRecord


@dataclass
class CollectorOptions:
    follow: bool = False
    # input read per round, across sources: one transaction per sink. Bigger rounds mean fewer
    # commits, and each commit rewrites every index page it touched (1.2x lines/s into SQLite
    # at a million lines over 4 MiB rounds, for ~80 MiB more peak memory)
    batch_bytes: int = 16 * 1024 * 1024
    poll_seconds: float = 0.2  # wait between rounds when nothing came
    stats_seconds: float | None = None  # print counters this often (follow mode)
    buffer_max_bytes: int = 256 * 1024 * 1024  # disk buffer per sink before backpressure
    shutdown_seconds: float = 10.0  # after a stop request, time left to drain and flush
    # without follow: once every source is read, time left for sinks that are down; what
    # they have not taken by then waits on disk for the next run
    drain_seconds: float = 30.0


class Collector:
    def __init__(
        self,
        sources: Sequence[Source],
        sinks: Sequence[Sink],
        state: StateStore,
        options: CollectorOptions | None = None,
        *,
        parser: Parser | None = None,
        checkpoints: Checkpoints | None = None,
        on_stats: Callable[[Counters], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.sources = list(sources)
        self.sinks = list(sinks)
        self.options = options or CollectorOptions()
        self.counters = Counters()
        self.checkpoints = checkpoints or self.checkpoints_for(state, self.sinks)
        self.delivery = Delivery(
            self.sinks,
            state,
            self.checkpoints,
            self.counters,
            buffer_max_bytes=self.options.buffer_max_bytes,
        )
        self.parser = parser or Parser()
        self.on_stats = on_stats
        self.on_progress = on_progress
        self._stop_requests = 0
        for source in self.sources:
            self.counters.source(source.name)

    @classmethod
    def checkpoints_for(cls, state: StateStore, sinks: Sequence[Sink]) -> Checkpoints:
        """The checkpoints of this set of sinks (sources need them before the collector)."""
        return Checkpoints(state.connection, pipeline_key(s.name for s in sinks))

    def request_stop(self) -> None:
        """First call: stop following, drain and flush. Second call: stop at once."""
        self._stop_requests += 1

    def run(self) -> Counters:
        options = self.options
        deadline: float | None = None
        drain_until: float | None = None
        last_stats = time.monotonic()
        while True:
            if self._stop_requests and deadline is None:
                deadline = time.monotonic() + options.shutdown_seconds
                for source in self.sources:
                    source.drain()
            if self._stop_requests > 1:
                break
            got = False
            if not self.delivery.backpressure():
                got = self._round()
            self.delivery.pump()
            now = time.monotonic()
            due = options.stats_seconds and now - last_stats >= options.stats_seconds
            if self.on_stats and due:
                last_stats = now
                self._refresh_lag()
                self.on_stats(self.counters)
            if all(s.finished() for s in self.sources):
                if self.delivery.settled():
                    break
                if drain_until is None and not options.follow:
                    drain_until = now + options.drain_seconds
                ends = [d for d in (deadline, drain_until) if d is not None]
                settled = self.delivery.flush(min([now + 0.5, *ends]))
                if not settled and ends and time.monotonic() >= min(ends):
                    break
                continue
            if deadline is not None and now >= deadline:
                break
            if not got:
                self._wait(now)
        self._refresh_lag()
        return self.counters

    def _round(self) -> bool:
        records: list[CollectedRecord] = []
        marks: dict[str, int] = {}
        consumed = 0
        budget = self.options.batch_bytes
        parse = self.parser.parse
        for source in self.sources:
            if source.finished():
                continue
            counts = self.counters.source(source.name)
            for chunk in source.poll(budget):
                lines = chunk.lines
                outcome = parse(chunk.origin, lines)
                records.extend(outcome.records)
                counts.read += len(lines) - outcome.blank
                counts.blank += outcome.blank
                span = lines[-1].end - lines[0].offset
                counts.bytes += span
                consumed += span
                identity = chunk.origin.identity
                marks[identity] = max(marks.get(identity, 0), lines[-1].end)
        if not marks:
            return False
        self.delivery.submit(records, marks)
        if self.on_progress is not None:
            self.on_progress(consumed)
        return True

    def _wait(self, now: float) -> None:
        timeout = self.options.poll_seconds
        retry = self.delivery.retry_in()
        if retry is not None:
            timeout = min(timeout, max(retry, 0.01))
        active = [s for s in self.sources if not s.finished()]
        if active and all(s.wait_fds() for s in active):  # only pipes: wake up on input
            try:
                select.select([fd for s in active for fd in s.wait_fds()], [], [], timeout)
            except (OSError, ValueError):
                time.sleep(timeout)
            return
        time.sleep(timeout)

    def _refresh_lag(self) -> None:
        for source in self.sources:
            self.counters.source(source.name).lag = source.lag_bytes()
