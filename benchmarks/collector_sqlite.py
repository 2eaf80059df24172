"""Collecting a file into SQLite: lines per second, MiB per second, peak memory, one core.

The file holds schema-valid JSON lines of about 500 bytes: server hops, client hops (some of
them failed, with their error; each hop with its start and end), and plain log lines of the
services, all with trace ids, as the SDK writes them. It is generated here, then read once
by the collector exactly as ``hopscope collect FILE --sink sqlite:///...`` does: split,
parse (orjson), validate against the record schema, deterministic ids, batches into the
SQLite layout (indexes, full-text search, WAL, idempotent inserts), checkpoints after each
acknowledged batch.

Compared in the same run:
- validators on the same documents: the collector's validator specialised from the schema,
  fastjsonschema (what ``sdk.schema.validate`` uses), jsonschema;
- the whole path against a straightforward loop (json.loads, fastjsonschema, the same
  INSERT into the same layout, executemany in batches): the ratio is what the collector's
  design buys over it.

Each measured run is a child process of its own, so its peak resident memory is its own.

    .venv/bin/python benchmarks/collector_sqlite.py            # 1,000,000 lines
    .venv/bin/python benchmarks/collector_sqlite.py --quick    # 100,000 lines
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve()
TARGET_LINES_PER_SECOND = 100_000


# -- the file -----------------------------------------------------------------------------
def write_lines(path: Path, count: int) -> int:
    from sdk.schema import format_timestamp, parse_timestamp

    rng = random.Random(7)
    day_ns = parse_timestamp("2026-11-25T00:00:00Z")
    services = ["cart", "checkout", "payments", "inventory", "users"]
    routes = ["/carts/{cart_id}", "/orders/{order_id}/items", "/payments", "/users/{user_id}"]
    words = [
        "price",
        "recalculated",
        "for",
        "cart",
        "items",
        "discount",
        "applied",
        "stock",
        "reserved",
        "order",
        "created",
        "payment",
        "authorised",
        "declined",
        "retry",
    ]
    size = 0
    with path.open("wb") as out:
        for n in range(count):
            second, micro = divmod(n * 250, 1_000_000)  # 4,000 lines a second
            clock = f"{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            service = services[n % 5]
            doc: dict[str, Any] = {
                "@timestamp": f"2026-11-25T{clock}.{micro:06d}Z",
                "log.level": "info",
                "message": "request handled",
                "service.name": service,
                "service.version": "1.4.2",
                "service.environment": "prod",
                "hopscope.schema_version": "1",
                "trace.id": f"{rng.getrandbits(128):032x}",
                "span.id": f"{rng.getrandbits(64):016x}",
            }
            kind = n % 4
            if kind == 0:
                status = 200 if n % 50 else 503
                doc.update(
                    {
                        "message": f"GET {routes[n % 4]} {status}",
                        "hopscope.hop.kind": "server",
                        "parent.id": f"{rng.getrandbits(64):016x}",
                        "service.origin.name": services[(n + 1) % 5],
                        "http.request.method": "GET",
                        "http.route": routes[n % 4],
                        "url.path": f"/carts/{n}",
                        "http.response.status_code": status,
                        "event.duration": rng.randrange(100_000, 90_000_000),
                        "event.outcome": "success" if status < 500 else "failure",
                    }
                )
            elif kind == 1:
                failed = n % 37 == 0
                doc.update(
                    {
                        "message": "POST inventory /reserve",
                        "hopscope.hop.kind": "client",
                        "hopscope.hop.attempt": 1 + (n % 3 == 0),
                        "service.target.name": "inventory",
                        "http.request.method": "POST",
                        "url.full": f"http://inventory:8000/reserve/{n}",
                        "http.response.status_code": 504 if failed else 201,
                        "event.duration": rng.randrange(100_000, 50_000_000),
                        "event.outcome": "failure" if failed else "success",
                    }
                )
                if failed:
                    doc["log.level"] = "error"
                    doc["error.type"] = "httpx.ReadTimeout"
                    doc["error.message"] = "timed out reading the response"
            else:
                doc.update(
                    {
                        "message": " ".join(rng.choices(words, k=7)),
                        "log.logger": f"{service}.pricing",
                        "labels.cart_items": rng.randrange(1, 9),
                        "labels.currency": "EUR",
                    }
                )
            if kind < 2:  # a hop: when it started and ended, as the SDK writes them
                end_ns = day_ns + second * 1_000_000_000 + micro * 1000
                doc["event.start"] = format_timestamp(end_ns - doc["event.duration"])
                doc["event.end"] = doc["@timestamp"]
            line = orjson.dumps(doc) + b"\n"
            out.write(line)
            size += len(line)
    return size


# -- child runs ---------------------------------------------------------------------------
def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_hopscope(path: Path, work: Path) -> dict[str, Any]:
    from collector.collect import Collector, CollectorOptions
    from collector.delivery.state import StateStore
    from collector.sinks.sqlite import SqliteSink
    from collector.sources.files import FileSource

    state = StateStore(work / "state")
    sink = SqliteSink(work / "hopscope.db")
    checkpoints = Collector.checkpoints_for(state, [sink])
    source = FileSource(str(path), checkpoints, follow=False, max_line_bytes=1 << 20)
    collector = Collector([source], [sink], state, CollectorOptions(), checkpoints=checkpoints)
    start = time.perf_counter()
    counters = collector.run()
    elapsed = time.perf_counter() - start
    sink.close()
    stored = counters.sinks[sink.name].stored
    return {"seconds": elapsed, "stored": stored, "peak_mib": peak_mib()}


def child_parse_only(path: Path, work: Path) -> dict[str, Any]:
    from collector.transforms.lines import LineSplitter
    from collector.transforms.origin import Origin
    from collector.transforms.parse import Parser

    parser, origin = Parser(), Origin("bench", str(path))  # compiles the validator
    splitter = LineSplitter()
    records = 0
    start = time.perf_counter()
    with path.open("rb", buffering=0) as handle:
        while chunk := handle.read(1 << 20):
            records += len(parser.parse(origin, splitter.feed(chunk)).records)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "stored": records, "peak_mib": peak_mib()}


def child_sink_only(path: Path, work: Path) -> dict[str, Any]:
    """The SQLite sink alone: rounds are read and parsed as the collector does, untimed; only
    ``SqliteSink.write`` is timed. Its rate is the ceiling of the whole path on this machine."""
    from collector.collect import CollectorOptions
    from collector.sinks.sqlite import SqliteSink
    from collector.transforms.lines import LineSplitter
    from collector.transforms.origin import Origin
    from collector.transforms.parse import Parser

    parser, origin = Parser(), Origin("bench", str(path))
    splitter = LineSplitter()
    sink = SqliteSink(work / "sink-only.db")
    stored = 0
    elapsed = 0.0
    with path.open("rb", buffering=0) as handle:
        while chunk := handle.read(CollectorOptions().batch_bytes):
            records = parser.parse(origin, splitter.feed(chunk)).records
            start = time.perf_counter()
            stored += sink.write(records).stored
            elapsed += time.perf_counter() - start
    sink.close()
    return {"seconds": elapsed, "stored": stored, "peak_mib": peak_mib()}


def child_plain_loop(path: Path, work: Path) -> dict[str, Any]:
    """The obvious way: json, fastjsonschema, one INSERT per row in big transactions."""
    import fastjsonschema

    from collector.sinks.sqlite import _FIELDS, _INSERT
    from collector.timestamps import timestamp_parser
    from collector.transforms.record import record_id
    from sdk import schema
    from sdk.schema.sqlite_layout import DDL

    validate = fastjsonschema.compile(dict(schema.schema()))
    db = sqlite3.connect(work / "plain.db", isolation_level=None)
    db.executescript(DDL)  # the plain layout: full text kept by the per-row trigger
    db.execute("PRAGMA synchronous = NORMAL")
    timestamp = timestamp_parser()
    rows: list[tuple[Any, ...]] = []
    stored = 0
    start = time.perf_counter()
    offset = 0
    with path.open("rb") as handle:
        for line in handle:
            doc = json.loads(line)
            validate(doc)
            rid = record_id("plain", offset)
            doc["hopscope.record.id"] = rid
            rows.append(
                (
                    rid,
                    timestamp(doc["@timestamp"]),
                    *[doc.get(f) for f in _FIELDS],
                    0,
                    str(path),
                    offset,
                    json.dumps(doc),
                    None,
                )
            )
            offset += len(line)
            if len(rows) == 2000:
                db.execute("BEGIN")
                db.executemany(_INSERT, rows)
                db.execute("COMMIT")
                stored += len(rows)
                rows.clear()
    if rows:
        db.execute("BEGIN")
        db.executemany(_INSERT, rows)
        db.execute("COMMIT")
        stored += len(rows)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "stored": stored, "peak_mib": peak_mib()}


def child_validators(path: Path, work: Path) -> dict[str, Any]:
    import fastjsonschema
    import jsonschema

    from collector.transforms.validation import record_validator
    from sdk import schema

    with path.open("rb") as handle:
        docs = [orjson.loads(line) for _, line in zip(range(200_000), handle, strict=False)]
    results: dict[str, Any] = {"docs": len(docs)}
    ours = record_validator().is_valid
    start = time.perf_counter()
    assert all(ours(d) for d in docs)
    results["specialised"] = len(docs) / (time.perf_counter() - start)
    fast = fastjsonschema.compile(dict(schema.schema()))
    start = time.perf_counter()
    for d in docs:
        fast(d)
    results["fastjsonschema"] = len(docs) / (time.perf_counter() - start)
    slow = jsonschema.Draft202012Validator(dict(schema.schema()))
    sample = docs[:20_000]
    start = time.perf_counter()
    for d in sample:
        slow.validate(d)
    results["jsonschema"] = len(sample) / (time.perf_counter() - start)
    return results


CHILDREN = {
    "hopscope": child_hopscope,
    "parse": child_parse_only,
    "sink": child_sink_only,
    "plain": child_plain_loop,
    "validators": child_validators,
}


def run_child(
    *args: str | Path, script: Path = HERE, cpus: set[int] | None = None
) -> dict[str, Any]:
    """``script --child ARGS`` in a process of its own (on *cpus* if given): the JSON object
    its last line prints."""
    pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    out = subprocess.run(
        [sys.executable, str(script), "--child", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=pin,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def arguments(doc: str, child: tuple[str, ...]) -> argparse.Namespace:
    """The options every collector benchmark takes; *child* names a child run's arguments."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 lines instead of 1,000,000")
    parser.add_argument("--lines", type=int, help="number of lines")
    parser.add_argument("--child", nargs=len(child), metavar=child, help=argparse.SUPPRESS)
    return parser.parse_args()


