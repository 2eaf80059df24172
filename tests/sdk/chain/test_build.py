"""Hop-chain reconstruction on hand-built traces, compared with the expected trees."""

from __future__ import annotations

import json
import sys
from typing import Any

import orjson
import pytest

from sdk.chain import TraceTree, build_tree, summarize, tree_to_dict, tree_to_json

#: Flags shown only when set, so the expected trees stay readable yet complete.
OPTIONAL = ("orphan", "likely_caller", "reentrant", "duplicates", "skew_ms")


def brief(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": node["kind"],
        "service": node["service"],
        "op": node["operation"],
        "ms": node["duration_ms"],
        "self": node["self_ms"],
        "status": node["status_code"],
        "error": node["error"],
        "critical": node["critical"],
    }
    if node["gap_ms"] is not None:
        out["gap"] = node["gap_ms"]
    if node["kind"] in ("call", "client", "external") and node["attempt"] != 1:
        out["attempt"] = node["attempt"]
    for key in OPTIONAL:
        if node[key]:
            out[key] = node[key]
    if node["logs"]:
        out["logs"] = [line["message"] for line in node["logs"]]
    out["children"] = [brief(c) for c in node["children"]]
    return out


def shape(tree: TraceTree) -> list[dict[str, Any]]:
    return [brief(r) for r in tree_to_dict(tree)["roots"]]


def hop(
    kind: str,
    service: str,
    op: str,
    ms: float,
    self_ms: float,
    *children: dict[str, Any],
    status: int | None = 200,
    error: bool = False,
    critical: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "kind": kind,
        "service": service,
        "op": op,
        "ms": ms,
        "self": self_ms,
        "status": status,
        "error": error,
        "critical": critical,
    }
    node.update(extra)
    node["children"] = list(children)
    return node


def test_simple_chain_with_logs_gaps_and_critical_path(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/checkout", 0, 100, method="POST")
    c1 = t.client("gateway", "orders", 10, 80, parent=root, path="/orders", method="POST")
    s1 = t.server("orders", "/orders", 15, 75, parent=c1, method="POST", caller="gateway")
    c2 = t.client("orders", "payments", 20, 60, parent=s1, path="/pay", method="POST")
    t.server("payments", "/pay", 25, 55, parent=c2, method="POST", caller="orders")
    t.log("orders", s1, 16, "order received")
    t.log("gateway", root, 5, "checkout started")
    t.log("orders", None, 17, "no span here")

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop(
            "server",
            "gateway",
            "POST /checkout",
            100.0,
            30.0,
            hop(
                "client",
                "gateway",
                "POST /orders",
                70.0,
                10.0,
                hop(
                    "server",
                    "orders",
                    "POST /orders",
                    60.0,
                    20.0,
                    hop(
                        "client",
                        "orders",
                        "POST /pay",
                        40.0,
                        10.0,
                        hop("server", "payments", "POST /pay", 30.0, 30.0),
                        gap=10.0,
                    ),
                    logs=["order received"],
                ),
                gap=10.0,
            ),
            logs=["checkout started"],
        ),
    ]
    assert [r["message"] for r in tree.unattached_logs] == ["no span here"]
    assert [
        (s.hop.service, s.hop.kind, (s.end_ns - s.start_ns) // 1_000_000)
        for s in tree.critical_path
    ] == [
        ("gateway", "server", 10),
        ("gateway", "client", 5),
        ("orders", "server", 5),
        ("orders", "client", 5),
        ("payments", "server", 30),
        ("orders", "client", 5),
        ("orders", "server", 15),
        ("gateway", "client", 5),
        ("gateway", "server", 20),
    ]
    summary = summarize(tree)
    assert (summary.root_service, summary.root_route, summary.hop_count) == (
        "gateway",
        "/checkout",
        5,
    )
    assert summary.duration_ns == 100_000_000
    assert summary.services == ("gateway", "orders", "payments")
    assert summary.path == ("gateway", "orders", "payments")
    assert summary.signature == "gateway > orders > payments"
    assert summary.error is False
    assert tree.first_failure is None


def test_orphan_named_with_its_likely_caller(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/home", 0, 50)
    call = t.client("gateway", "profile", 5, 45, parent=root, path="/me")
    # The callee's parent id was lost (a proxy rewrote traceparent).
    t.server("profile", "/me", 10, 40, parent="00000000deadbeef", caller="gateway")
    # Another orphan, from a caller that logged nothing: named from its origin field.
    t.server("audit", "/event", 60, 70, parent="00000000cafef00d", caller="billing")

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop(
            "server",
            "gateway",
            "GET /home",
            50.0,
            10.0,
            hop("client", "gateway", "GET /me", 40.0, 40.0),
        ),
        hop(
            "server",
            "profile",
            "GET /me",
            30.0,
            30.0,
            critical=False,
            orphan=True,
            likely_caller="gateway",
        ),
        hop(
            "server",
            "audit",
            "GET /event",
            10.0,
            10.0,
            critical=False,
            orphan=True,
            likely_caller="billing",
        ),
    ]
    assert tree.roots[1].likely_parent_span == call
    assert tree.roots[2].likely_parent_span is None
    # An orphan does not pass for the request's root.
    assert tree.root is not None
    assert tree.root.service == "gateway"


def test_callee_that_logs_nothing_is_an_external_call(tb: Any) -> None:
    t = tb()
    root = t.server("orders", "/orders", 0, 100)
    t.client("orders", "stripe", 10, 90, parent=root, path="/v1/charges", method="POST")
    t.client("orders", None, 91, 95, parent=root, url="https://geo.example.net/lookup")

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop(
            "server",
            "orders",
            "GET /orders",
            100.0,
            16.0,
            hop("external", "orders", "POST /v1/charges", 80.0, 80.0),
            hop("external", "orders", "GET /lookup", 4.0, 4.0),
        ),
    ]
    assert [h.target for h in tree.roots[0].children] == ["stripe", "geo.example.net"]
    summary = summarize(tree)
    assert summary.services == ("geo.example.net", "orders", "stripe")
    assert summary.path == ("orders", "stripe", "geo.example.net")


