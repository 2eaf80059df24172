"""The tree as plain nested objects (``hopscope trace --json``, the dashboard's tables)."""

from __future__ import annotations

from typing import Any

import orjson

from sdk.chain import _fields as f
from sdk.chain._fields import format_ns
from sdk.chain._model import Hop, TraceTree
from sdk.chain._summary import summarize
from sdk.schema import names


def _ms(ns: int | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 3)


def hop_to_dict(hop: Hop) -> dict[str, Any]:
    """One node without its children (``children`` is an empty list to fill)."""
    return {
        "service": hop.service,
        "operation": hop.operation,
        "kind": hop.kind,
        "span_id": hop.span_id,
        "parent_id": hop.parent_id,
        "start": format_ns(hop.start_ns),
        "duration_ms": _ms(hop.duration_ns),
        "self_ms": _ms(hop.self_ns),
        "gap_ms": _ms(hop.gap_ns),
        "status_code": hop.status_code,
        "error": hop.failed,
        "error_type": hop.error_type,
        "error_message": hop.error_message,
        "attempt": hop.attempt,
        "target": hop.target,
        "orphan": hop.orphan,
        "likely_caller": hop.likely_caller,
        "reentrant": hop.reentrant,
        "duplicates": hop.duplicates,
        "skew_ms": _ms(hop.skew_ns),
        "adjusted_start": format_ns(hop.adj_start_ns),
        "critical": hop.critical,
        "logs": [
            {
                names.TIMESTAMP: line.get(f.TIMESTAMP),
                names.LOG_LEVEL: line.get(f.LEVEL),
                names.MESSAGE: line.get(f.MESSAGE),
            }
            for line in hop.logs
        ],
        "children": [],
    }


def tree_to_dict(tree: TraceTree) -> dict[str, Any]:
    """``{"trace_id", "summary", "roots": [nested nodes], ...}``; built without recursion
    so a 10,000-deep chain converts too."""
    out_roots: list[dict[str, Any]] = []
    stack: list[tuple[Hop, list[dict[str, Any]]]] = [(r, out_roots) for r in reversed(tree.roots)]
    while stack:
        hop, siblings = stack.pop()
        node = hop_to_dict(hop)
        siblings.append(node)
        stack.extend((c, node["children"]) for c in reversed(hop.children))
    summary = summarize(tree)
    failure = tree.first_failure
    return {
        "trace_id": tree.trace_id,
        "summary": {
            "root_service": summary.root_service,
            "root_route": summary.root_route,
            "start": format_ns(summary.start_ns),
            "duration_ms": _ms(summary.duration_ns),
            "hop_count": summary.hop_count,
            "services": list(summary.services),
            "error": summary.error,
            "path": list(summary.path),
            "signature": summary.signature,
        },
        "skew_adjusted": tree.skew_adjusted,
        "duplicates": tree.duplicates,
        "first_failure": None if failure is None else failure.span_id,
        "critical_path": [
            {"span_id": s.hop.span_id, "service": s.hop.service, "ms": _ms(s.end_ns - s.start_ns)}
            for s in tree.critical_path
        ],
        "roots": out_roots,
        "unattached_logs": len(tree.unattached_logs),
    }


def tree_to_json(tree: TraceTree) -> str:
    """:func:`tree_to_dict` as JSON text, written without recursion: JSON encoders recurse
    per nesting level and give up long before a 10,000-hop chain's depth."""
    head = tree_to_dict(tree)
    roots = head.pop("roots")
    parts: list[str] = [orjson.dumps(head).decode()[:-1], ', "roots": [']
    # Stack items: a node to open, or the closing text of a node whose children are done.
    stack: list[dict[str, Any] | str] = [*reversed(_with_commas(roots))]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        children = item.pop("children")
        parts.append(orjson.dumps(item).decode()[:-1] + ', "children": [')
        stack.append("]}")
        stack.extend(reversed(_with_commas(children)))
    parts.append("]}")
    return "".join(parts) + "\n"


def _with_commas(nodes: list[dict[str, Any]]) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for i, node in enumerate(nodes):
        if i:
            out.append(", ")
        out.append(node)
    return out
