"""Requests per second of a hello-world FastAPI app under uvicorn, three ways, in one run:

* ``bare``: the app alone (no access log);
* ``sdk``: ``sdk.instrument(app)`` (one server hop record per request, trace context);
* ``otel+json``: the common alternative, opentelemetry-instrumentation-fastapi plus
  uvicorn's access log as JSON through python-json-logger.

Each server is a separate process (one uvicorn worker, loopback, logs to /dev/null); the
load comes from another process: ``wrk`` when it is installed (Debian package ``wrk``),
else a small asyncio + httpx load loop. Rounds are interleaved and the median round of
each contender counts, so a noisy neighbour hurts every contender alike.

    .venv/bin/python benchmarks/sdk_instrument.py            # full run
    .venv/bin/python benchmarks/sdk_instrument.py --quick    # small run

Targets: ``sdk`` at least as fast as ``otel+json``, and at least 80% of ``bare``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONTENDERS = ("bare", "sdk", "otel+json")
PATH = "/hello"


# -- the app, built when uvicorn imports this module with BENCH_MODE set ----------------------


def build_app(mode: str) -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get(PATH)
    async def hello() -> dict[str, str]:
        return {"message": "hello"}

    if mode == "sdk":
        import sdk

        sdk.configure(service="bench")
        sdk.instrument(app)
    elif mode == "otel+json":
        import logging

        from opentelemetry import trace
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from pythonjsonlogger.json import JsonFormatter

        trace.set_tracer_provider(
            TracerProvider(resource=Resource.create({"service.name": "bench"}))
        )
        FastAPIInstrumentor.instrument_app(app)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.propagate = False
    return app


if os.environ.get("BENCH_MODE"):
    app = build_app(os.environ["BENCH_MODE"])


# -- servers -----------------------------------------------------------------------------


class Server:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        # uvicorn takes a socket given by --fd for a Unix one and sets no TCP_NODELAY on what
        # it accepts: each response then waits for the client's delayed ACK (about 40 ms, so
        # every contender measured the same ~730 req/s). Accepted sockets inherit it from here.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.sock.set_inheritable(True)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}{PATH}"
        argv = [sys.executable, "-m", "uvicorn", "sdk_instrument:app", "--app-dir", str(HERE)]
        argv += ["--fd", str(self.sock.fileno()), "--log-level", "info"]
        if mode == "bare":
            argv.append("--no-access-log")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOPSCOPE_", "OTEL_"))}
        env["BENCH_MODE"] = mode
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            pass_fds=(self.sock.fileno(),),
        )

    def wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"{self.mode}: server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.sock.close()


# -- load --------------------------------------------------------------------------------


def wrk_rps(url: str, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"could not read wrk output:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses")
    return float(match.group(1))


def python_rps(url: str, seconds: float, connections: int) -> float:
    """The load loop in a separate interpreter, so it does not share this one's GIL."""
    code = f"""
import asyncio, time, httpx
async def main():
    done = 0
    stop = time.perf_counter() + {seconds}
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections={connections})) as c:
        async def worker():
            nonlocal done
            while time.perf_counter() < stop:
                r = await c.get({url!r})
                assert r.status_code == 200
                done += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range({connections})))
        print(done / (time.perf_counter() - start))
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short rounds, one pass")
    parser.add_argument("--seconds", type=float, help="length of one measured round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per contender")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--load", choices=("wrk", "python"), help="load generator")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    rounds = args.rounds or (1 if args.quick else 3)
    load = args.load or ("wrk" if shutil.which("wrk") else "python")
    measure = wrk_rps if load == "wrk" else python_rps
    servers = {mode: Server(mode) for mode in CONTENDERS}
    results: dict[str, list[float]] = {mode: [] for mode in CONTENDERS}
    try:
        for server in servers.values():
            server.wait_ready()
        for server in servers.values():  # warm up: imports, first-call caches
            measure(server.url, 1, args.connections)
        for n in range(rounds):
            order = CONTENDERS if n % 2 == 0 else tuple(reversed(CONTENDERS))
            for mode in order:
                results[mode].append(measure(servers[mode].url, seconds, args.connections))
    finally:
        for server in servers.values():
            server.stop()
    rps = {mode: statistics.median(values) for mode, values in results.items()}
    print(f"hello-world FastAPI, uvicorn 1 worker, load: {load}, {args.connections} connections,")
    print(f"{rounds} round(s) of {seconds:g} s each, median round per contender")
    print(f"{'contender':<12} {'req/s':>10} {'vs bare':>9}   rounds")
    for mode in CONTENDERS:
        rounds_text = ", ".join(f"{v:.0f}" for v in results[mode])
        print(f"{mode:<12} {rps[mode]:>10.0f} {rps[mode] / rps['bare']:>8.0%}   {rounds_text}")
    vs_alt = rps["sdk"] / rps["otel+json"]
    vs_bare = rps["sdk"] / rps["bare"]
    print(f"sdk / otel+json = {vs_alt:.2f} (target >= 1.00)")
    print(f"sdk / bare      = {vs_bare:.2f} (target >= 0.80)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