def test_retries_grouped_under_one_call(tb: Any) -> None:
    t = tb()
    root = t.server("cart", "/cart", 0, 200)
    a1 = t.client("cart", "stock", 10, 40, parent=root, path="/stock", status=503)
    t.server(
        "stock",
        "/stock",
        12,
        38,
        parent=a1,
        status=503,
        error_type="stock.Unavailable",
        error_message="db down",
    )
    a2 = t.client(
        "cart",
        "stock",
        60,
        90,
        parent=root,
        path="/stock",
        status=None,
        attempt=2,
        error_type="httpx.ReadTimeout",
    )
    a3 = t.client("cart", "stock", 120, 150, parent=root, path="/stock", attempt=3)
    t.server("stock", "/stock", 125, 145, parent=a3)
    # A separate, unretried call to the same endpoint afterwards stays on its own.
    t.client("cart", "stock", 160, 170, parent=root, path="/stock")

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop(
            "server",
            "cart",
            "GET /cart",
            200.0,
            50.0,
            hop(
                "call",
                "cart",
                "GET /stock",
                140.0,
                50.0,
                hop(
                    "client",
                    "cart",
                    "GET /stock",
                    30.0,
                    4.0,
                    hop("server", "stock", "GET /stock", 26.0, 26.0, status=503, error=True),
                    status=503,
                    error=True,
                    gap=4.0,
                ),
                hop("client", "cart", "GET /stock", 30.0, 30.0, status=None, error=True, attempt=2),
                hop(
                    "client",
                    "cart",
                    "GET /stock",
                    30.0,
                    10.0,
                    hop("server", "stock", "GET /stock", 20.0, 20.0),
                    gap=10.0,
                    attempt=3,
                ),
                status=200,
                attempt=3,
            ),
            hop("client", "cart", "GET /stock", 10.0, 10.0),
        ),
    ]
    # Retries run one after another: every attempt is on the critical path.
    # The first failure is where it started: the callee's 503, not the client's view of it.
    assert tree.first_failure is not None
    assert (tree.first_failure.service, tree.first_failure.kind) == ("stock", "server")
    assert summarize(tree).hop_count == 7
    assert a2 not in {h.span_id for h in tree.roots}


