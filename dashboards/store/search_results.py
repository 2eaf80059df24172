"""Reading the answers of the Elasticsearch / OpenSearch store: hits as flat records,
aggregation buckets as values, trace shapes, request summaries and latency figures, and
the comparison of sort positions. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dashboards import records as f
from dashboards.records import from_ns, parse_ns, read_ns
from dashboards.store.base import Edge, RequestSummary
from dashboards.store.search_query import PERCENTS

#: A trace's hop count, services and whether any hop failed.
Shape = tuple[int, tuple[str, ...], bool]


def flat(source: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """*source* with dotted names: engines answer a filtered ``_source`` either as stored
    (flat dotted names) or nested by the dots."""
    out: dict[str, Any] = {}
    for key, value in source.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def read_values(answer: Mapping[str, Any]) -> set[str]:
    return {str(b["key"]) for b in answer["aggregations"]["v"]["buckets"]}


def read_shapes(aggs: Mapping[str, Any]) -> dict[str, Shape]:
    out: dict[str, Shape] = {}
    for trace, bucket in aggs["t"]["buckets"].items():
        if not bucket["doc_count"]:  # no hops stored: no shape, as for a missing trace
            continue
        services = tuple(sorted(str(s["key"]) for s in bucket["s"]["buckets"]))
        out[str(trace)] = (bucket["doc_count"], services, bucket["e"]["doc_count"] > 0)
    return out


def sort_key(hit: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(hit["sort"])


def between(
    key: tuple[Any, ...], after: list[Any] | None, bound: list[Any] | None, descending: bool
) -> bool:
    """Whether *key* sorts after *after* (exclusive) and up to *bound* (inclusive)."""
    if descending:
        return (after is None or key < tuple(after)) and (bound is None or key >= tuple(bound))
    return (after is None or key > tuple(after)) and (bound is None or key <= tuple(bound))


def summary(
    source: Mapping[str, Any], shape: tuple[int, tuple[str, ...], bool] | None
) -> RequestSummary:
    status = source.get(f.STATUS)
    duration = source.get(f.DURATION) or 0
    start_ns = read_ns(source.get(f.START))
    if start_ns is None:  # absent, or a time that cannot be read
        start_ns = parse_ns(str(source[f.TIMESTAMP])) - duration
    failed = f.is_failure(source)
    service = str(source.get(f.SERVICE) or "?")
    hop_count, services, has_errors = shape or (1, (service,), failed)
    return RequestSummary(
        trace_id=str(source[f.TRACE_ID]),
        span_id=source.get(f.SPAN_ID),
        service=service,
        route=source.get(f.ROUTE),
        method=source.get(f.METHOD),
        path=source.get(f.URL_PATH),
        status_code=status if isinstance(status, int) else None,
        start=from_ns(start_ns),
        duration_ms=duration / 1e6,
        failed=failed,
        has_errors=has_errors or failed,
        hop_count=hop_count,
        services=services,
    )


def flatten_buckets(
    aggs: Mapping[str, Any], names: list[str], keys: dict[str, Any] | None = None
) -> Iterable[tuple[dict[str, Any], Mapping[str, Any]]]:
    """Nested bucket aggregations -> (keys per level, leaf bucket)."""
    keys = keys or {}
    name, rest = names[0], names[1:]
    for bucket in aggs[name]["buckets"]:
        level = {**keys, name: bucket["key"]}
        if rest:
            yield from flatten_buckets(bucket, rest, level)
        else:
            yield level, bucket


def read_percentiles(agg: Mapping[str, Any]) -> tuple[float, float, float]:
    values = agg.get("values", {})
    if isinstance(values, list):  # keyed: false form
        values = {str(v["key"]): v["value"] for v in values}
    picked = [values.get(str(p)) or values.get(f"{p:g}") for p in PERCENTS]
    p50, p95, p99 = (float(v) / 1e6 if v is not None else 0.0 for v in picked)
    return p50, p95, p99


def edge_of(caller: str, callee: str, bucket: Mapping[str, Any]) -> Edge:
    p50, p95, p99 = read_percentiles(bucket["p"])
    return Edge(caller, callee, bucket["doc_count"], bucket["e"]["doc_count"], p50, p95, p99)


def merge_edges(a: Edge, b: Edge) -> Edge:
    """Two URL buckets of one unnamed callee: counts add; percentiles are the larger
    (an upper bound: the server's per-URL digests cannot be merged exactly)."""
    return Edge(
        a.caller,
        a.callee,
        a.calls + b.calls,
        a.errors + b.errors,
        max(a.p50_ms, b.p50_ms),
        max(a.p95_ms, b.p95_ms),
        max(a.p99_ms, b.p99_ms),
    )
