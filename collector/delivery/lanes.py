"""Delivery: batches to every sink, the disk buffer while one is down, dead letters for
what a sink refuses, and checkpoints once every sink has acknowledged.

Each sink has a lane. A batch goes straight to the sink when its lane is clear; when the
sink is unavailable, the batch waits in the lane's disk buffer, which is retried with
backoff and emptied in order before new batches go straight through again. A batch is
acknowledged by a lane once stored or dead-lettered; a checkpoint moves to the end of the
newest batch that every lane acknowledged.

A sink that cannot deduplicate by record id takes every batch through its disk buffer,
with marks of what it took, so that neither an outage nor a crash sends it a record twice
(see :mod:`collector.delivery.spool`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from collector import events
from collector.delivery.checkpoints import Checkpoints
from collector.delivery.counters import Counters
from collector.delivery.deadletters import DeadLetters
from collector.delivery.spool import Spool
from collector.delivery.state import StateStore
from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.transforms.record import CollectedRecord, source_digest

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
SPOOL_READ_RECORDS = 5000
IN_DOUBT_REASON = (
    "in doubt: the collector stopped while sending it, so the sink may hold it already; "
    "replay it if it is missing there"
)


class Lane:
    """One sink, its disk buffer and its retry schedule."""

    def __init__(self, sink: Sink, spool: Spool) -> None:
        self.sink = sink
        self.spool = spool
        self.acked = 0  # every batch up to this one is stored or dead-lettered
        self.offered = 0
        self.next_try = 0.0
        self.backoff = FIRST_BACKOFF_SECONDS
        self.down_reason: str | None = None
        # a sink that cannot deduplicate: every record through the spool, once
        self.exact = not sink.idempotent
        self.read_limit = (
            min(SPOOL_READ_RECORDS, sink.write_limit) if self.exact else (SPOOL_READ_RECORDS)
        )
        self.skip = spool.marks() if self.exact else {}
        self.retrying = False

    def untaken(self, records: list[CollectedRecord]) -> list[CollectedRecord]:
        """The records this lane has not taken yet (all of them but after a restart)."""
        skip = self.skip
        if not skip:
            return records
        return [r for r in records if r.offset >= skip.get(r.id[:16], -1)]

    def ready(self, now: float) -> bool:
        return now >= self.next_try

    def failed(self, reason: str, now: float) -> None:
        if self.down_reason is None:
            events.emit(
                "warning",
                "sink unavailable; records wait on disk",
                sink=self.sink.name,
                reason=reason,
            )
        self.down_reason = reason
        self.retrying = True
        self.next_try = now + self.backoff
        self.backoff = min(self.backoff * 2, MAX_BACKOFF_SECONDS)

    def recovered(self) -> None:
        if self.down_reason is not None:
            events.emit("info", "sink available again", sink=self.sink.name)
        self.down_reason = None
        self.backoff = FIRST_BACKOFF_SECONDS
        self.next_try = 0.0


class Delivery:
    def __init__(
        self,
        sinks: Sequence[Sink],
        state: StateStore,
        checkpoints: Checkpoints,
        counters: Counters,
        *,
        buffer_max_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.lanes = []
        self.dead_letters = DeadLetters(state.connection)
        for sink in sinks:
            spool = Spool(state.connection, sink.name, checkpoints.pipeline)
            doubt = spool.in_doubt()
            if doubt:  # kept, not sent again: the sink may hold them
                self.dead_letters.add(sink.name, [(r, IN_DOUBT_REASON) for r in doubt])
                spool.drop_in_doubt()
                counters.sink(sink.name).dead_lettered += len(doubt)
            self.lanes.append(Lane(sink, spool))
            counters.sink(sink.name).buffered = len(spool)
        self.checkpoints = checkpoints
        self.counters = counters
        self.buffer_max_bytes = buffer_max_bytes
        self._seq = 0
        self._pending: dict[int, dict[str, int]] = {}  # batch -> stream end offsets

    # -- the flow -------------------------------------------------------------------------
    def submit(self, records: list[CollectedRecord], marks: dict[str, int]) -> None:
        """One batch, in reading order; ``marks`` are the stream offsets it reaches."""
        self._seq += 1
        seq = self._seq
        self._pending[seq] = marks
        sources = _by_source(records)
        now = time.monotonic()
        for lane in self.lanes:
            lane.offered = seq
            if lane.exact:
                taken = lane.untaken(records)
                if taken:
                    # only streams that are read again from a checkpoint need marks
                    reached = {
                        source_digest(identity): offset
                        for identity, offset in marks.items()
                        if self.checkpoints.offset(identity) is not None
                    }
                    lane.spool.append(seq, taken, reached)
                    self.counters.sink(lane.sink.name).buffered = len(lane.spool)
                elif not len(lane.spool):
                    lane.acked = seq
                continue
            if not records:
                if not len(lane.spool):
                    lane.acked = seq
                continue
            if not len(lane.spool) and lane.ready(now):
                result = self._write(lane, records, now)
                if result is not None:
                    self._account(lane, records, result, sources)
                    lane.acked = seq
                    continue
            lane.spool.append(seq, records)
            self.counters.sink(lane.sink.name).buffered = len(lane.spool)
        self._settle()

    def pump(self) -> None:
        """Retry the disk buffers whose sinks are due."""
        now = time.monotonic()
        for lane in self.lanes:
            while len(lane.spool) and lane.ready(now):
                records, last, size = lane.spool.peek(lane.read_limit)
                if lane.exact:
                    lane.spool.sending(last)
                result = self._write(lane, records, now)
                if result is None:
                    if lane.exact:
                        lane.spool.not_sent()
                    break
                self._account(lane, records, result, None)
                lane.spool.pop(last, len(records), size)
                counts = self.counters.sink(lane.sink.name)
                if lane.retrying or not lane.exact:
                    counts.retried += len(records)
                counts.buffered = len(lane.spool)
                if not len(lane.spool):
                    lane.retrying = False
                oldest = lane.spool.oldest_batch()
                lane.acked = lane.offered if oldest is None else max(lane.acked, oldest - 1)
                now = time.monotonic()
        self._settle()

    def _write(self, lane: Lane, records: list[CollectedRecord], now: float) -> WriteResult | None:
        try:
            result = lane.sink.write(records)
        except SinkUnavailable as exc:
            lane.failed(str(exc) or type(exc).__name__, now)
        except Exception as exc:  # noqa: BLE001 - a faulty sink must not lose the batch
            lane.failed(f"{type(exc).__name__}: {exc}", now)
        else:
            lane.recovered()
            return result
        self.counters.sink(lane.sink.name).down = True
        return None

    def _account(
        self,
        lane: Lane,
        records: list[CollectedRecord],
        result: WriteResult,
        sources: Counter[str] | None,
    ) -> None:
        counts = self.counters.sink(lane.sink.name)
        counts.down = False
        if result.rejected:
            self.dead_letters.add(lane.sink.name, result.rejected)
        counts.stored += len(records) - len(result.rejected)
        counts.dead_lettered += len(result.rejected)
        counts.retried += result.retried
        counts.by_source.update(sources if sources is not None else _by_source(records))

    def _settle(self) -> None:
        if not self._pending:
            return
        acked = min((lane.acked for lane in self.lanes), default=self._seq)
        done = [seq for seq in self._pending if seq <= acked]
        if not done:
            return
        reached: dict[str, int] = {}
        for seq in sorted(done):
            for identity, offset in self._pending.pop(seq).items():
                if offset > reached.get(identity, -1):
                    reached[identity] = offset
        self.checkpoints.advance(reached)

    # -- state ----------------------------------------------------------------------------
    def backpressure(self) -> bool:
        return any(lane.spool.bytes >= self.buffer_max_bytes for lane in self.lanes)

    def settled(self) -> bool:
        return not any(len(lane.spool) for lane in self.lanes) and not self._pending

    def retry_in(self) -> float | None:
        now = time.monotonic()
        due = [lane.next_try - now for lane in self.lanes if len(lane.spool)]
        return max(0.0, min(due)) if due else None

    def flush(self, deadline: float) -> bool:
        """Keep retrying until everything is delivered or ``deadline`` passes."""
        while not self.settled() and time.monotonic() < deadline:
            self.pump()
            wait = self.retry_in()
            if wait is None:
                break
            time.sleep(min(max(wait, 0.01), max(0.0, deadline - time.monotonic())))
        return self.settled()


def _by_source(records: list[CollectedRecord]) -> Counter[str]:
    if records and records[0].source == records[-1].source:
        first = records[0].source
        if all(r.source == first for r in records):
            return Counter({first: len(records)})
    return Counter(r.source for r in records)