def test_fan_out_and_concurrency(tb: Any) -> None:
    t = tb()
    root = t.server("search", "/q", 0, 100)
    for name, start, end in (("idx-a", 10, 50), ("idx-b", 20, 90), ("idx-c", 30, 60)):
        call = t.client("search", name, start, end, parent=root, path="/find")
        t.server(name, "/find", start + 1, end - 1, parent=call)

    tree = build_tree(t.records)

    def call(name: str, start: int, end: int, critical: bool) -> dict[str, Any]:
        return hop(
            "client",
            "search",
            "GET /find",
            float(end - start),
            2.0,
            hop(
                "server",
                name,
                "GET /find",
                float(end - start - 2),
                float(end - start - 2),
                critical=critical,
            ),
            critical=critical,
            gap=2.0,
        )

    # Concurrent children count once in the parent's self time: 100 - (90 - 10) = 20.
    assert shape(tree) == [
        hop(
            "server",
            "search",
            "GET /q",
            100.0,
            20.0,
            call("idx-a", 10, 50, False),
            call("idx-b", 20, 90, True),
            call("idx-c", 30, 60, False),
        ),
    ]
    # The walk goes through the last finisher, then back to what ended before it started.
    assert [s.hop.service for s in tree.critical_path if s.hop.kind == "server"] == [
        "search",
        "idx-b",
        "search",
    ]
    assert summarize(tree).path == ("search", "idx-a", "idx-b", "idx-c")


def test_a_to_b_to_a_cycle(tb: Any) -> None:
    t = tb()
    a = t.server("users", "/users/{id}", 0, 60)
    c1 = t.client("users", "prefs", 5, 55, parent=a, path="/prefs")
    b = t.server("prefs", "/prefs", 7, 53, parent=c1)
    c2 = t.client("prefs", "users", 10, 50, parent=b, path="/users/{id}/flags")
    t.server("users", "/users/{id}/flags", 12, 48, parent=c2)

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop(
            "server",
            "users",
            "GET /users/{id}",
            60.0,
            10.0,
            hop(
                "client",
                "users",
                "GET /prefs",
                50.0,
                4.0,
                hop(
                    "server",
                    "prefs",
                    "GET /prefs",
                    46.0,
                    6.0,
                    hop(
                        "client",
                        "prefs",
                        "GET /users/{id}/flags",
                        40.0,
                        4.0,
                        hop("server", "users", "GET /users/{id}/flags", 36.0, 36.0, reentrant=True),
                        gap=4.0,
                    ),
                ),
                gap=4.0,
            ),
        ),
    ]
    assert summarize(tree).path == ("users", "prefs", "users")


