"""Passes over the linked tree: children in start order, depths, re-entered services
(A -> B -> A), callees that wrote nothing, and each hop's own log lines."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.chain import _fields as f
from sdk.chain._model import Hop
from sdk.schema import Record


def sort_and_mark(roots: list[Hop]) -> list[Hop]:
    """Sort children by start, set depth and ``reentrant``; return every node depth
    first. Iterative: a 10,000-hop chain is deeper than Python's recursion limit."""
    ordered: list[Hop] = []
    # (hop, depth, services of server hops above it)
    stack: list[tuple[Hop, int, frozenset[str]]] = [(r, 0, frozenset()) for r in reversed(roots)]
    while stack:
        hop, depth, above = stack.pop()
        hop.depth = depth
        ordered.append(hop)
        hop.children.sort(key=lambda c: (c.start_ns, c.attempt or 0))
        if hop.kind == "server":
            hop.reentrant = hop.service in above
            above = above | {hop.service}
        stack.extend((c, depth + 1, above) for c in reversed(hop.children))
    return ordered


def mark_external(hops: Iterable[Hop], writers: set[str]) -> None:
    """A client hop with no server hop below it, to a service that wrote nothing in this
    trace, is a call outside the system (a third-party API, a database)."""
    for hop in hops:
        if hop.kind != "client" or hop.children:
            continue
        if hop.target is None or hop.target not in writers:
            hop.kind = "external"


def attach_logs(hops: list[Hop], logs: list[Record]) -> list[Record]:
    """Give each hop the log lines written in its span (in the order given: the stores
    return them by time); return the lines no hop claims."""
    owner: dict[str, Hop] = {}
    # Lines are written inside server and internal hops; a client span owns lines only
    # when nothing else has its id.
    for hop in hops:
        if hop.span_id is not None and hop.kind in ("server", "internal"):
            owner.setdefault(hop.span_id, hop)
    for hop in hops:
        if hop.span_id is not None and hop.kind in ("client", "external"):
            owner.setdefault(hop.span_id, hop)
    unattached: list[Record] = []
    for line in logs:
        span = line.get(f.SPAN_ID)
        owner_hop = owner.get(span) if isinstance(span, str) else None
        (owner_hop.logs if owner_hop is not None else unattached).append(line)
    return unattached
