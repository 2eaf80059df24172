"""Stores for the dashboard app's tests, filled the way production fills them: hand-built
hop chains written as JSON lines to a file, shipped by the real collector
(``hopscope collect FILE --sink sqlite:///...``) into a SQLite store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from dashboards.records import format_ns, parse_ns
from sdk import schema
from tests.dashboards.conftest import T0, TraceBuilder

#: gateway -> orders -> payments; payments fails twice (orders retries), the request fails.
CHECKOUT = "c0ffee00" * 4
#: gateway -> cart, fast and fine.
CART = "ca" * 16
#: gateway -> search, slow and fine.
SEARCH = "5ea2c400" * 4
#: gateway only, a 404.
MISSING = "404" + "0" * 29
#: gateway fans out to cart thousands of times; one call fails.
LARGE = "1a" * 16

#: A log message that would run script, load an image or format text if it were rendered.
HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror=alert(1)> '
    "**bold** [click](http://evil.example) :red[red]"
)
STACK = (
    "Traceback (most recent call last):\n"
    '  File "payments/app.py", line 42, in pay\n'
    "    acquirer.charge(card)\n"
    "payments.GatewayTimeout: acquirer did not answer"
)
#: Calls to cart in the large trace; with the root and each call's two hops, 10,000 hops
#: minus one, plus one internal hop.
LARGE_CALLS = 4_999
LARGE_FAILING_CALL = 1_234

HOST = "collector-test"


def checkout(t: TraceBuilder) -> None:
    root = t.server(
        "gateway", "/checkout", 0, 400, method="POST", status=502, **{"url.query": "cart=42"}
    )
    t.log("gateway", root, 1, "checkout started for cart 42")
    to_orders = t.client(
        "gateway", "orders", 10, 390, parent=root, path="/orders", method="POST", status=502
    )
    orders = t.server(
        "orders",
        "/orders",
        20,
        380,
        parent=to_orders,
        method="POST",
        status=502,
        caller="gateway",
    )
    t.log("orders", orders, 25, "reserving stock")
    for attempt, (start, end) in enumerate(((30, 150), (200, 360)), start=1):
        call = t.client(
            "orders",
            "payments",
            start,
            end,
            parent=orders,
            path="/pay",
            method="POST",
            status=503,
            attempt=attempt,
        )
        pay = t.server(
            "payments",
            "/pay",
            start + 10,
            end - 10,
            parent=call,
            method="POST",
            status=503,
            caller="orders",
            error_type="payments.GatewayTimeout",
            error_message="acquirer did not answer",
            **{
                "error.stack_trace": STACK,
                "http.request.body.content": '{"amount": 1999, "currency": "EUR"}',
                "http.response.body.content": '{"error": "acquirer did not answer"}',
            },
        )
        t.log("payments", pay, start + 15, "charging card ending 4242")
        t.log("payments", pay, start + 20, HOSTILE, level="warning")
    t.log("orders", orders, 370, "payment failed after 2 attempts", level="error")


def cart(t: TraceBuilder) -> None:
    root = t.server("gateway", "/cart", 0, 50)
    call = t.client("gateway", "cart", 5, 45, parent=root, path="/cart")
    t.server("cart", "/cart", 10, 40, parent=call, caller="gateway")


def search(t: TraceBuilder) -> None:
    root = t.server("gateway", "/search", 0, 900, **{"url.query": "q=shoes"})
    call = t.client("gateway", "search", 10, 890, parent=root, path="/search")
    t.server("search", "/search", 20, 880, parent=call, caller="gateway")


def missing(t: TraceBuilder) -> None:
    t.server("gateway", "/items/{id}", 0, 5, status=404)


def large(t: TraceBuilder) -> None:
    root = t.server("gateway", "/report", 0, LARGE_CALLS * 0.2 + 20)
    t.internal("gateway", "render report", 1, 4, parent=root)
    for n in range(LARGE_CALLS):
        start = 5 + n * 0.2
        failed = n == LARGE_FAILING_CALL
        call = t.client(
            "gateway",
            "cart",
            start,
            start + 0.15,
            parent=root,
            path="/item",
            status=500 if failed else 200,
        )
        t.server(
            "cart",
            "/item",
            start + 0.02,
            start + 0.13,
            parent=call,
            caller="gateway",
            status=500 if failed else 200,
            error_type="cart.OutOfStock" if failed else None,
            error_message="item 1234 is gone" if failed else None,
        )


#: gateway -> inventory, whose host clock runs 80 ms ahead.
SKEWED = "5ce3ed00" * 4


def skewed(t: TraceBuilder) -> None:
    root = t.server("gateway", "/stock", 0, 100)
    call = t.client("gateway", "inventory", 10, 90, parent=root, path="/stock")
    t.server("inventory", "/stock", 100, 160, parent=call, caller="gateway")


def skewed_records() -> list[dict[str, Any]]:
    t = TraceBuilder(SKEWED, T0)
    skewed(t)
    return t.records


def skewed_store(tmp_path_factory: Any) -> str:
    return _once(tmp_path_factory, "app-skewed", skewed_records)


def small_records() -> list[dict[str, Any]]:
    """The checkout, cart, search and 404 traces, one second apart."""
    out: list[dict[str, Any]] = []
    for n, (trace_id, fill) in enumerate(
        ((CHECKOUT, checkout), (CART, cart), (SEARCH, search), (MISSING, missing))
    ):
        t = TraceBuilder(trace_id, T0 + n * 1_000_000_000)
        fill(t)
        out.extend(t.records)
    return out


def large_records() -> list[dict[str, Any]]:
    t = TraceBuilder(LARGE, T0)
    large(t)
    return t.records


def hopscope_script() -> str:
    """The ``hopscope`` console script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("hopscope")
    return str(script) if script.exists() else "hopscope"


