"""The log-line questions of ``hopscope logs`` and the dashboard's Logs page on a large
store, beside ``grep -c`` and ``rg -c`` of the same words over the raw JSON lines the store
was built from.

The SQLite store is the one ``benchmarks/dashboard_queries.py`` generates and caches
(``.hopscope/bench/store-<N>.db``, 10,000,000 records by default, its raw lines beside it
as ``store-<N>.jsonl``); a cached store is first brought up to the collector's current
layout (the layout's own DDL), as the collector does when it opens a file. Median of
``--repeat`` runs each:

- the newest 100 lines matching words + service + minimum level (target <= 200 ms);
- the level histogram of the same filters over the last 24 h, 60 bars (target <= 300 ms);
  and without words: every line (the Logs page as it opens), one service, >= warning;
- the context of one line, 50 before and 50 after (target <= 50 ms);
- one trace's lines (target <= 50 ms);
- ``--follow``: a new line printed <= 2 s after the collector stored it. Measured end to
  end with the real parts: ``hopscope collect --follow`` writing a growing file into a
  fresh SQLite store and ``hopscope logs --follow`` reading it; the time from the record
  being in the store (polled every 5 ms) to its line on the follower's output. The
  query each ``--follow`` poll repeats is timed on the large store too.

and the same questions on the OpenSearch-API engine (``osmem-server``) holding
``--search-records`` records.

    .venv/bin/python benchmarks/logs_queries.py            # 10,000,000 records
    .venv/bin/python benchmarks/logs_queries.py --quick    # 300,000 records
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import orjson
from dashboard_queries import (
    big_traces,
    cached_store,
    median_ms,
    raw_lines,
    search_store,
    store_options,
)

from dashboards import open_store
from dashboards.logs_cli import FOLLOW_BATCH, FOLLOW_SLACK_NS
from dashboards.records import format_ns
from dashboards.store import LogQuery, Store

TARGET_LINES_MS = 200.0
TARGET_HISTOGRAM_MS = 300.0
TARGET_CONTEXT_MS = 50.0
TARGET_TRACE_MS = 50.0
TARGET_FOLLOW_S = 2.0
#: the Logs page's bars
HISTOGRAM_BUCKETS = 60
CONTEXT_LINES = 50
DAY_NS = 24 * 3600 * 1_000_000_000
HOPSCOPE = [sys.executable, "-m", "stack.cli"]

#: label -> (the words as typed, the query's other filters); the words are also grepped
SEARCHES: dict[str, tuple[str, LogQuery]] = {
    "'payment declined', payments, >= warning": (
        "payment declined",
        LogQuery(words=("payment declined",), services=("payments",), min_level="warning"),
    ),
    "stock, inventory, >= info": (
        "stock",
        LogQuery(words=("stock",), services=("inventory",), min_level="info"),
    ),
    "cache, 3 services, >= debug": (
        "cache",
        LogQuery(words=("cache",), services=("inventory", "users", "search"), min_level="debug"),
    ),
}

#: label -> filters without words: the Logs page as it opens (every line), and narrowed
OPENING_HISTOGRAMS: dict[str, LogQuery] = {
    "no filter": LogQuery(),
    "payments": LogQuery(services=("payments",)),
    ">= warning": LogQuery(min_level="warning"),
}

Result = tuple[str, float, float | None, str]


def newest(store: Store) -> int:
    return store.search_logs(LogQuery(limit=1)).lines[0].time_ns


def histogram(store: Store, query: LogQuery, latest: int, repeat: int) -> tuple[float, str]:
    """Median milliseconds of *query*'s 24 h histogram up to *latest*, and its lines."""
    day = replace(query, since_ns=latest - DAY_NS + 1, until_ns=latest + 1)
    counted = [0]

    def bars(_: int) -> None:
        counted[0] = sum(n for _, _, n in store.log_histogram(day, HISTOGRAM_BUCKETS))

    return median_ms(bars, repeat), f"{counted[0]} lines"


