"""Linking hops into a tree by ``span.id``/``parent.id``: duplicates folded, span cycles
broken, the request's root chosen, orphans named with their likely caller."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.chain._model import Hop
from sdk.schema import names

#: Which hop a ``parent.id`` means when several kinds share a span id: the caller side.
_PARENT_PREFERENCE = {"client": 0, "internal": 1, "server": 2}


def fold_duplicates(hops: Iterable[Hop]) -> tuple[list[Hop], int]:
    """Keep the first hop per (span, kind); count the rest onto it."""
    kept: dict[tuple[str, str], Hop] = {}
    unique: list[Hop] = []
    dropped = 0
    for hop in hops:
        if hop.span_id is None:
            unique.append(hop)
            continue
        key = (hop.span_id, hop.kind)
        first = kept.get(key)
        if first is None:
            kept[key] = hop
            unique.append(hop)
        else:
            first.duplicates += 1
            dropped += 1
    return unique, dropped


def link(hops: list[Hop]) -> list[Hop]:
    """Attach every hop to its parent; return the parentless ones (unsorted)."""
    by_span: dict[str, Hop] = {}
    for hop in hops:
        if hop.span_id is None:
            continue
        known = by_span.get(hop.span_id)
        if known is None or _PARENT_PREFERENCE[hop.kind] < _PARENT_PREFERENCE[known.kind]:
            by_span[hop.span_id] = hop
    roots: list[Hop] = []
    for hop in hops:
        parent = by_span.get(hop.parent_id) if hop.parent_id else None
        if parent is None or parent is hop:
            roots.append(hop)
        else:
            parent.children.append(hop)
    return roots + _break_cycles(hops, roots)


def _break_cycles(hops: list[Hop], roots: list[Hop]) -> list[Hop]:
    """Hops linked only among themselves (a span cycle, from corrupt ids) are unreachable
    from any root: cut each cycle at its earliest hop and return those as extra roots."""
    reached: set[int] = set()
    for root in roots:
        reached.update(id(h) for h in root.walk())
    if len(reached) == len(hops):
        return []
    parent_of = {id(c): h for h in hops for c in h.children}
    cut: list[Hop] = []
    for hop in sorted(hops, key=lambda h: h.start_ns):
        if id(hop) in reached:
            continue
        # Climb until a hop repeats: that one lies on the cycle.
        chain: list[Hop] = []
        seen: set[int] = set()
        node = hop
        while id(node) not in seen:
            seen.add(id(node))
            chain.append(node)
            node = parent_of[id(node)]
        cycle = chain[chain.index(node) :]
        head = min(cycle, key=lambda h: h.start_ns)
        parent_of[id(head)].children.remove(head)
        head.orphan = True
        cut.append(head)
        reached.update(id(h) for h in head.walk())
    return cut


def order_roots(roots: list[Hop]) -> list[Hop]:
    """The request's root first: no parent id, then server hops, then earliest start."""
    ordered = sorted(
        roots,
        key=lambda h: (h.parent_id is not None, h.kind != "server", h.start_ns),
    )
    for extra in ordered[1:]:
        if extra.parent_id is not None:
            extra.orphan = True
    return ordered


def name_likely_callers(roots: list[Hop], hops: list[Hop]) -> None:
    """For each orphan server hop, find the client hop that most likely called it: one
    calling its service whose callee is not in the store, around the same time."""
    open_calls = [
        h for h in hops if h.kind == "client" and not any(c.kind == "server" for c in h.children)
    ]
    for orphan in roots:
        if not orphan.orphan or orphan.kind != "server":
            continue
        candidates = [c for c in open_calls if c.target == orphan.service]
        if candidates:
            best = min(candidates, key=lambda c: _distance(c, orphan))
            orphan.likely_caller = best.service
            orphan.likely_parent_span = best.span_id
        elif orphan.record is not None:
            origin = orphan.record.get(names.SERVICE_ORIGIN_NAME)
            orphan.likely_caller = origin if isinstance(origin, str) and origin else None


def _distance(call: Hop, callee: Hop) -> int:
    """How far a callee's span sits from inside its caller's span (0 = inside)."""
    return max(call.start_ns - callee.start_ns, 0) + max(callee.end_ns - call.end_ns, 0)
