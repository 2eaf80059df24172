"""The critical path: the chain of work the request's end waited on. Jaeger's walk: from
the end of a hop, step into the child that finished last before the current point; when
no child is left, the rest of the hop up to its start is its own time, and the walk goes
back to the parent at that hop's start."""

from __future__ import annotations

from bisect import bisect_right

from sdk.chain._model import Hop, Segment
from sdk.chain._timing import window


class _Frame:
    """A hop's children sorted by end (in the hop's clock), consumed from the end."""

    __slots__ = ("ends", "kids", "windows")

    def __init__(self, hop: Hop) -> None:
        placed = sorted(((window(hop, c), c) for c in hop.children), key=lambda p: p[0][1])
        self.windows = [w for w, _ in placed]
        self.kids = [c for _, c in placed]
        self.ends = [w[1] for w in self.windows]

    def last_before(self, point: int) -> int:
        """Index of the child ending last at or before *point*, or -1."""
        return bisect_right(self.ends, point) - 1


def critical_path(root: Hop) -> list[Segment]:
    """Mark ``critical`` on the hops of the path and return its segments, oldest first."""
    frames: dict[int, _Frame] = {}
    parents: dict[int, tuple[Hop, tuple[int, int]]] = {}
    segments: list[Segment] = []
    hop, until = root, root.adj_end_ns
    while True:
        hop.critical = True
        frame = frames.get(id(hop))
        if frame is None:
            frame = frames[id(hop)] = _Frame(hop)
        index = frame.last_before(until)
        if index >= 0:
            (c_start, c_end), child = frame.windows[index], frame.kids[index]
            # Only children before the point remain candidates later.
            del frame.windows[index:], frame.kids[index:], frame.ends[index:]
            if c_end < until:
                segments.append(Segment(hop, c_end, until))
            parents[id(child)] = (hop, (c_start, c_end))
            hop, until = child, child.adj_end_ns
            continue
        if hop.adj_start_ns < until or not segments:
            segments.append(Segment(hop, hop.adj_start_ns, until))
        up = parents.get(id(hop))
        if up is None:
            break
        hop, until = up[0], up[1][0]
    segments.reverse()
    return segments
