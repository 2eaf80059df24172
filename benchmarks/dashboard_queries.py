"""The dashboard's two hot queries on a large store: fetching and rebuilding one big trace,
and the filtered requests search.

A SQLite store of ``--records`` records (default 10,000,000: about 100,000 traces, one in a
hundred with 1,200 hops) is generated straight into the collector's layout
(``sdk.schema.sqlite_layout``) with one ``executemany`` transaction, indexes and the
full-text table built after the load, and cached as ``.hopscope/bench/store-<N>.db`` for
the next run. Then, median of ``--repeat`` runs each:

- fetch a 1,000+-hop trace and rebuild its hop chain (target <= 100 ms);
- search requests with filters (service, status class, minimum duration, time window;
  errors only; free text) (target <= 300 ms);

and the same on the OpenSearch-API engine (``osmem-server``) holding ``--search-records``
records. Jaeger's published trace search on Elasticsearch takes about 1.3 s; the ratio to
it is printed for each search.

    .venv/bin/python benchmarks/dashboard_queries.py            # 10,000,000 records
    .venv/bin/python benchmarks/dashboard_queries.py --quick    # 300,000 records
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collector.transforms.record import record_ids  # noqa: E402
from dashboards import RequestQuery, TimeRange, build_tree, open_store  # noqa: E402
from dashboards.store import Store  # noqa: E402
from sdk.schema.sqlite_layout import COLUMNS, DDL  # noqa: E402

JAEGER_SEARCH_MS = 1300.0
TARGET_TRACE_MS = 100.0
TARGET_SEARCH_MS = 300.0
DAY0_NS = int(datetime(2026, 11, 25, tzinfo=UTC).timestamp()) * 1_000_000_000
SPAN_NS = 20 * 3600 * 1_000_000_000  # traces spread over 20 hours
RECORDS_PER_TRACE = 100
BIG_EVERY = 100
BIG_CALLS = 600  # 1 + 2 * 600 = 1,201 hops

SERVICES = ["gateway", "orders", "payments", "inventory", "users", "shipping", "search", "notify"]
ROUTES = {
    "gateway": ["/checkout", "/home", "/cart", "/search"],
    "orders": ["/orders", "/orders/{order_id}"],
    "payments": ["/pay", "/refund"],
    "inventory": ["/stock/{sku}", "/reserve"],
    "users": ["/users/{user_id}", "/users/{user_id}/prefs"],
    "shipping": ["/quote", "/labels"],
    "search": ["/find"],
    "notify": ["/email", "/sms"],
}
MESSAGES = [
    "order received",
    "stock reserved",
    "payment authorised",
    "user loaded",
    "quote computed",
    "cache miss",
    "email queued",
    "payment declined by bank",
]
#: Log lines' levels, by message (the rest are info): the logs benchmark filters on them.
LINE_LEVELS = {"cache miss": "debug", "payment declined by bank": "warning"}

#: The one source every generated line comes from (the raw file, as the collector names it).
SOURCE = "bench.jsonl"

INSERT_COLUMNS = ["id", "ts_ns", "source", "offset", "doc", *COLUMNS.values()]
INSERT_SQL = (
    f"INSERT INTO records ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608 - constant text
    f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
)


# -- generation ---------------------------------------------------------------------------


def stamp(ns: int) -> str:
    """RFC 3339 UTC with microseconds, without datetime (the generator's hot path)."""
    day_ns = ns - DAY0_NS
    seconds, rest = divmod(day_ns, 1_000_000_000)
    return (
        f"2026-11-25T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        f".{rest // 1000:06d}Z"
    )


class Rows:
    """Rows of the layout, built directly (no collector in the way). Each record is one
    line of a raw JSON-lines file (written to *raw* when given) and gets the id the
    collector gives it: the source's digest and the line's byte offset there."""

    def __init__(self, raw: IO[bytes] | None = None) -> None:
        self.n = 0
        self.offset = 0
        self.raw = raw
        self._id = record_ids(SOURCE)

    def make(self, doc: dict[str, Any], ts_ns: int) -> tuple[Any, ...]:
        self.n += 1
        line = orjson.dumps(doc)
        offset = self.offset
        self.offset += len(line) + 1
        if self.raw is not None:
            self.raw.write(line + b"\n")
        rid = self._id(offset)
        # what the collector adds to each record it reads
        doc["hopscope.record.id"] = rid
        doc["hopscope.source.name"] = SOURCE
        doc["hopscope.source.offset"] = offset
        values = [doc.get(name) for name in COLUMNS]
        return (rid, ts_ns, SOURCE, offset, orjson.dumps(doc).decode(), *values)


def trace_rows(rows: Rows, rng: random.Random, index: int, calls: int) -> Iterator[tuple[Any, ...]]:
    trace_id = f"{index:032x}"
    start = DAY0_NS + rng.randrange(SPAN_NS)
    duration = rng.randrange(5, 400) * 1_000_000 + calls * 200_000
    span_seq = 0

    def span() -> str:
        nonlocal span_seq
        span_seq += 1
        return f"{index % 65536:04x}{span_seq:012x}"

    def base(service: str, ts: int, level: str, message: str) -> dict[str, Any]:
        return {
            "@timestamp": stamp(ts),
            "log.level": level,
            "message": message,
            "service.name": service,
            "hopscope.schema_version": "1",
            "trace.id": trace_id,
        }

    root_failed = rng.random() < 0.02
    root_service = "gateway"
    route = rng.choice(ROUTES[root_service])
    root_span = span()
    servers: list[tuple[str, int, int, str]] = [(root_span, start, start + duration, root_service)]
    log = base(root_service, start + 100_000, "info", "request started")
    log["span.id"] = root_span
    yield rows.make(log, start + 100_000)
    for _ in range(calls):
        p_span, p_start, p_end, p_service = servers[rng.randrange(len(servers))]
        p_dur = p_end - p_start
        c_start = p_start + rng.randrange(max(p_dur // 2, 1))
        c_dur = max(p_dur * rng.randrange(10, 50) // 100, 2_000_000)
        c_end = min(c_start + c_dur, p_end)
        callee = rng.choice(SERVICES[1:])
        callee_route = rng.choice(ROUTES[callee])
        failed = rng.random() < 0.02
        status = 503 if failed else 200
        c_span = span()
        client = base(p_service, c_end, "error" if failed else "info", "client hop")
        client.update(
            {
                "span.id": c_span,
                "parent.id": p_span,
                "hopscope.hop.kind": "client",
                "event.start": stamp(c_start),
                "event.end": stamp(c_end),
                "event.duration": c_end - c_start,
                "event.outcome": "failure" if failed else "success",
                "http.request.method": "GET",
                "url.full": f"http://{callee}{callee_route}",
                "service.target.name": callee,
                "http.response.status_code": status,
                "hopscope.hop.attempt": 1,
            }
        )
        yield rows.make(client, c_end)
        s_start, s_end = c_start + 500_000, max(c_end - 500_000, c_start + 600_000)
        s_span = span()
        server = base(callee, s_end, "error" if failed else "info", "server hop")
        server.update(
            {
                "span.id": s_span,
                "parent.id": c_span,
                "hopscope.hop.kind": "server",
                "event.start": stamp(s_start),
                "event.end": stamp(s_end),
                "event.duration": s_end - s_start,
                "event.outcome": "failure" if failed else "success",
                "http.request.method": "GET",
                "http.route": callee_route,
                "url.path": callee_route,
                "http.response.status_code": status,
                "service.origin.name": p_service,
            }
        )
        if failed:
            server["error.type"] = "bench.Unavailable"
            server["error.message"] = "backend unavailable"
        yield rows.make(server, s_end)
        message = rng.choice(MESSAGES)
        line = base(callee, s_start + 100_000, LINE_LEVELS.get(message, "info"), message)
        line["span.id"] = s_span
        yield rows.make(line, s_start + 100_000)
        servers.append((s_span, s_start, s_end, callee))
    end = start + duration
    status = 500 if root_failed else rng.choice((200, 200, 200, 201, 404))
    root = base(root_service, end, "error" if root_failed else "info", "server hop")
    root.update(
        {
            "span.id": root_span,
            "hopscope.hop.kind": "server",
            "event.start": stamp(start),
            "event.end": stamp(end),
            "event.duration": duration,
            "event.outcome": "failure" if root_failed else "success",
            "http.request.method": "POST" if route == "/checkout" else "GET",
            "http.route": route,
            "url.path": route,
            "http.response.status_code": status,
        }
    )
    if root_failed:
        root["error.type"] = "bench.Broken"
    yield rows.make(root, end)


def plan(records: int) -> list[int]:
    """Calls per trace so the total comes to about *records*."""
    traces = max(records // RECORDS_PER_TRACE, 1)
    big = [i for i in range(traces) if i % BIG_EVERY == BIG_EVERY // 2]
    big_records = len(big) * (2 + 3 * BIG_CALLS)
    normal = traces - len(big)
    per_normal = max((records - big_records) / max(normal, 1), 2)
    calls = max(int((per_normal - 2) / 3), 0)
    out = [calls] * traces
    for i in big:
        out[i] = BIG_CALLS
    return out


def raw_lines(path: Path) -> Path:
    """The raw JSON lines a generated store at *path* was built from."""
    return path.with_suffix(".jsonl")


def generate(path: Path, records: int) -> None:
    """The store at *path*, and beside it the raw lines it holds (:func:`raw_lines`)."""
    from rich.progress import Progress

    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    raw_tmp = path.with_suffix(".jsonl.partial")
    db = sqlite3.connect(tmp, isolation_level=None)
    db.executescript(DDL)
    # Load first, index after: far faster than keeping eight indexes and the full-text
    # table up to date row by row. The layout's own DDL recreates them below.
    indexes = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    ]
    for name in indexes:
        db.execute(f"DROP INDEX {name}")
    db.execute("DROP TRIGGER records_fts_insert")
    db.executescript("PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF;")
    rng = random.Random(7)
    raw = raw_tmp.open("wb")
    rows = Rows(raw)
    calls = plan(records)
    with raw, Progress() as progress:
        task = progress.add_task("generating records", total=len(calls))
        db.execute("BEGIN")

        def all_rows() -> Iterator[tuple[Any, ...]]:
            for index, n in enumerate(calls):
                yield from trace_rows(rows, rng, index, n)
                if index % 1000 == 0:
                    progress.update(task, completed=index)

        db.executemany(INSERT_SQL, all_rows())
        db.execute("COMMIT")
        progress.update(task, completed=len(calls))
        task = progress.add_task("indexing", total=2)
        db.executescript(DDL)
        progress.update(task, advance=1)
        db.execute("INSERT INTO records_fts (records_fts) VALUES ('rebuild')")
        db.execute("ANALYZE")
        progress.update(task, advance=1)
    db.close()
    raw_tmp.rename(raw_lines(path))
    tmp.rename(path)


# -- measuring ----------------------------------------------------------------------------


def median_ms(run: Callable[[int], object], repeat: int) -> float:
    run(0)  # warm caches and connections once
    times = []
    for i in range(repeat):
        began = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def big_traces(store: Store, count: int = 5) -> list[str]:
    page = store.find_requests(RequestQuery(limit=200, order="slowest"))
    found = []
    for item in page.items:
        if item.hop_count >= 1000:
            found.append(item.trace_id)
        if len(found) == count:
            break
    return found


def searches(latest: datetime) -> dict[str, RequestQuery]:
    window = TimeRange(latest - timedelta(hours=6), latest)
    return {
        "service+5xx+min duration+6 h": RequestQuery(
            service="gateway", status_class=5, min_duration_ms=50, time=window
        ),
        "route, errors only": RequestQuery(route="/checkout", errors_only=True),
        "free text": RequestQuery(text="payment declined", service="gateway"),
        "latest 50": RequestQuery(),
    }


def measure(name: str, store: Store, repeat: int) -> list[tuple[str, float, float | None]]:
    results: list[tuple[str, float, float | None]] = []
    traces = big_traces(store)
    if traces:
        hops = [0]

        def fetch(i: int) -> None:
            tree = build_tree(store.fetch_trace(traces[i % len(traces)]).records)
            hops[0] = len(tree.hops)

        ms = median_ms(fetch, repeat)
        results.append((f"{name}: fetch + rebuild {hops[0]}-hop trace", ms, TARGET_TRACE_MS))
        trace = store.fetch_trace(traces[0]).records
        ms = median_ms(lambda _: build_tree(trace), repeat)
        results.append((f"{name}:   rebuild only ({len(trace)} records)", ms, None))
    latest = store.find_requests(RequestQuery(limit=1)).items[0].start
    for label, query in searches(latest).items():
        found = [0]

        def search(_: int, query: RequestQuery = query, found: list[int] = found) -> None:
            found[0] = len(store.find_requests(query).items)

        ms = median_ms(search, repeat)
        results.append(
            (f"{name}: requests search, {label} ({found[0]} rows)", ms, TARGET_SEARCH_MS)
        )
    return results


def fill_search(url: str, path: Path, records: int) -> None:
    """Copy the first *records* records of the SQLite store into the engine by ``_bulk``."""
    from collector.sinks.search.bulk import dated_index, encode_item
    from collector.sinks.search.roots import RootMarks, update_body
    from collector.transforms.record import CollectedRecord
    from sdk.schema.index_template import TEMPLATE_NAME, index_template

    def call(method: str, route: str, body: bytes, kind: str = "json") -> Any:
        req = urllib.request.Request(  # noqa: S310 - the engine's loopback http URL
            f"{url}{route}",
            data=body,
            method=method,
            headers={"content-type": f"application/{kind}"},
        )
        with urllib.request.urlopen(req, timeout=600) as answer:  # noqa: S310
            return orjson.loads(answer.read())

    call("PUT", f"/_index_template/{TEMPLATE_NAME}", orjson.dumps(index_template()))
    db = sqlite3.connect(path)
    # Whole traces: the first traces by id until the budget is spent.
    rows = db.execute(
        "SELECT id, doc FROM records WHERE trace_id IN (SELECT DISTINCT trace_id FROM records"
        " WHERE trace_id <= ? ) ",
        (f"{records // RECORDS_PER_TRACE:032x}",),
    )
    # Marked as the collector's search sink marks server hops (its root marks).
    roots = RootMarks()
    batch: list[CollectedRecord] = []

    def send(records: list[CollectedRecord]) -> None:
        marking = roots.mark(records)
        call(
            "POST",
            "/_bulk",
            b"".join(encode_item(r, dated_index(r.doc), marking.marks) for r in records),
            "x-ndjson",
        )
        updates = roots.settle(marking, [], dated_index)
        if updates:
            call("POST", "/_bulk", update_body(updates), "x-ndjson")

    for rid, doc in rows:
        batch.append(CollectedRecord(rid, orjson.loads(doc), "bench", 0))
        if len(batch) >= 5_000:
            send(batch)
            batch = []
    if batch:
        send(batch)
    call("POST", "/hopscope-records-*/_refresh", b"")
    db.close()


def report(results: list[tuple[str, float, float | None]]) -> None:
    print(flush=True)
    width = max(len(r[0]) for r in results)
    for label, ms, target in results:
        verdict = ""
        if target is not None:
            verdict = "  ok" if ms <= target else f"  OVER target {target:.0f} ms"
        ratio = ""
        if "search" in label:
            ratio = f"  {JAEGER_SEARCH_MS / ms:6.1f}x faster than Jaeger's ~1.3 s"
        print(f"{label:<{width}}  {ms:9.2f} ms{verdict}{ratio}", flush=True)


@contextmanager
def search_store(path: Path, records: int) -> Iterator[Store]:
    """An OpenSearch-API engine holding the first *records* records of the store at *path*."""
    from osmem_server import OsmemServer

    with OsmemServer.start(japanese=False) as engine:
        began = time.perf_counter()
        fill_search(engine.url, path, records)
        print(f"loaded the engine in {time.perf_counter() - began:.0f} s")
        with open_store(f"opensearch+{engine.url}") as store:
            yield store


def store_options(doc: str) -> argparse.ArgumentParser:
    """The options of a benchmark that runs on a generated store (and the search engine)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        default=10_000_000,
        help="records in the SQLite store (default 10,000,000)",
    )
    parser.add_argument("--quick", action="store_true", help="300,000 records, 30,000 on search")
    parser.add_argument(
        "--search-records",
        type=int,
        default=100_000,
        help="records copied into the OpenSearch-API engine (default 100,000)",
    )
    parser.add_argument("--repeat", type=int, default=15, help="runs per measurement")
    parser.add_argument("--skip-search", action="store_true", help="SQLite only")
    parser.add_argument(
        "--cache",
        type=Path,
        default=ROOT / ".hopscope" / "bench",
        help="where generated stores are kept and reused (default .hopscope/bench)",
    )
    return parser


def cached_store(cache: Path, records: int) -> Path:
    """The generated store of *records* records in *cache*, with its raw lines: reused when
    there (brought to the collector's current layout first, as the collector does when it
    opens a file), else generated."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"store-{records}.db"
    if path.exists() and raw_lines(path).exists():
        print(f"reusing {path}")
        ensure_layout(path)
        return path
    path.unlink(missing_ok=True)
    began = time.perf_counter()
    generate(path, records)
    print(f"generated {records:,} records in {time.perf_counter() - began:.0f} s: {path}")
    return path


def ensure_layout(path: Path) -> None:
    """The layout's indexes a store generated earlier lacks, added (and analysed)."""
    db = sqlite3.connect(path, isolation_level=None)
    listed = "SELECT name FROM sqlite_master WHERE type = 'index'"
    before = {row[0] for row in db.execute(listed)}
    db.executescript(DDL)
    added = {row[0] for row in db.execute(listed)} - before
    if added:
        print(f"added {', '.join(sorted(added))} to the cached store")
        db.execute("ANALYZE")
    db.close()


def main() -> int:
    args = store_options(__doc__).parse_args()
    records = 300_000 if args.quick else args.records
    search_records = 30_000 if args.quick else args.search_records
    path = cached_store(args.cache, records)

    with open_store(f"sqlite:///{path}") as store:
        results = measure(f"SQLite {records:,}", store, args.repeat)
    report(results)  # now, and again with the search engine's figures below
    if not args.skip_search:
        with search_store(path, search_records) as store:
            results += measure(f"OpenSearch API {search_records:,}", store, args.repeat)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
