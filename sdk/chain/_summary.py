"""One line per trace: root, time, size, services, errors and the service path that
groups traces of the same shape."""

from __future__ import annotations

from sdk.chain import _fields as f
from sdk.chain._model import Hop, TraceSummary, TraceTree

#: Nodes that stand for a service taking part in the request.
_PATH_KINDS = frozenset({"server", "external"})


def service_path(tree: TraceTree) -> tuple[str, ...]:
    """Services in the order the request entered them (depth first, by start), with a
    service repeated only when re-entered from elsewhere: ``gateway > orders > gateway``
    for A -> B -> A, but one ``orders`` for ten calls in a row to orders."""
    path: list[str] = []
    for hop in tree.hops:
        is_entry = hop.kind in _PATH_KINDS or (hop.depth == 0 and hop.kind != "call")
        name = hop.target if hop.kind == "external" and hop.target else hop.service
        if is_entry and (not path or path[-1] != name):
            path.append(name)
    return tuple(path)


def summarize(tree: TraceTree) -> TraceSummary:
    records = [h for h in tree.hops if h.kind != "call"]
    root: Hop | None = tree.root
    if root is not None:
        start, duration = root.start_ns, root.duration_ns
        route = root.record.get(f.ROUTE) if root.record is not None else None
    else:
        start, duration, route = 0, 0, None
    if records and root is not None and root.orphan:
        start = min(h.start_ns for h in records)
        duration = max(h.end_ns for h in records) - start
    services = {h.service for h in records if h.kind != "external"}
    services.update(h.target for h in records if h.kind == "external" and h.target)
    return TraceSummary(
        trace_id=tree.trace_id,
        root_service=root.service if root is not None else None,
        root_route=route if isinstance(route, str) else None,
        start_ns=start,
        duration_ns=duration,
        hop_count=len(records),
        services=tuple(sorted(services)),
        error=any(h.failed for h in records),
        path=service_path(tree),
    )
