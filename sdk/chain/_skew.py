"""Clock-skew adjustment across hosts, by Jaeger's rule: a hop timed on another host than
its parent, that does not fit inside its parent, is shifted to sit centred in it (the
network time split evenly between request and response); hops on the same host as their
parent move with it. Off by default; raw times stay in ``start_ns``/``end_ns``."""

from __future__ import annotations

from sdk.chain._model import Hop


def skew_delta(child: Hop, parent: Hop) -> int:
    """Nanoseconds to add to *child* (raw times) to place it within *parent* (adjusted)."""
    p_start, p_dur = parent.adj_start_ns, parent.adj_end_ns - parent.adj_start_ns
    c_start, c_dur = child.start_ns, child.duration_ns
    if c_dur > p_dur:
        # Longer than its parent: nothing to centre; at least do not start before it.
        return p_start - c_start if c_start < p_start else 0
    if c_start >= p_start and c_start + c_dur <= p_start + p_dur:
        return 0
    latency = (p_dur - c_dur) // 2
    return p_start + latency - c_start


def adjust_skew(roots: list[Hop]) -> int:
    """Set ``adj_*`` and ``skew_ns`` on every hop; return how many hops moved."""
    moved = 0
    stack: list[tuple[Hop, Hop | None, int]] = [(r, None, 0) for r in roots]
    while stack:
        hop, parent, delta = stack.pop()
        if parent is not None and hop.host != parent.host:
            delta = skew_delta(hop, parent)
        hop.skew_ns = delta
        hop.adj_start_ns = hop.start_ns + delta
        hop.adj_end_ns = hop.end_ns + delta
        moved += delta != 0
        stack.extend((c, hop, delta) for c in hop.children)
    return moved
