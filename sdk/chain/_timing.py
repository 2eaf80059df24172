"""Per-hop timings: where each child sits inside its parent's clock, the hop's self time
(its duration not covered by any child, concurrency counted once) and the client-side gap
(a client hop's time minus its callee's server hop: network, queues, connection setup)."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.chain._model import Hop


def window(parent: Hop, child: Hop) -> tuple[int, int]:
    """The child's span in the parent's clock, clipped to the parent. A child timed on
    another host that does not fit (unadjusted skew) is placed centred, as skew
    adjustment would place it, so one bad clock does not distort the parent's numbers."""
    p_start, p_end = parent.adj_start_ns, parent.adj_end_ns
    start, end = child.adj_start_ns, child.adj_end_ns
    fits = p_start <= start and end <= p_end
    if not fits and child.host != parent.host:
        length = min(end - start, p_end - p_start)
        start = p_start + (p_end - p_start - length) // 2
        end = start + length
    return max(start, p_start), max(min(end, p_end), max(start, p_start))


def covered(intervals: list[tuple[int, int]]) -> int:
    """Total length of the union of intervals."""
    total = 0
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return total


def compute_timings(hops: Iterable[Hop]) -> None:
    for hop in hops:
        duration = hop.adj_end_ns - hop.adj_start_ns
        hop.self_ns = duration - covered([window(hop, c) for c in hop.children])
        if hop.kind == "client":
            servers = [c for c in hop.children if c.kind == "server"]
            if servers:
                hop.gap_ns = max(hop.duration_ns - sum(s.duration_ns for s in servers), 0)