def measure(name: str, store: Store, repeat: int) -> list[Result]:
    results: list[Result] = []
    latest = newest(store)
    for label, (_, query) in SEARCHES.items():
        found = [0]

        def lines(_: int, query: LogQuery = query, found: list[int] = found) -> None:
            found[0] = len(store.search_logs(query).lines)

        ms = median_ms(lines, repeat)
        results.append((f"{name}: newest 100 lines, {label}", ms, TARGET_LINES_MS, f"{found[0]}"))
        ms, counted = histogram(store, query, latest, repeat)
        results.append((f"{name}:   histogram over 24 h", ms, TARGET_HISTOGRAM_MS, counted))
    for label, query in OPENING_HISTOGRAMS.items():
        ms, counted = histogram(store, query, latest, repeat)
        results.append((f"{name}: histogram over 24 h, {label}", ms, TARGET_HISTOGRAM_MS, counted))
    picked = [line.record_id for line in store.search_logs(LogQuery(limit=50)).lines]
    sizes = [0]

    def context(i: int) -> None:
        around = store.log_context(picked[i % len(picked)], CONTEXT_LINES, CONTEXT_LINES)
        sizes[0] = len(around.before) + len(around.after)

    ms = median_ms(context, repeat)
    results.append(
        (f"{name}: context of a line, 50 + 50", ms, TARGET_CONTEXT_MS, f"{sizes[0]} lines")
    )
    traces = big_traces(store)
    normal = [f"{index:032x}" for index in range(1, 40, 3)]
    for label, ids, limit in (
        ("1,201-hop trace, all its lines", traces, 1000),
        ("100-record trace", normal, 100),
    ):
        if not ids:
            continue
        count = [0]

        def trace_lines(
            i: int, ids: list[str] = ids, limit: int = limit, count: list[int] = count
        ) -> None:
            count[0] = len(
                store.search_logs(LogQuery(trace_id=ids[i % len(ids)], limit=limit)).lines
            )

        ms = median_ms(trace_lines, repeat)
        results.append((f"{name}: one trace's lines, {label}", ms, TARGET_TRACE_MS, f"{count[0]}"))
    poll = LogQuery(
        since_ns=latest - FOLLOW_SLACK_NS,
        services=("payments",),
        newest_first=False,
        limit=FOLLOW_BATCH,
    )
    ms = median_ms(lambda _: store.search_logs(poll), repeat)
    results.append((f"{name}: --follow's poll query (last 30 s)", ms, None, ""))
    return results


# -- grep and rg ----------------------------------------------------------------------------


def scan_seconds(command: list[str], repeat: int) -> tuple[float, str]:
    """Median seconds of *command* and what it printed (a count)."""
    times = []
    printed = ""
    for _ in range(repeat):
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - began)
        printed = done.stdout.strip()
    return statistics.median(times), printed


def scans(raw: Path, repeat: int) -> list[Result]:
    tools = [("grep -c -i -F", ["grep", "-c", "-i", "-F"])]
    if shutil.which("rg"):
        tools.append(("rg -c -i -F", ["rg", "-c", "-i", "-F"]))
    size = raw.stat().st_size / 1e9
    results: list[Result] = []
    scan_seconds(["cat", str(raw)], 1)  # into the page cache, as the store's pages are
    for words, _ in SEARCHES.values():
        for label, tool in tools:
            seconds, count = scan_seconds([*tool, words, str(raw)], repeat)
            results.append(
                (f"{label} '{words}' over {size:.1f} GB of raw lines", seconds * 1000, None, count)
            )
    return results


# -- --follow, end to end -------------------------------------------------------------------


