"""The first failing hop: of all failed hops, the one that ended first (the callee's
server hop ends before the client hop that reports its 500, so this points at the
origin of a failure, not at the hops that passed it on)."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.chain._model import Hop


def first_failure(hops: Iterable[Hop]) -> Hop | None:
    failed = [h for h in hops if h.failed and h.kind != "call"]
    if not failed:
        return None
    return min(failed, key=lambda h: (h.adj_end_ns, -h.depth))
