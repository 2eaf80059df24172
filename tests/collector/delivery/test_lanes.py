"""The delivery guarantees, in process: a sink down then up, refusals, backpressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collector.collect import Collector, CollectorOptions
from collector.delivery.deadletters import DeadLetters
from collector.delivery.state import StateStore
from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.sinks.sqlite import SqliteSink
from collector.sources.files import FileSource
from collector.transforms.record import CollectedRecord


class FlakySink(Sink):
    """A real SQLite sink that can be switched off: while off it raises SinkUnavailable."""

    def __init__(self, path: Path) -> None:
        self.inner = SqliteSink(path)
        self.name = f"flaky:{path}"
        self.up = threading.Event()
        self.up.set()
        self.failures = 0

    def write(self, records: Sequence[CollectedRecord]) -> WriteResult:
        if not self.up.is_set():
            self.failures += 1
            raise SinkUnavailable("switched off")
        return self.inner.write(records)


class PickySink(Sink):
    """Refuses records whose ``labels.n`` is a multiple of 7, stores the rest."""

    def __init__(self, path: Path) -> None:
        self.inner = SqliteSink(path)
        self.name = "picky"

    def write(self, records: Sequence[CollectedRecord]) -> WriteResult:
        bad = [(r, "multiple of seven") for r in records if r.doc.get("labels.n", 1) % 7 == 0]
        kept = [r for r in records if r.doc.get("labels.n", 1) % 7 != 0]
        result = self.inner.write(kept)
        return WriteResult(stored=result.stored, rejected=bad)


def write_lines(path: Path, helpers: Any, numbers: range) -> None:
    with path.open("ab") as out:
        for n in numbers:
            out.write(helpers.valid_line(n) + b"\n")


def collect(state: StateStore, sinks: list[Sink], path: Path, **options: Any) -> Collector:
    checkpoints = Collector.checkpoints_for(state, sinks)
    source = FileSource(str(path), checkpoints, follow=False, max_line_bytes=1 << 20)
    return Collector([source], sinks, state, CollectorOptions(**options), checkpoints=checkpoints)


def test_sink_down_then_up_loses_nothing(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    write_lines(log, helpers, range(5000))
    state = StateStore(tmp_path / "state")
    good, flaky = SqliteSink(tmp_path / "good.db"), FlakySink(tmp_path / "flaky.db")
    flaky.up.clear()
    collector = collect(state, [good, flaky], log, batch_bytes=64 * 1024)
    threading.Timer(1.0, flaky.up.set).start()
    counters = collector.run()
    assert flaky.failures >= 1
    assert helpers.stored_numbers(tmp_path / "good.db") == list(range(5000))
    assert helpers.stored_numbers(tmp_path / "flaky.db") == list(range(5000))
    assert counters.sinks[flaky.name].stored == 5000
    assert counters.sinks[flaky.name].retried > 0
    assert counters.sinks[flaky.name].buffered == 0
    assert helpers.stored_rows(state.path, "SELECT count(*) FROM spool") == [(0,)]
    # the checkpoint reached the end only once both had it
    assert helpers.stored_rows(state.path, "SELECT offset FROM checkpoints") == [
        (log.stat().st_size,)
    ]


def test_spooled_records_survive_a_stop_and_go_out_next_run(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    write_lines(log, helpers, range(300))
    state = StateStore(tmp_path / "state")
    flaky = FlakySink(tmp_path / "flaky.db")
    flaky.up.clear()
    collector = collect(state, [flaky], log, shutdown_seconds=0.3)
    threading.Timer(0.5, collector.request_stop).start()
    counters = collector.run()
    assert counters.sinks[flaky.name].buffered == 300
    assert helpers.stored_rows(state.path, "SELECT count(*) FROM spool") == [(300,)]
    assert helpers.stored_rows(state.path, "SELECT offset FROM checkpoints") == [(0,)]
    # next run: the sink is back; the spool and the re-read file give the same ids once
    flaky.up.set()
    counters = collect(state, [flaky], log).run()
    assert helpers.stored_numbers(tmp_path / "flaky.db") == list(range(300))
    assert helpers.stored_rows(state.path, "SELECT count(*) FROM spool") == [(0,)]


def test_refused_records_become_dead_letters_and_replay(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    write_lines(log, helpers, range(1, 101))
    state = StateStore(tmp_path / "state")
    picky = PickySink(tmp_path / "p.db")
    counters = collect(state, [picky], log).run()
    assert counters.sinks["picky"].stored + counters.sinks["picky"].dead_lettered == 100
    letters = DeadLetters(state.connection).list("picky")
    assert sorted(d.record.doc["labels.n"] for d in letters) == list(range(7, 101, 7))
    assert {d.reason for d in letters} == {"multiple of seven"}
    stored = helpers.stored_numbers(tmp_path / "p.db")
    assert sorted(stored + [d.record.doc["labels.n"] for d in letters]) == list(range(1, 101))


def test_backpressure_stops_reading_while_the_buffer_is_full(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    write_lines(log, helpers, range(20000))
    state = StateStore(tmp_path / "state")
    flaky = FlakySink(tmp_path / "flaky.db")
    flaky.up.clear()
    collector = collect(state, [flaky], log, batch_bytes=64 * 1024, buffer_max_bytes=200 * 1024)
    observed: list[int] = []

    def release() -> None:
        time.sleep(0.8)
        observed.append(collector.counters.source(str(log)).read)
        flaky.up.set()

    threading.Thread(target=release).start()
    counters = collector.run()
    assert 0 < observed[0] < 20000  # reading paused with the buffer full
    assert counters.source(str(log)).read == 20000
    assert helpers.stored_numbers(tmp_path / "flaky.db") == list(range(20000))