class Arrivals:
    """The time each output line of a process arrives, read on a thread."""

    def __init__(self, stream: object) -> None:
        self.times: dict[str, float] = {}
        self._stream = stream
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for raw in iter(self._stream.readline, b""):  # type: ignore[attr-defined]
            self.times.setdefault(raw.decode(errors="replace"), time.perf_counter())

    def when(self, marker: str, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for text, at in list(self.times.items()):
                if marker in text:
                    return at
            time.sleep(0.002)
        return None


def stored_at(db: Path, marker: str, timeout: float) -> float | None:
    """When a record whose message is *marker* is in the store (polled every 5 ms)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                found = conn.execute(
                    "SELECT 1 FROM records WHERE message = ?", (marker,)
                ).fetchone()
            if found:
                return time.perf_counter()
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.005)
    return None


def follow_latency(count: int) -> tuple[list[float], list[float]]:
    """Seconds from stored to printed, and from written to printed, for *count* lines."""

    def line(message: str) -> bytes:
        doc = {
            "@timestamp": format_ns(time.time_ns()),
            "log.level": "warning",
            "message": message,
            "service.name": "payments",
            "hopscope.schema_version": "1",
        }
        return orjson.dumps(doc) + b"\n"

    stored: list[float] = []
    written: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hopscope-follow-") as tmp:
        work = Path(tmp)
        log, db = work / "payments.log", work / "hopscope.db"
        log.write_bytes(line("follow warm-up"))
        collect_args = ["collect", str(log), "--follow", "--sink", f"sqlite:///{db}"]
        state_args = ["--state-dir", str(work / "state"), "--no-progress"]
        collector = subprocess.Popen(
            [*HOPSCOPE, *collect_args, *state_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        follower = None
        try:
            if stored_at(db, "follow warm-up", 60) is None:
                raise RuntimeError("the collector stored nothing in 60 s")
            follower = subprocess.Popen(
                [
                    *HOPSCOPE,
                    "logs",
                    "--follow",
                    "--store",
                    f"sqlite:///{db}",
                    "--service",
                    "payments",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "NO_COLOR": "1"},
            )
            arrivals = Arrivals(follower.stdout)
            if arrivals.when("follow warm-up", 60) is None:
                raise RuntimeError("hopscope logs --follow printed nothing in 60 s")
            for n in range(count):
                marker = f"follow probe {n}"
                with log.open("ab") as handle:
                    handle.write(line(marker))
                began = time.perf_counter()
                in_store = stored_at(db, marker, 30)
                shown = arrivals.when(marker, 30)
                if in_store is None or shown is None:
                    raise RuntimeError(f"{marker!r} was not stored and printed within 30 s")
                stored.append(max(shown - in_store, 0.0))
                written.append(shown - began)
                time.sleep(0.3 + (n % 7) / 10)  # land anywhere in the poll interval
        finally:
            for process in (follower, collector):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
    return stored, written


# -- report ---------------------------------------------------------------------------------


def report(results: list[Result]) -> None:
    print(flush=True)
    width = max(len(r[0]) for r in results)
    for label, ms, target, found in results:
        verdict = ""
        if target is not None:
            verdict = "  ok" if ms <= target else f"  OVER target {target:.0f} ms"
        shown = f"{ms:10.2f} ms" if ms < 10_000 else f"{ms / 1000:10.2f} s "
        print(f"{label:<{width}}  {shown}  {found:>12}{verdict}", flush=True)


def main() -> int:
    parser = store_options(__doc__)
    parser.add_argument(
        "--scan-repeat", type=int, default=3, help="runs of each grep / rg (0: none)"
    )
    parser.add_argument(
        "--follow-lines", type=int, default=15, help="lines --follow is timed on (0: not timed)"
    )
    args = parser.parse_args()
    records = 300_000 if args.quick else args.records
    search_records = 30_000 if args.quick else args.search_records
    path = cached_store(args.cache, records)
    print("load average {:.1f} {:.1f} {:.1f}, {} cores".format(*os.getloadavg(), os.cpu_count()))

    with open_store(f"sqlite:///{path}") as store:
        results = measure(f"SQLite {records:,}", store, args.repeat)
    report(results)
    if args.scan_repeat > 0:
        results += scans(raw_lines(path), args.scan_repeat)
        report(results)
    stored, written = follow_latency(args.follow_lines) if args.follow_lines > 0 else ([], [])
    for label, seconds in (("stored -> printed", stored), ("written -> printed", written)):
        if not seconds:
            continue
        results.append(
            (
                f"--follow, {label} (median; max {max(seconds):.2f} s)",
                statistics.median(seconds) * 1000,
                TARGET_FOLLOW_S * 1000,
                f"{len(seconds)} lines",
            )
        )
    report(results)
    if not args.skip_search:
        with search_store(path, search_records) as store:
            results += measure(f"OpenSearch API {search_records:,}", store, args.repeat)
        report(results)
    print("load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
