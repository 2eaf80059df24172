from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from collector.collect import Collector, CollectorOptions
from collector.delivery.counters import Counters
from collector.delivery.state import StateStore
from collector.sinks.sqlite import SqliteSink
from collector.sources.files import FileSource


def test_render_shows_every_source_and_sink() -> None:
    counters = Counters()
    counters.source("logs/*.log").read = 10
    counters.source("logs/*.log").blank = 2
    counters.sink("sqlite:///x.db").stored = 9
    counters.sink("sqlite:///x.db").dead_lettered = 1
    counters.sink("gelf+tcp://g:12201").down = True
    text = counters.render()
    assert "logs/*.log" in text
    assert "(unavailable)" in text
    row = next(line for line in text.splitlines() if line.startswith("sqlite:///x.db"))
    assert row.split()[1:3] == ["9", "1"]
    source_row = next(line for line in text.splitlines() if line.startswith("logs/"))
    assert source_row.split()[1:3] == ["10", "2"]
    assert (counters.read, counters.blank) == (10, 2)  # blank lines apart, in no other count


def test_follow_mode_reports_counters_every_interval(tmp_path: Path, helpers: Any) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(helpers.valid_line(n) + b"\n" for n in range(10)))
    state = StateStore(tmp_path / "state")
    sink = SqliteSink(tmp_path / "out.db")
    checkpoints = Collector.checkpoints_for(state, [sink])
    source = FileSource(str(log), checkpoints, follow=True, max_line_bytes=1 << 20)
    seen: list[tuple[int, int]] = []
    collector = Collector(
        [source],
        [sink],
        state,
        CollectorOptions(follow=True, poll_seconds=0.02, stats_seconds=0.1),
        checkpoints=checkpoints,
        on_stats=lambda c: seen.append((c.source(str(log)).read, c.sink(sink.name).stored)),
    )
    thread = threading.Thread(target=collector.run)
    thread.start()
    deadline = time.monotonic() + 20
    while (len(seen) < 2 or seen[-1] != (10, 10)) and time.monotonic() < deadline:
        time.sleep(0.05)
    collector.request_stop()
    thread.join(20)
    assert len(seen) >= 2
    assert seen[-1] == (10, 10)