# -- report -------------------------------------------------------------------------------
def main() -> int:
    args = arguments(__doc__, ("NAME", "FILE", "WORK"))
    if args.child:
        name, file, work = args.child
        sys.path.insert(0, str(HERE.parent.parent))
        print(json.dumps(CHILDREN[name](Path(file), Path(work))))
        return 0
    count = args.lines or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="hopscope-bench-") as tmp:
        work = Path(tmp)
        path = work / "lines.jsonl"
        size = write_lines(path, count)
        mib = size / 1024 / 1024
        print(f"file: {count:,} lines, {mib:.1f} MiB, {size / count:.0f} bytes a line")
        cores = os.cpu_count() or 1
        print(
            "machine: {} cores, load average {:.1f} {:.1f} {:.1f} (figures shrink when the "
            "load passes the cores)".format(cores, *os.getloadavg())
        )

        validators = run_child("validators", path, work)
        print(f"\nvalidators ({validators['docs']:,} documents, documents/s):")
        base = validators["fastjsonschema"]
        for name in ("specialised", "fastjsonschema", "jsonschema"):
            rate = validators[name]
            print(f"  {name:<16} {rate:>12,.0f}   x{rate / base:.2f} vs fastjsonschema")

        print("\none core, into SQLite:")
        results = {}
        for name, label in (
            ("parse", "split+parse+validate only"),
            ("sink", "SQLite sink only (write)"),
            ("hopscope", "hopscope collector -> SQLite"),
            ("plain", "plain loop -> SQLite"),
        ):
            result = run_child(name, path, work)
            results[name] = result
            rate = result["stored"] / result["seconds"]
            print(
                f"  {label:<30} {rate:>10,.0f} lines/s {mib / result['seconds']:>7.1f} MiB/s"
                f"  peak {result['peak_mib']:.0f} MiB  ({result['stored']:,} records)"
            )
        ours = results["hopscope"]["stored"] / results["hopscope"]["seconds"]
        plain = results["plain"]["stored"] / results["plain"]["seconds"]
        print(f"\nhopscope / plain loop: x{ours / plain:.2f}")
        per_line = {name: r["seconds"] / r["stored"] * 1e6 for name, r in results.items()}
        budget = 1e6 / TARGET_LINES_PER_SECOND
        print(
            f"per line: parse {per_line['parse']:.1f} us + SQLite sink {per_line['sink']:.1f} us"
            f" (whole collector {per_line['hopscope']:.1f} us); the target leaves"
            f" {budget:.0f} us"
        )
        verdict = "meets" if ours >= TARGET_LINES_PER_SECOND else "misses"
        print(
            f"target {TARGET_LINES_PER_SECOND:,} validated lines/s into SQLite: {verdict} "
            f"({ours:,.0f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
