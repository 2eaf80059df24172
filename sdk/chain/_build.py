"""Records of one trace -> :class:`TraceTree`: the reconstruction pipeline, each step a
small function over the hops."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.chain import _fields as f
from sdk.chain._critical import critical_path
from sdk.chain._failure import first_failure
from sdk.chain._link import fold_duplicates, link, name_likely_callers, order_roots
from sdk.chain._model import TraceTree
from sdk.chain._nodes import make_hop, split_records
from sdk.chain._retries import group_retries
from sdk.chain._shape import attach_logs, mark_external, sort_and_mark
from sdk.chain._skew import adjust_skew
from sdk.chain._timing import compute_timings
from sdk.schema import Record


def build_tree(
    records: Iterable[Record], *, trace_id: str | None = None, adjust_clock_skew: bool = False
) -> TraceTree:
    """Rebuild the hop chain of one trace from its records (hops and log lines, any order).

    ``adjust_clock_skew`` applies Jaeger's centring rule to hops timed on other hosts;
    adjusted hops have ``skew_ns != 0`` and keep their raw ``start_ns``/``end_ns``.
    """
    hop_records, log_records = split_records(records)
    hops, duplicates = fold_duplicates(make_hop(r) for r in hop_records)
    writers = {h.service for h in hops} | {
        str(r[f.SERVICE]) for r in log_records if r.get(f.SERVICE)
    }
    roots = order_roots(link(hops))
    name_likely_callers(roots, hops)
    mark_external(hops, writers)
    unattached = attach_logs(hops, log_records)
    for hop in list(hops):
        group_retries(hop)
    ordered = sort_and_mark(roots)
    if adjust_clock_skew:
        adjust_skew(roots)
    compute_timings(ordered)
    tree = TraceTree(
        trace_id=trace_id or _trace_id(hop_records, log_records),
        roots=roots,
        hops=ordered,
        unattached_logs=unattached,
        duplicates=duplicates,
        skew_adjusted=adjust_clock_skew,
    )
    if roots:
        tree.critical_path = critical_path(roots[0])
    tree.first_failure = first_failure(ordered)
    return tree


def _trace_id(*groups: list[Record]) -> str:
    for group in groups:
        for record in group:
            value = record.get(f.TRACE_ID)
            if isinstance(value, str) and value:
                return value
    return ""
