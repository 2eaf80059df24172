"""A stored hop whose ``event.start`` or ``event.end`` names no real moment (written before
the collector refused them: an impossible day, a leap second) is placed as if the field
were absent, from its other times: the trace is rebuilt, listed and counted all the same."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboards import RequestQuery, build_tree, open_store
from sdk import schema
from tests.dashboards.conftest import T0, TraceBuilder, write_sqlite

TRACE = "bad0" * 8
MS = 1_000_000


def unreadable_times_records() -> list[dict[str, Any]]:
    """gateway -> orders: the root's start is a leap second; the client hop's start and end
    are on a day that does not exist; the orders hop's start is an hour 24."""
    t = TraceBuilder(TRACE)
    root = t.server("gateway", "/checkout", 0, 100, method="POST")
    call = t.client("gateway", "orders", 10, 90, parent=root, path="/orders", method="POST")
    served = t.server("orders", "/orders", 15, 85, parent=call, method="POST", caller="gateway")
    t.log("orders", served, 16, "order received")
    gateway, client, orders, _ = t.records
    gateway["event.start"] = "2026-11-25T23:59:60.000000Z"
    client["event.start"] = "2026-02-30T12:00:00.010000Z"
    client["event.end"] = "2026-02-30T12:00:00.090000Z"
    orders["event.start"] = "2026-11-25T24:00:00.015000Z"
    del orders["event.duration"]  # then the end is all it has
    for hop in (gateway, client, orders):
        assert schema.problem(hop) is not None  # the collector would refuse them now
    return t.records


def sqlite_store(directory: Path) -> str:
    path = directory / "hopscope.db"
    write_sqlite(path, unreadable_times_records())
    return f"sqlite:///{path}"


def test_the_trace_is_rebuilt_with_every_hop(tmp_path: Path) -> None:
    with open_store(sqlite_store(tmp_path)) as store:
        trace = store.fetch_trace(TRACE)
    assert len(trace.records) == 4
    tree = build_tree(trace.records)
    assert tree.root is not None
    times = [(h.service, h.kind, (h.start_ns - T0) / MS, (h.end_ns - T0) / MS) for h in tree.hops]
    assert times == [
        ("gateway", "server", 0.0, 100.0),  # the end minus the duration
        ("gateway", "client", 10.0, 90.0),  # @timestamp minus the duration
        ("orders", "server", 85.0, 85.0),  # no start and no duration: the end only
    ]
    assert [line["message"] for line in tree.hops[2].logs] == ["order received"]


def test_the_request_is_listed_from_its_other_times(tmp_path: Path) -> None:
    with open_store(sqlite_store(tmp_path)) as store:
        page = store.find_requests(RequestQuery())
    (request,) = page.items
    assert request.trace_id == TRACE
    assert request.start == datetime.fromtimestamp(T0 / 1e9, UTC)
    assert request.duration_ms == 100.0
    assert (request.hop_count, request.services) == (3, ("gateway", "orders"))


def test_the_hops_are_counted_in_the_statistics(tmp_path: Path) -> None:
    with open_store(sqlite_store(tmp_path)) as store:
        services = store.service_stats()
        graph = store.dependencies()
    assert [(r.service, r.count, r.errors) for r in services] == [
        ("gateway", 1, 0),
        ("orders", 1, 0),
    ]
    assert [(e.caller, e.callee, e.calls, e.p99_ms) for e in graph.edges] == [
        ("gateway", "orders", 1, 80.0),
    ]
