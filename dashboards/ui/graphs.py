"""Graphviz (DOT) text for the two service graphs: one request's hop chain (service ->
service, with the calls' latency) and the dependency map of a time range. Every name
from the records goes in as a quoted DOT string (:func:`dot_string`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dashboards.store import DependencyGraph
from dashboards.ui.rows import callee
from dashboards.ui.text import dot_string, ms, ns_ms
from sdk.chain import Hop, TraceTree

_FAILED = "#d62728"
_OK = "#4a6fa5"
_HEADER = (
    "digraph hops {\n"
    "  rankdir=LR;\n"
    '  graph [fontname="Helvetica", bgcolor="transparent"];\n'
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fa", color="#4a6fa5", '
    'fontname="Helvetica", fontsize=12];\n'
    '  edge [fontname="Helvetica", fontsize=10, color="#4a6fa5"];\n'
)


@dataclass(slots=True)
class _EdgeStats:
    calls: int = 0
    failed: int = 0
    total_ns: int = 0
    max_ns: int = 0


def _chain_edges(hops: Iterable[Hop]) -> dict[tuple[str, str], _EdgeStats]:
    edges: dict[tuple[str, str], _EdgeStats] = {}
    for hop in hops:
        if hop.kind not in ("client", "external"):
            continue
        stats = edges.setdefault((hop.service, callee(hop)), _EdgeStats())
        stats.calls += 1
        stats.failed += hop.failed
        stats.total_ns += hop.duration_ns
        stats.max_ns = max(stats.max_ns, hop.duration_ns)
    return edges


def _edge_label(stats: _EdgeStats) -> str:
    if stats.calls == 1:
        text = ns_ms(stats.total_ns)
    else:
        text = f"{stats.calls} calls\navg {ns_ms(stats.total_ns // stats.calls)}"
        text += f", max {ns_ms(stats.max_ns)}"
    if stats.failed:
        text += f"\n{stats.failed} failed"
    return text


def chain_dot(tree: TraceTree) -> str:
    """The services one request went through: an edge per caller -> callee pair, labelled
    with the calls' latency (one call: its duration; several: count, average, max)."""
    failed_services = {h.service for h in tree.hops if h.failed and h.kind == "server"}
    lines = [_HEADER]
    root = tree.root
    names: set[str] = set()
    if root is not None:
        lines.append('  __request__ [label="request", shape=plaintext, style=""];\n')
        color = _FAILED if root.failed else _OK
        label = f"{root.operation}\n{ns_ms(root.duration_ns)}"
        lines.append(
            f"  __request__ -> {dot_string(root.service)} "
            f"[label={dot_string(label)}, color={dot_string(color)}];\n"
        )
        names.add(root.service)
    for (caller, target), stats in sorted(_chain_edges(tree.hops).items()):
        names.update((caller, target))
        color = _FAILED if stats.failed else _OK
        lines.append(
            f"  {dot_string(caller)} -> {dot_string(target)} "
            f"[label={dot_string(_edge_label(stats))}, color={dot_string(color)}, "
            f"fontcolor={dot_string(color)}];\n"
        )
    for orphan in tree.roots[1:]:
        if orphan.likely_caller:
            names.update((orphan.likely_caller, orphan.service))
            lines.append(
                f"  {dot_string(orphan.likely_caller)} -> {dot_string(orphan.service)}"
                ' [style=dashed, label="caller not logged"];\n'
            )
    for name in sorted(names):
        if name in failed_services:
            lines.append(
                f'  {dot_string(name)} [color="{_FAILED}", fillcolor="#fde8e8", penwidth=2];\n'
            )
    lines.append("}\n")
    return "".join(lines)


def dependency_dot(graph: DependencyGraph) -> str:
    """The service dependency map: calls, error rate and p95 per edge."""
    lines = [_HEADER]
    for name in graph.nodes:
        lines.append(f"  {dot_string(name)};\n")
    most = max((e.calls for e in graph.edges), default=1)
    for edge in graph.edges:
        color = _FAILED if edge.errors else _OK
        calls = f"{edge.calls} call{'s' if edge.calls != 1 else ''}"
        label = f"{calls}\n{edge.error_rate:.1%} errors\np95 {ms(edge.p95_ms)}"
        width = 1 + 3 * math.log1p(edge.calls) / math.log1p(most)
        lines.append(
            f"  {dot_string(edge.caller)} -> {dot_string(edge.callee)} "
            f"[label={dot_string(label)}, color={dot_string(color)}, "
            f"fontcolor={dot_string(color)}, penwidth={width:.2f}];\n"
        )
    lines.append("}\n")
    return "".join(lines)
