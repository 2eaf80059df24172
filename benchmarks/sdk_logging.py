"""Cost per log line: the hopscope SDK against the usual JSON logging setups, in one run.

Every contender logs the same event with the same fields, one line per call, written and
flushed to the same kind of file (``/dev/null`` by default, a real temporary file with
``--file``). Costs are CPU time of the process (user and system); rounds are interleaved
and the best round of each contender counts, so a noisy neighbour hurts all alike.

    .venv/bin/python benchmarks/sdk_logging.py            # full run
    .venv/bin/python benchmarks/sdk_logging.py --quick    # small run
    .venv/bin/python benchmarks/sdk_logging.py --profile sdk   # cProfile one contender
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import orjson

MESSAGE = "cart checked out"
FIELDS: dict[str, Any] = {"cart_id": 42, "items": 3, "user": "alice", "total": 19.99}

Emit = Callable[[], None]


class Target:
    """Where every contender writes: one file per contender, opened the same way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.opened: list[IO[Any]] = []

    def binary(self) -> IO[bytes]:
        stream = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self.opened.append(stream)
        return stream

    def text(self) -> IO[str]:
        stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        self.opened.append(stream)
        return stream

    def close(self) -> None:
        for stream in self.opened:
            stream.close()


def _stdlib_logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


# -- contenders -----------------------------------------------------------------------------


def floor(target: Target) -> Emit:
    """Build the dict, orjson.dumps, write: the least any JSON logger can do."""
    stream = target.binary()

    def emit() -> None:
        record = {"@timestamp": time.time(), "log.level": "info", "message": MESSAGE, **FIELDS}
        stream.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        stream.flush()

    return emit


def structlog_fast(target: Target) -> Emit:
    """structlog's documented fastest JSON setup: orjson, bytes logger, cached filtering logger."""
    import structlog

    logger = structlog.make_filtering_bound_logger(logging.INFO)(
        structlog.BytesLogger(target.binary()),
        [
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        {},
    )

    def emit() -> None:
        logger.info(MESSAGE, **FIELDS)

    return emit


def sdk_logger(target: Target) -> Emit:
    """sdk.get_logger: full schema, trace ids of an active span, redaction."""
    from opentelemetry import trace

    import sdk

    sdk.configure(service="cart", version="1.4.2", environment="bench", stream=target.binary())
    log = sdk.get_logger("bench")
    span = trace.get_tracer("bench").start_span("checkout")
    ctx = trace.set_span_in_context(span)
    from opentelemetry import context as otel_context

    otel_context.attach(ctx)  # stays current for the rest of the run
    from sdk.log import current_ids

    if current_ids() is None:
        raise SystemExit("benchmark set-up: no active span, the SDK line would lack trace ids")

    def emit() -> None:
        log.info(MESSAGE, **FIELDS)

    return emit


def sdk_bridge(target: Target) -> Emit:
    """A foreign stdlib logger through the SDK's bridge (same configuration as above)."""
    import sdk

    sdk.configure(service="cart", version="1.4.2", environment="bench", stream=target.binary())
    logger = logging.getLogger("bench.foreign")
    logger.propagate = True
    logger.setLevel(logging.INFO)

    def emit() -> None:
        logger.info(MESSAGE, extra=FIELDS)

    return emit


def python_json_logger(target: Target) -> Emit:
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(target.text())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = _stdlib_logger("bench.pjl", handler)

    def emit() -> None:
        logger.info(MESSAGE, extra=FIELDS)

    return emit


def python_json_logger_orjson(target: Target) -> Emit:
    from pythonjsonlogger.orjson import OrjsonFormatter

    handler = logging.StreamHandler(target.text())
    handler.setFormatter(OrjsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = _stdlib_logger("bench.pjl_orjson", handler)

    def emit() -> None:
        logger.info(MESSAGE, extra=FIELDS)

    return emit


def ecs_logging(target: Target) -> Emit:
    import ecs_logging as ecs

    handler = logging.StreamHandler(target.text())
    handler.setFormatter(ecs.StdlibFormatter())
    logger = _stdlib_logger("bench.ecs", handler)

    def emit() -> None:
        logger.info(MESSAGE, extra=FIELDS)

    return emit


def loguru_serialize(target: Target) -> Emit:
    from loguru import logger

    logger.remove()
    logger.add(target.text(), serialize=True, level="INFO")

    def emit() -> None:
        logger.info(MESSAGE, **FIELDS)

    return emit


CONTENDERS: dict[str, Callable[[Target], Emit]] = {
    "floor": floor,
    "structlog": structlog_fast,
    "sdk": sdk_logger,
    "sdk_bridge": sdk_bridge,
    "python-json-logger": python_json_logger,
    "python-json-logger+orjson": python_json_logger_orjson,
    "ecs-logging": ecs_logging,
    "loguru": loguru_serialize,
}


# -- measuring ------------------------------------------------------------------------------


def per_line_us(emit: Emit, lines: int) -> float:
    # CPU time of this process (user + system, so the write itself counts): time spent
    # descheduled while neighbours run is not charged to whichever contender was running.
    start = time.process_time_ns()
    for _ in range(lines):
        emit()
    return (time.process_time_ns() - start) / lines / 1000


def measure(emits: dict[str, Emit], lines: int, rounds: int) -> dict[str, float]:
    best = {name: float("inf") for name in emits}
    for emit in emits.values():  # warm caches and first-use paths
        per_line_us(emit, max(lines // 10, 100))
    for _ in range(rounds):
        for name, emit in emits.items():
            best[name] = min(best[name], per_line_us(emit, lines))
    return best


def report(best: dict[str, float]) -> None:
    print(f"{'contender':<28}{'us/line':>10}{'x floor':>10}{'x structlog':>13}")
    for name, us in best.items():
        print(f"{name:<28}{us:>10.2f}{us / best['floor']:>10.2f}{us / best['structlog']:>13.2f}")
    sdk_ratio = best["sdk"] / best["structlog"]
    bridge_ratio = best["sdk_bridge"] / best["python-json-logger+orjson"]
    print()
    print(f"sdk.get_logger / structlog fastest         = {sdk_ratio:.2f}  (target <= 1.00)")
    print(f"sdk bridge / python-json-logger+orjson     = {bridge_ratio:.2f}  (target <= 1.00)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    parser.add_argument("--lines", type=int, help="lines per round")
    parser.add_argument("--rounds", type=int, help="rounds")
    parser.add_argument("--file", action="store_true", help="write to a real temporary file")
    parser.add_argument("--profile", metavar="NAME", choices=sorted(CONTENDERS), help="profile")
    args = parser.parse_args(argv)
    # Many short interleaved rounds, best one kept: on a shared machine the minimum is the
    # figure least disturbed by neighbours.
    lines = args.lines or (1_000 if args.quick else 5_000)
    rounds = args.rounds or (10 if args.quick else 30)

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "lines.jsonl") if args.file else os.devnull
        target = Target(path)
        try:
            if args.profile:
                emit = CONTENDERS[args.profile](target)
                per_line_us(emit, 1000)
                profiler = cProfile.Profile()
                profiler.runcall(per_line_us, emit, lines)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
                return 0
            # The SDK reconfigures the root logger: set it up before the stdlib peers.
            emits = {name: make(target) for name, make in CONTENDERS.items()}
            print(
                f"python {sys.version.split()[0]}, {lines} lines x {rounds} rounds, "
                f"writing to {'a temporary file' if args.file else os.devnull}\n"
            )
            report(measure(emits, lines, rounds))
        finally:
            target.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
