"""Shipping a log file into Elasticsearch: the hopscope search sink against rsyslog.

Both read the same file of schema-valid JSON lines (~400 bytes each) and send it with
``_bulk`` to the same local endpoint: a minimal HTTP server in its own process that answers
"created" for every item, so the endpoint is not what is measured. Reported per shipper:
lines per second, MiB per second, peak memory (resident set) and the ratio.

- hopscope: one process, one core: each line parsed with orjson and validated against the
  record schema, batched into ``CollectedRecord``s with their deterministic ids and written by
  ``SearchSink`` (``create`` actions, dated indices, the official elasticsearch client).
- rsyslog: a separate ``rsyslogd`` with its own configuration and work directory (not the
  system one): imfile -> mmjsonparse -> omelasticsearch in bulk mode, ``create`` with the
  file offset as id, one static index. It does no schema validation.

    .venv/bin/python benchmarks/collector_search.py            # 1,000,000 lines
    .venv/bin/python benchmarks/collector_search.py --quick    # 100,000 lines

rsyslog comes from the Debian packages ``rsyslog`` and ``rsyslog-elasticsearch``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import orjson

HERE = Path(__file__).resolve()
BATCH = 2000


# -- the file -----------------------------------------------------------------------------


def write_lines(path: Path, count: int) -> int:
    """*count* schema-valid lines, a mix of server hops, client hops and plain log lines."""
    from sdk import schema

    rng = random.Random(42)
    services = ["cart", "checkout", "payments", "inventory", "users"]
    routes = ["/carts/{cart_id}", "/orders/{order_id}/items", "/payments", "/users/{user_id}"]
    size = 0
    with path.open("wb") as out:
        for n in range(count):
            second, micro = divmod(n, 1_000_000)
            clock = f"{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            stamp = f"2026-11-25T{clock}.{micro:06d}Z"
            service = services[n % 5]
            doc: dict[str, Any] = {
                "@timestamp": stamp,
                "log.level": "info" if n % 10 else "warning",
                "message": "request handled",
                "service.name": service,
                "hopscope.schema_version": "1",
                "trace.id": f"{rng.getrandbits(128):032x}",
                "span.id": f"{rng.getrandbits(64):016x}",
            }
            kind = n % 3
            if kind == 0:
                doc.update(
                    {
                        "hopscope.hop.kind": "server",
                        "parent.id": f"{rng.getrandbits(64):016x}",
                        "http.request.method": "GET",
                        "http.route": routes[n % 4],
                        "url.path": f"/carts/{n}",
                        "http.response.status_code": 200,
                        "event.duration": rng.randrange(100_000, 90_000_000),
                        "event.outcome": "success",
                    }
                )
            elif kind == 1:
                doc.update(
                    {
                        "message": "calling inventory",
                        "hopscope.hop.kind": "client",
                        "hopscope.hop.attempt": 1,
                        "service.target.name": "inventory",
                        "http.request.method": "POST",
                        "url.full": f"http://inventory:8000/reserve/{n}",
                        "http.response.status_code": 201,
                        "event.duration": rng.randrange(100_000, 50_000_000),
                        "event.outcome": "success",
                    }
                )
            else:
                doc.update(
                    {
                        "message": f"cart {n} recalculated",
                        "log.logger": f"{service}.pricing",
                        "labels.cart_items": 3,
                        "labels.currency": "EUR",
                        "labels.discount_code": "WINTER25",
                    }
                )
            if n < 100:
                schema.validate(doc)
            line = orjson.dumps(doc) + b"\n"
            out.write(line)
            size += len(line)
    return size


# -- the endpoint -------------------------------------------------------------------------

_ITEM = (
    b'{"create":{"_index":"hopscope-records","_id":"x","_version":1,'
    b'"result":"created","status":201}}'
)
_INFO = orjson.dumps(
    {
        "name": "bench",
        "cluster_name": "bench",
        "tagline": "You Know, for Search",
        "version": {"number": "8.15.0", "build_flavor": "default"},
    }
)


class Endpoint(asyncio.Protocol):
    """HTTP/1.1 keep-alive, Content-Length bodies, ``Expect: 100-continue`` (curl)."""

    stats: ClassVar[dict[str, float]] = {
        "docs": 0,
        "bytes": 0,
        "requests": 0,
        "first": 0.0,
        "last": 0.0,
    }

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = bytearray()
        self.need: int | None = None
        self.head: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.need is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                self.head = bytes(self.buffer[:end]).split(b"\r\n")
                del self.buffer[: end + 4]
                headers = {}
                for line in self.head[1:]:
                    key, _, value = line.partition(b":")
                    headers[key.strip().lower()] = value.strip()
                self.need = int(headers.get(b"content-length", b"0"))
                if headers.get(b"expect", b"").lower() == b"100-continue":
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if len(self.buffer) < self.need:
                return
            body = bytes(self.buffer[: self.need])
            del self.buffer[: self.need]
            self.need = None
            self.respond(self.head[0].split(b" "), body)

    def respond(self, request_line: list[bytes], body: bytes) -> None:
        method, target = request_line[0], request_line[1]
        path = target.split(b"?")[0]
        stats = self.stats
        if path.endswith(b"/_bulk"):
            docs = body.count(b"\n") // 2
            now = time.monotonic()
            stats["first"] = stats["first"] or now
            stats["last"] = now
            stats["docs"] += docs
            stats["bytes"] += len(body)
            stats["requests"] += 1
            answer = b'{"took":1,"errors":false,"items":[' + b",".join([_ITEM] * docs) + b"]}"
        elif path == b"/_bench/stats":
            answer = orjson.dumps(stats)
        elif path == b"/_bench/reset":
            stats.update(docs=0, bytes=0, requests=0, first=0.0, last=0.0)
            answer = b"{}"
        elif path == b"/" and method == b"GET":
            answer = _INFO
        else:
            answer = b'{"acknowledged":true}'
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"x-elastic-product: Elasticsearch\r\ncontent-length: %d\r\n\r\n" % len(answer) + answer
        )


def serve_endpoint() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Endpoint, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        # Exit with the benchmark: it closes our stdin.
        await loop.run_in_executor(None, sys.stdin.read)

    asyncio.run(main())


class Placement:
    """The CPUs each side may run on. By default every shipper gets one core, the same one
    (the comparison is per core: rsyslog would otherwise spread over its threads), and the
    endpoint the others, so that it never takes the shippers' time."""

    shipper: set[int] | None = None
    endpoint: set[int] | None = None

    @classmethod
    def one_core(cls) -> None:
        allowed = sorted(os.sched_getaffinity(0))
        cls.shipper = {allowed[-1]}
        cls.endpoint = set(allowed[:-1]) or cls.shipper

    @staticmethod
    def pin(cpus: set[int] | None) -> Callable[[], None] | None:
        """``preexec_fn`` for a child that runs on *cpus* (``None``: wherever it likes)."""
        if cpus is None:
            return None
        return lambda: os.sched_setaffinity(0, cpus)


