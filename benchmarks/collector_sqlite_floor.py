"""How fast can any SQLite store take validated lines on one core of this machine?

``collector_sqlite.py`` measures the collector as shipped. This benchmark asks what a store
built on SQLite could reach at best, so that a target can be judged against the machine
rather than against one layout. Every run reads the same generated file (the one
``collector_sqlite.py`` writes) through the collector's own reader, parser and validator,
then stores it in one of these layouts, each cheaper than anything the dashboard could use:

- ``blocks``: 512 lines a row, as one blob, and nothing else. No index at all: the floor of
  any SQLite store (a store nobody can search).
- ``blocks + trace index``: plus one key per (trace id, block), by generation of blocks so
  that each commit touches the newest part of the index only. The least a store needs to
  find a trace's records.
- ``blocks + trace + hops + text``: plus a narrow row per hop (time, service, route,
  status, duration, failure, ids; indexed by time) and full text of the messages per block.
  The least that answers the dashboard's requests, statistics and word searches.
- ``shipped layout``: the collector's SQLite sink as it is, for comparison.

Each store is built in the collector's rhythm: 1 MiB read, parsed and inserted at once, one
transaction per 16 MiB. The line bytes are taken as given (a real block store would keep
the bytes it read; here they are re-encoded outside the timed parts), so these figures are
a ceiling. With ``apsw`` installed, the block layouts are also measured on its newer SQLite.

Each run is a child process of its own; parse time and store time are timed apart.

    .venv/bin/python benchmarks/collector_sqlite_floor.py            # 1,000,000 lines
    .venv/bin/python benchmarks/collector_sqlite_floor.py --quick    # 100,000 lines
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from collector_sqlite import (
    TARGET_LINES_PER_SECOND,
    arguments,
    peak_mib,
    run_child,
    write_lines,
)

HERE = Path(__file__).resolve()
BLOCK_LINES = 512
GENERATION_BLOCKS = 256  # trace keys are grouped by generations of this many blocks
READ_BYTES = 1 << 20
COMMIT_READS = 16  # one transaction per 16 MiB, as the collector's rounds

BLOCK_DDL = """
CREATE TABLE blocks (rowid INTEGER PRIMARY KEY, first_ns INTEGER, last_ns INTEGER,
    first_id TEXT, lines BLOB);
CREATE TABLE trace_blocks (generation INTEGER, trace_id TEXT, block INTEGER,
    PRIMARY KEY (generation, trace_id, block)) WITHOUT ROWID;
CREATE TABLE hops (rowid INTEGER PRIMARY KEY, block INTEGER, ts_ns INTEGER, kind TEXT,
    service TEXT, route TEXT, status INTEGER, duration_ns INTEGER, failed INTEGER,
    trace_id TEXT, span_id TEXT, parent_id TEXT, target_service TEXT);