def collect(records: list[dict[str, Any]], directory: Path) -> str:
    """Write *records* as JSON lines and ship them with the real collector; the store URL."""
    return ship(b"".join(orjson.dumps(r) + b"\n" for r in records), directory, "services.log")


def ship(data: bytes, directory: Path, name: str, *options: str) -> str:
    """Write *data* to the file *name* and ship it with the real collector (with
    *options*); the store URL."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = directory / name
    lines.write_bytes(data)
    db = directory / "hopscope.db"
    done = subprocess.run(
        [
            hopscope_script(),
            "collect",
            str(lines),
            "--sink",
            f"sqlite:///{db}",
            "--state-dir",
            str(directory / "state"),
            "--no-progress",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return f"sqlite:///{db}"


def small_store(tmp_path_factory: Any) -> str:
    """The small traces in a store, collected once per test process."""
    return _once(tmp_path_factory, "app-small", small_records)


def large_store(tmp_path_factory: Any) -> str:
    """The 10,000-hop trace in a store, collected once per test process."""
    return _once(tmp_path_factory, "app-large", large_records)


def every_store(tmp_path_factory: Any) -> str:
    """The small traces and the 10,000-hop trace in one store."""
    return _once(tmp_path_factory, "app-all", lambda: small_records() + large_records())


def _once(tmp_path_factory: Any, name: str, make: Any) -> str:
    directory = Path(tmp_path_factory.getbasetemp()) / name
    db = directory / "hopscope.db"
    if db.exists():
        return f"sqlite:///{db}"
    return collect(make(), directory)


# -- the logs page's store ----------------------------------------------------------------

#: Lines outside any request, then lines that are no records: a plain-text line and a
#: traceback the payments service printed (shipped as Docker json-file output, which
#: gives each line the time it was written).
LOOSE_LINES = (
    (5.0, "cart", "info", "cache warmed in 12 ms"),
    (6.0, "payments", "warning", "acquirer latency high: timeout after 2000 ms"),
    (7.0, "gateway", "debug", "health check answered"),
)
PLAIN = "worker 3 started <b>plain</b> on port 8000"
CRASH = (
    "Traceback (most recent call last):\n"
    '  File "payments/worker.py", line 7, in run\n'
    "    settle()\n"
    "ValueError: settlement <script>window.__hostile_ran = 1</script> refused"
)
PLAIN_AT = 8.0
CRASH_AT = 9.0


def docker_line(text: str, at_s: float) -> bytes:
    moment = format_ns(T0 + int(at_s * 1_000_000_000))
    return orjson.dumps({"log": text + "\n", "stream": "stdout", "time": moment}) + b"\n"


def logs_records() -> list[dict[str, Any]]:
    """The small traces and the loose lines, as stored records."""
    out = small_records()
    for at, service, level, message in LOOSE_LINES:
        out.append(
            {
                "@timestamp": format_ns(T0 + int(at * 1_000_000_000)),
                "log.level": level,
                "message": message,
                "service.name": service,
                "hopscope.schema_version": schema.SCHEMA_VERSION,
            }
        )
    return out


def logs_data() -> bytes:
    """The logs store's input: every record, the plain line and the traceback, in time order."""
    records = sorted(logs_records(), key=lambda r: parse_ns(r["@timestamp"]))
    out = []
    for record in records:
        at = (parse_ns(record["@timestamp"]) - T0) / 1e9
        out.append(docker_line(orjson.dumps(record).decode(), at))
    out.append(docker_line(PLAIN, PLAIN_AT))
    out.extend(docker_line(part, CRASH_AT) for part in CRASH.split("\n"))
    return b"".join(out)


def logs_store(tmp_path_factory: Any) -> str:
    """Records and unstructured lines of the logs page's tests, collected once per process."""
    directory = Path(tmp_path_factory.getbasetemp()) / "app-logs"
    db = directory / "hopscope.db"
    if db.exists():
        return f"sqlite:///{db}"
    return ship(logs_data(), directory, "payments-json.log", "--service", "payments")