def test_duplicate_records_are_folded(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/", 0, 10)
    t.log("gateway", root, 1, "hello")
    t.records.append(dict(t.records[0]))  # the same line delivered twice
    t.records.append(dict(t.records[1]))

    tree = build_tree(t.records)

    assert shape(tree) == [
        hop("server", "gateway", "GET /", 10.0, 10.0, duplicates=1, logs=["hello", "hello"]),
    ]
    assert tree.duplicates == 1
    assert summarize(tree).hop_count == 1


def test_span_cycle_from_corrupt_ids_is_cut(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/", 0, 100)
    t.server("x", "/x", 10, 20, span="00000000000000a1", parent="00000000000000a2")
    t.server("y", "/y", 30, 40, span="00000000000000a2", parent="00000000000000a1")

    tree = build_tree(t.records)

    assert [h.service for h in tree.roots] == ["gateway", "x"]
    assert tree.roots[1].orphan
    assert [c.service for c in tree.roots[1].children] == ["y"]
    assert tree.roots[0].span_id == root
    assert len(tree.hops) == 3


def test_clock_skew_adjustment_is_off_by_default_and_marks_moved_hops(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/", 0, 100)
    call = t.client("gateway", "orders", 10, 90, parent=root, path="/o")
    # The orders host runs 5 s ahead: its hop seems to start after the call ended.
    t.server("orders", "/o", 5015, 5075, parent=call)

    raw = build_tree(t.records)
    orders = raw.hops[2]
    assert not raw.skew_adjusted
    assert orders.skew_ns == 0
    assert orders.adj_start_ns == orders.start_ns
    # Even unadjusted, the parent's numbers use the callee placed inside the call.
    assert raw.hops[1].self_ns == 20_000_000
    assert raw.hops[1].gap_ns == 20_000_000

    fixed = build_tree(t.records, adjust_clock_skew=True)
    orders = fixed.hops[2]
    # Centred in the 80 ms call: 10 ms of network on each side.
    assert orders.adj_start_ns - fixed.hops[1].adj_start_ns == 10_000_000
    assert orders.skew_ns == -4_995_000_000
    assert orders.start_ns == raw.hops[2].start_ns  # raw times stay
    assert [h.adjusted for h in fixed.hops] == [False, False, True]
    assert tree_to_dict(fixed)["roots"][0]["children"][0]["children"][0]["skew_ms"] == -4995.0


def test_skew_follows_jaeger_rules(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/", 0, 100)
    inside = t.client("gateway", "a", 10, 50, parent=root, path="/a")
    t.server("a", "/a", 20, 40, parent=inside)  # fits: not moved
    longer = t.client("gateway", "b", 60, 70, parent=root, path="/b")
    t.server("b", "/b", 50, 80, parent=longer)  # longer than its caller, starts before it
    t.internal("b", "cache fill", 55, 60, parent=None, span="00000000000000b9")

    tree = build_tree(t.records, adjust_clock_skew=True)
    by_service = {(h.service, h.kind): h for h in tree.hops}
    assert by_service[("a", "server")].skew_ns == 0
    assert by_service[("b", "server")].skew_ns == 10_000_000  # aligned to the caller's start


def test_first_failing_hop_is_the_origin_of_the_failure(tb: Any) -> None:
    t = tb()
    root = t.server("gateway", "/buy", 0, 100, status=502)
    call = t.client("gateway", "orders", 10, 90, parent=root, path="/o", status=500)
    s = t.server("orders", "/o", 15, 85, parent=call, status=500)
    pay = t.client("orders", "payments", 20, 50, parent=s, path="/p", status=500)
    t.server(
        "payments",
        "/p",
        25,
        45,
        parent=pay,
        status=500,
        error_type="payments.Declined",
        error_message="card declined",
    )

    tree = build_tree(t.records)
    assert tree.first_failure is not None
    assert tree.first_failure.service == "payments"
    assert tree.first_failure.error_type == "payments.Declined"
    assert summarize(tree).error is True


def test_ten_thousand_hops_deep_and_wide(tb: Any) -> None:
    t = tb()
    parent = t.server("s0", "/", 0, 100_000)
    # A chain 2,500 callers deep (deeper than the recursion limit) ...
    for depth in range(1, 2501):
        call = t.client(f"s{depth - 1}", f"s{depth}", depth, 100_000 - depth, parent=parent)
        parent = t.server(f"s{depth}", "/", depth + 0.25, 100_000 - depth - 0.25, parent=call)
    # ... and 5,000 calls fanned out from the deepest hop.
    for i in range(5000):
        t.client("s2500", "leaf", 3000 + i, 3000 + i + 0.5, parent=parent, path=f"/{i}")
    assert len(t.records) == 10_001
    assert sys.getrecursionlimit() < 2500 * 2

    tree = build_tree(t.records, adjust_clock_skew=True)

    assert len(tree.hops) == 10_001
    assert max(h.depth for h in tree.hops) == 5001
    assert summarize(tree).hop_count == 10_001
    out = tree_to_dict(tree)
    node = out["roots"][0]
    depth = 0
    while node["children"] and node["children"][0]["kind"] != "external":
        node = node["children"][0]
        depth += 1
    assert depth == 5000
    assert len(node["children"]) == 5000


def test_json_of_a_chain_deeper_than_json_encoders_go(tb: Any) -> None:
    t = tb()
    parent = t.server("s0", "/", 0, 10_000)
    for depth in range(1, 151):
        call = t.client(f"s{depth - 1}", f"s{depth}", depth, 10_000 - depth, parent=parent)
        parent = t.server(f"s{depth}", "/", depth + 0.25, 10_000 - depth - 0.25, parent=call)
    tree = build_tree(t.records)
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(tree_to_dict(tree))
    parsed = json.loads(tree_to_json(tree))
    assert parsed == tree_to_dict(tree)


def test_logs_only_and_hops_without_ids(tb: Any) -> None:
    t = tb()
    t.log("worker", None, 5, "started without a request")
    empty = build_tree(t.records)
    assert (empty.roots, empty.critical_path, empty.first_failure) == ([], [], None)
    assert [r["message"] for r in empty.unattached_logs] == ["started without a request"]
    assert summarize(empty).hop_count == 0
    assert tree_to_dict(empty)["roots"] == []

    t.server("worker", "/job", 0, 10)
    del t.records[-1]["span.id"]
    tree = build_tree(t.records)
    assert shape(tree) == [hop("server", "worker", "GET /job", 10.0, 10.0)]