CREATE INDEX hops_ts ON hops (ts_ns);
CREATE VIRTUAL TABLE block_text USING fts5 (message, content = '')
"""
PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = NORMAL",
    "cache_size = -131072",
    "wal_autocheckpoint = 10000",
)
#: layout name -> what it keeps beside the blocks
LAYOUTS = {
    "blocks": (),
    "blocks + trace index": ("trace",),
    "blocks + trace + hops + text": ("trace", "hops", "text"),
}

Rows = list[tuple[Any, ...]]


class Engine:
    """The few calls the block layouts need, on the stdlib's SQLite or apsw's."""

    def __init__(self, name: str, path: Path) -> None:
        if name == "apsw":
            import apsw

            connection = apsw.Connection(str(path))
            self.version = apsw.sqlite_lib_version()
            self.execute: Callable[[str], object] = lambda sql: list(connection.execute(sql))
            self.executemany: Callable[[str, Rows], object] = connection.executemany
        else:
            db = sqlite3.connect(path, isolation_level=None)
            self.version = sqlite3.sqlite_version
            self.execute = db.execute
            self.executemany = db.executemany
        for pragma in PRAGMAS:
            self.execute(f"PRAGMA {pragma}")
        for statement in BLOCK_DDL.split(";"):
            self.execute(statement)


def block_rows(
    records: Sequence[Any],
    lines: list[bytes],
    first_block: int,
    keeps: tuple[str, ...],
    timestamp: Callable[[str], int],
) -> tuple[Rows, Rows, Rows, Rows]:
    """The rows of each table for one piece of records, cut in blocks."""
    blocks: Rows = []
    traces: Rows = []
    hops: Rows = []
    texts: Rows = []
    for start in range(0, len(records), BLOCK_LINES):
        block = first_block + len(blocks)
        docs = [r.doc for r in records[start : start + BLOCK_LINES]]
        times = [timestamp(d["@timestamp"]) for d in docs]
        blocks.append(
            (
                block,
                min(times),
                max(times),
                records[start].id,
                b"\n".join(lines[start : start + BLOCK_LINES]),
            )
        )
        if "trace" in keeps:
            generation = block // GENERATION_BLOCKS
            traces.extend({(generation, d["trace.id"], block) for d in docs if "trace.id" in d})
        if "hops" in keeps:
            for doc, ts_ns in zip(docs, times, strict=True):
                kind = doc.get("hopscope.hop.kind")
                if kind is not None:
                    status = doc.get("http.response.status_code")
                    failed = (
                        "error.type" in doc
                        or doc.get("event.outcome") == "failure"
                        or (status or 0) >= 500
                    )
                    hops.append(
                        (
                            block,
                            ts_ns,
                            kind,
                            doc.get("service.name"),
                            doc.get("http.route"),
                            status,
                            doc.get("event.duration"),
                            failed,
                            doc.get("trace.id"),
                            doc.get("span.id"),
                            doc.get("parent.id"),
                            doc.get("service.target.name"),
                        )
                    )
        if "text" in keeps:
            texts.append((block, "\n".join([d.get("message", "") for d in docs])))
    return blocks, traces, hops, texts


INSERTS = (
    "INSERT INTO blocks VALUES (?, ?, ?, ?, ?)",
    "INSERT OR IGNORE INTO trace_blocks VALUES (?, ?, ?)",
    "INSERT INTO hops (block, ts_ns, kind, service, route, status, duration_ns, failed,"
    " trace_id, span_id, parent_id, target_service) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO block_text (rowid, message) VALUES (?, ?)",
)


def child(layout: str, engine_name: str, path: Path, work: Path) -> dict[str, Any]:
    from collector.sinks.sqlite import SqliteSink
    from collector.timestamps import timestamp_parser
    from collector.transforms.lines import LineSplitter
    from collector.transforms.origin import Origin
    from collector.transforms.parse import Parser

    parser, origin, splitter = Parser(), Origin("bench", str(path)), LineSplitter()
    timestamp = timestamp_parser()
    store = work / "floor-{}-{}.db".format(engine_name, "-".join(layout.replace("+", "").split()))
    shipped = layout == "shipped layout"
    sink = SqliteSink(store) if shipped else None
    engine = None if shipped else Engine(engine_name, store)
    keeps = LAYOUTS.get(layout, ())
    parse_seconds = store_seconds = 0.0
    stored = reads = 0
    next_block = 1
    pending: list[Any] = []  # the shipped sink takes a whole round in one write
    with path.open("rb", buffering=0) as handle:
        while True:
            start = time.perf_counter()
            chunk = handle.read(READ_BYTES)
            records = parser.parse(origin, splitter.feed(chunk)).records if chunk else []
            parse_seconds += time.perf_counter() - start
            reads += 1
            last = not chunk
            if sink is not None:
                start = time.perf_counter()
                pending += records
                if reads % COMMIT_READS == 0 or last:
                    stored += sink.write(pending).stored
                    pending = []
                store_seconds += time.perf_counter() - start
            elif engine is not None:
                lines = [orjson.dumps(r.doc) for r in records]  # the bytes read: untimed
                start = time.perf_counter()
                if reads % COMMIT_READS == 1:
                    engine.execute("BEGIN")
                tables = block_rows(records, lines, next_block, keeps, timestamp)
                next_block += len(tables[0])
                for insert, rows in zip(INSERTS, tables, strict=True):
                    if rows:
                        engine.executemany(insert, rows)
                if reads % COMMIT_READS == 0 or last:
                    engine.execute("COMMIT")
                stored += len(records)
                store_seconds += time.perf_counter() - start
            if last:
                break
    version = sqlite3.sqlite_version if engine is None else engine.version
    return {
        "parse_seconds": parse_seconds,
        "store_seconds": store_seconds,
        "stored": stored,
        "peak_mib": peak_mib(),
        "sqlite": version,
        "store_mib": sum(f.stat().st_size for f in work.glob(store.name + "*")) / 2**20,
    }


def decode_only(path: Path) -> dict[str, Any]:
    """orjson.loads alone, on the first 200,000 lines: less than any validated parse costs."""
    with path.open("rb") as handle:
        lines = list(islice(handle, 200_000))
    start = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return {"seconds": time.perf_counter() - start, "lines": len(lines)}


def run(*args: str | Path) -> dict[str, Any]:
    """One child run, every one on the same single core."""
    return run_child(*args, script=HERE, cpus={max(os.sched_getaffinity(0))})


def main() -> int:
    args = arguments(__doc__, ("LAYOUT", "ENGINE", "FILE", "WORK"))
    if args.child:
        layout, engine, file, work = args.child
        sys.path.insert(0, str(HERE.parent.parent))
        path = Path(file)
        found = decode_only(path) if layout == "decode" else child(layout, engine, path, Path(work))
        print(json.dumps(found))
        return 0
    count = args.lines or (100_000 if args.quick else 1_000_000)
    engines = ["sqlite3"] + (["apsw"] if importlib.util.find_spec("apsw") else [])
    with tempfile.TemporaryDirectory(prefix="hopscope-floor-") as tmp:
        work = Path(tmp)
        path = work / "lines.jsonl"
        size = write_lines(path, count)
        print(f"file: {count:,} lines, {size / 2**20:.1f} MiB, {size / count:.0f} bytes a line")
        print(
            "machine: {} cores, load average {:.1f} {:.1f} {:.1f}; one core used".format(
                os.cpu_count() or 1, *os.getloadavg()
            )
        )
        if "apsw" not in engines:
            print("(apsw not installed: its newer SQLite is not measured)")
        decoded = run("decode", "-", path, work)
        decode_us = decoded["seconds"] / decoded["lines"] * 1e6
        print(f"orjson.loads alone: {decode_us:.2f} us a line (no validation, no split)\n")
        print(
            f"{'layout':<30} {'SQLite':<8} {'parse us':>8} {'store us':>8} {'lines/s':>9}"
            f" {'store-only/s':>12} {'peak MiB':>8} {'file MiB':>8}"
        )
        runs = [(layout, engine) for layout in LAYOUTS for engine in engines]
        runs.append(("shipped layout", "sqlite3"))
        fastest: dict[str, tuple[float, float]] = {}  # layout -> best (lines/s, store-only/s)
        for layout, engine in runs:
            r = run(layout, engine, path, work)
            parse_us = r["parse_seconds"] / r["stored"] * 1e6
            store_us = r["store_seconds"] / r["stored"] * 1e6
            rate = 1e6 / (parse_us + store_us)
            best = fastest.get(layout, (0.0, 0.0))
            fastest[layout] = (max(best[0], rate), max(best[1], 1e6 / store_us))
            print(
                f"{layout:<30} {r['sqlite']:<8} {parse_us:>8.2f} {store_us:>8.2f} {rate:>9,.0f}"
                f" {1e6 / store_us:>12,.0f} {r['peak_mib']:>8.0f} {r['store_mib']:>8.0f}"
            )
        budget = 1e6 / TARGET_LINES_PER_SECOND
        least, alone = fastest["blocks + trace + hops + text"]
        print(
            f"\nthe target, {TARGET_LINES_PER_SECOND:,} validated lines/s, leaves {budget:.0f} us"
            " a line for reading, parsing, validating and storing together."
        )
        print(
            f"the least layout the dashboard could query: {least:,.0f} lines/s with the"
            f" collector's parser, {alone:,.0f} lines/s storing alone (parsing free):"
            f" {'meets' if least >= TARGET_LINES_PER_SECOND else 'misses'} the target."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
