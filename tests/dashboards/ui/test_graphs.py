"""Graphviz text of a trace's hop chain and of the dependency map."""

from __future__ import annotations

from dashboards.store import DependencyGraph, Edge
from dashboards.ui.graphs import chain_dot, dependency_dot
from sdk.chain import build_tree
from tests.dashboards.conftest import TraceBuilder


def test_chain_edges_carry_latency_and_failures() -> None:
    t = TraceBuilder()
    root = t.server("gateway", "/checkout", 0, 100, method="POST", status=502)
    call = t.client("gateway", 'pay"ments', 10, 90, parent=root, path="/pay", status=502)
    t.server('pay"ments', "/pay", 20, 80, parent=call, status=502, error_type="Declined")
    dot = chain_dot(build_tree(t.records))
    assert '__request__ -> "gateway" [label="POST /checkout\\n100.0 ms"' in dot
    assert '"gateway" -> "pay\\"ments" [label="80.0 ms\\n1 failed", color="#d62728"' in dot


def test_dependency_map_edges() -> None:
    graph = DependencyGraph(
        nodes=("a", "b"),
        edges=(Edge("a", "b", calls=10, errors=1, p50_ms=5, p95_ms=9, p99_ms=12),),
    )
    dot = dependency_dot(graph)
    assert '"a" -> "b" [label="10 calls\\n10.0% errors\\np95 9.00 ms"' in dot