class EndpointProcess:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE), "--serve-endpoint"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=Placement.pin(Placement.endpoint),
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, path: str) -> dict[str, float]:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:  # noqa: S310
            answer: dict[str, float] = json.loads(response.read())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


# -- hopscope -----------------------------------------------------------------------------


def drive_sink(path: str, url: str) -> None:
    """Worker process: ship *path* through ``SearchSink``; print the figures as JSON."""
    from collector.sinks.search.sink import SearchSink
    from collector.transforms.record import CollectedRecord, record_id
    from sdk import schema

    sink = SearchSink.from_url(url)
    sink.connect()  # client imports, GET /, index template: setup, not throughput
    validate = schema.validate
    loads = orjson.loads
    source = os.path.abspath(path)
    lines = invalid = stored = 0
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    offset = 0
    batch: list[CollectedRecord] = []
    with open(path, "rb") as stream:
        for line in stream:
            doc = loads(line)
            try:
                validate(doc)
            except schema.SchemaError:
                invalid += 1
            batch.append(CollectedRecord(record_id(source, offset), doc, source, offset))
            offset += len(line)
            lines += 1
            if len(batch) >= BATCH:
                stored += sink.write(batch).stored
                batch = []
    if batch:
        stored += sink.write(batch).stored
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    sink.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "lines": lines,
                "stored": stored,
                "invalid": invalid,
                "bytes": offset,
                "seconds": elapsed,
                "peak_kib": peak_kib,
                "cpu_s": cpu,
            }
        )
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_hopscope(path: Path, endpoint: EndpointProcess) -> dict[str, float]:
    endpoint.call("/_bench/reset")
    out = subprocess.run(
        [sys.executable, str(HERE), "--drive-sink", str(path), f"elasticsearch+{endpoint.url}"],
        check=True,
        capture_output=True,
        text=True,
        preexec_fn=Placement.pin(Placement.shipper),
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    received = endpoint.call("/_bench/stats")
    if received["docs"] != figures["lines"]:
        raise SystemExit(f"hopscope: endpoint received {received['docs']} of {figures['lines']}")
    return figures


def run_collect_cli(path: Path, lines: int, endpoint: EndpointProcess) -> dict[str, float]:
    """The whole collector: ``hopscope collect FILE --sink elasticsearch+URL`` (file source,
    line splitting, parse and validation stage, delivery with checkpoints, this sink),
    timed like rsyslog from the process start to the last bulk request received."""
    endpoint.call("/_bench/reset")
    console = shutil.which("hopscope") or str(Path(sys.executable).with_name("hopscope"))
    with tempfile.TemporaryDirectory(prefix="hopscope-state-") as state:
        started = time.monotonic()
        process = subprocess.Popen(
            [
                console,
                "collect",
                str(path),
                "--sink",
                f"elasticsearch+{endpoint.url}",
                "--state-dir",
                state,
                "--no-progress",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=Placement.pin(Placement.shipper),
        )
        assert process.stderr is not None
        err = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    received = endpoint.call("/_bench/stats")
    if process.returncode != 0 or received["docs"] != lines:
        raise SystemExit(
            f"hopscope collect: exit {process.returncode}, endpoint received "
            f"{received['docs']} of {lines}\n{err.decode(errors='replace')[-2000:]}"
        )
    return {
        "lines": received["docs"],
        "seconds": received["last"] - started,
        "peak_kib": usage.ru_maxrss,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


# -- rsyslog ------------------------------------------------------------------------------

RSYSLOG_CONF = """
global(workDirectory="{work}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="mmjsonparse")
module(load="omelasticsearch")
template(name="doc" type="list") {{ property(name="$!all-json") }}
template(name="docid" type="list") {{ property(name="$.id") }}
ruleset(name="ship" queue.type="LinkedList" queue.size="200000"
        queue.dequeueBatchSize="{batch}") {{
    action(type="mmjsonparse" cookie="" useRawMsg="on")
    if $parsesuccess == "OK" then {{
        set $.id = $!metadata!fileoffset;
        unset $!metadata;
        action(type="omelasticsearch" server="127.0.0.1" serverport="{port}"
               searchIndex="hopscope-records-2026.11.25" searchType="" esVersion.major="8"
               template="doc" bulkmode="on" maxbytes="8m" writeoperation="create"
               bulkid="docid" dynbulkid="on"
               queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="{batch}"
               action.resumeRetryCount="-1")
    }}
}}
input(type="imfile" file="{file}" tag="bench" ruleset="ship" addMetadata="on"
      freshStartTail="off" maxSubmitAtOnce="{batch}")
"""


def rsyslogd_binary() -> str | None:
    found = shutil.which("rsyslogd") or (
        "/usr/sbin/rsyslogd" if os.path.exists("/usr/sbin/rsyslogd") else None
    )
    if found is None:
        return None
    module = Path("/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so")
    if not module.exists() and not list(Path("/usr/lib").rglob("omelasticsearch.so")):
        return None
    return found


def run_rsyslog(
    binary: str, path: Path, lines: int, endpoint: EndpointProcess, timeout_s: float
) -> dict[str, float]:
    endpoint.call("/_bench/reset")
    with tempfile.TemporaryDirectory(prefix="hopscope-rsyslog-") as work:
        conf = Path(work) / "rsyslog.conf"
        conf.write_text(RSYSLOG_CONF.format(work=work, port=endpoint.port, file=path, batch=BATCH))
        check = subprocess.run([binary, "-N1", "-f", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"rsyslog configuration refused:\n{check.stderr}{check.stdout}")
        started = time.monotonic()
        errors = Path(work) / "stderr.txt"
        with errors.open("w") as err_file:
            process = subprocess.Popen(
                [binary, "-n", "-i", str(Path(work) / "rsyslogd.pid"), "-f", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=err_file,
                preexec_fn=Placement.pin(Placement.shipper),
            )
        peak_kib = 0
        received: dict[str, float] = {}
        try:
            deadline = started + timeout_s
            while time.monotonic() < deadline:
                time.sleep(0.05)
                peak_kib = max(peak_kib, _peak_rss_kib(process.pid))
                received = endpoint.call("/_bench/stats")
                if received["docs"] >= lines or process.poll() is not None:
                    break
            peak_kib = max(peak_kib, _peak_rss_kib(process.pid))
        finally:
            cpu = _stop(process)
        err = errors.read_text(errors="replace")
        if received.get("docs", 0) < lines:
            raise SystemExit(
                f"rsyslog shipped {received.get('docs', 0)} of {lines} lines in {timeout_s} s"
                f"\n{err[-2000:]}"
            )
    # From rsyslogd's start to the last bulk request the endpoint received.
    return {
        "lines": received["docs"],
        "seconds": received["last"] - _as_endpoint_clock(started),
        "peak_kib": peak_kib,
        "cpu_s": cpu,
    }


def _as_endpoint_clock(started: float) -> float:
    # Both processes read the same CLOCK_MONOTONIC.
    return started


def _stop(process: subprocess.Popen[bytes]) -> float:
    """Stop rsyslogd; its CPU seconds (all threads) from the kernel's accounting."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.02)
    process.kill()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    return usage.ru_utime + usage.ru_stime


def _peak_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# -- report -------------------------------------------------------------------------------


def _best(rounds: list[dict[str, float]]) -> dict[str, float]:
    best = dict(min(rounds, key=lambda r: r["seconds"]))
    best["peak_kib"] = max(r["peak_kib"] for r in rounds)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 lines instead of 1,000,000")
    parser.add_argument("--lines", type=int, help="number of lines (overrides --quick)")
    parser.add_argument(
        "--rounds",
        type=int,
        help="interleaved rounds per shipper, best counts (default 3, 2 for the full run)",
    )
    parser.add_argument("--skip-rsyslog", action="store_true", help="measure hopscope only")
    parser.add_argument(
        "--all-cores",
        action="store_true",
        help="let each shipper use every core (default: one core each, the "
        "same one, the endpoint on the others)",
    )
    parser.add_argument(
        "--skip-cli",
        action="store_true",
        help="do not also time the whole 'hopscope collect' command",
    )
    parser.add_argument("--serve-endpoint", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drive-sink", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_endpoint:
        serve_endpoint()
        return 0
    if args.drive_sink:
        drive_sink(*args.drive_sink)
        return 0

    lines = args.lines or (100_000 if args.quick else 1_000_000)
    binary = None if args.skip_rsyslog else rsyslogd_binary()
    if binary is None and not args.skip_rsyslog:
        print(
            "rsyslogd with omelasticsearch not found: install the Debian packages "
            "'rsyslog' and 'rsyslog-elasticsearch' (apt-get install rsyslog "
            "rsyslog-elasticsearch) to compare; measuring hopscope alone.",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(prefix="hopscope-bench-") as tmp:
        path = Path(tmp) / "services.log"
        size = write_lines(path, lines)
        print(f"file: {lines:,} lines, {size / 2**20:.1f} MiB ({size / lines:.0f} bytes/line)")
        print(
            "hopscope sink: SearchSink driven directly from the file (orjson parse, "
            f"sdk.schema validation, CollectedRecord batches of {BATCH}); timed loop only"
        )
        if not args.skip_cli:
            print(
                "hopscope collect: the whole collector CLI with this sink, from process "
                "start (imports included) to the last bulk request, like rsyslog"
            )
        if not args.all_cores:
            Placement.one_core()
            print(
                f"shippers on CPU {sorted(Placement.shipper or ())}, endpoint on CPU "
                f"{sorted(Placement.endpoint or ())} (--all-cores to lift this)"
            )
        else:
            print("shippers on every core (rsyslogd runs several threads)")
        rounds = args.rounds or (3 if lines <= 200_000 else 2)
        print(
            f"{rounds} interleaved rounds per shipper; the fastest round of each counts, so "
            "a busy neighbour on the machine hurts both alike"
        )
        endpoint = EndpointProcess()
        ours_rounds: list[dict[str, float]] = []
        cli_rounds: list[dict[str, float]] = []
        theirs_rounds: list[dict[str, float]] = []
        try:
            for _ in range(rounds):
                ours_rounds.append(run_hopscope(path, endpoint))
                if not args.skip_cli:
                    cli_rounds.append(run_collect_cli(path, lines, endpoint))
                if binary:
                    theirs_rounds.append(
                        run_rsyslog(binary, path, lines, endpoint, max(120.0, lines / 2000))
                    )
        finally:
            endpoint.close()
        ours = _best(ours_rounds)
        cli = _best(cli_rounds) if cli_rounds else None
        theirs = _best(theirs_rounds) if theirs_rounds else None

    def row(name: str, figures: dict[str, float]) -> float:
        rate = figures["lines"] / figures["seconds"]
        mib = size / 2**20 / figures["seconds"]
        print(
            f"{name:<16} {rate:>10,.0f} lines/s {mib:>8.1f} MiB/s "
            f"{figures['seconds']:>8.2f} s   peak RSS {figures['peak_kib'] / 1024:>7.1f} MiB"
            f"   {figures['lines'] / figures['cpu_s']:>9,.0f} lines per CPU-second"
        )
        return rate

    print()
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores:
        print(
            f"note: load average {load:.1f} on {cores} cores while measuring: other work "
            "shared the CPUs, so lines/s understates both; lines per CPU-second holds\n"
        )
    our_rate = row("hopscope sink", ours)
    print(
        f"{'':<16} {ours['cpu_s']:.2f} s CPU (one thread does all the work); "
        f"{int(ours['invalid'])} invalid lines"
    )
    if cli is not None:
        cli_rate = row("hopscope collect", cli)
        print(f"{'':<16} {cli['cpu_s']:.2f} s CPU over the whole process")
    if theirs is not None:
        their_rate = row("rsyslog", theirs)
        print(f"{'':<16} {theirs['cpu_s']:.2f} s CPU over all of rsyslogd's threads")
        their_per_cpu = theirs["lines"] / theirs["cpu_s"]
        print(
            f"\nratio hopscope sink / rsyslog: {our_rate / their_rate:.2f}x lines/s, "
            f"{(ours['lines'] / ours['cpu_s']) / their_per_cpu:.2f}x lines per CPU-second"
        )
        if cli is not None:
            print(
                f"ratio hopscope collect / rsyslog: {cli_rate / their_rate:.2f}x lines/s, "
                f"{(cli['lines'] / cli['cpu_s']) / their_per_cpu:.2f}x lines per CPU-second"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
