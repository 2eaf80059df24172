"""The waterfall's rows: the hop tree flattened depth first, with long runs of the same
call from one parent (an N+1 loop: "\u00d7 250 calls to cart") folded into one row, then cut
into pages so a 10,000-hop trace draws a page at a time. No Streamlit here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sdk.chain import Hop, TraceTree

#: A run of at least this many identical sibling calls becomes one row.
COLLAPSE_AT = 5

_Signature = tuple[str, str, str | None, str]


class HopIndex:
    """A stable key per hop (its span id where it has one), for URLs and selections."""

    def __init__(self, tree: TraceTree) -> None:
        self._by_key: dict[str, Hop] = {}
        self._keys: dict[int, str] = {}
        for n, hop in enumerate(tree.hops):
            key = hop.span_id if hop.kind != "call" and hop.span_id else f"{hop.kind}-{n}"
            if key in self._by_key:
                key = f"{key}-{n}"
            self._by_key[key] = hop
            self._keys[id(hop)] = key

    def key(self, hop: Hop) -> str:
        return self._keys[id(hop)]

    def get(self, key: str | None) -> Hop | None:
        return None if key is None else self._by_key.get(key)

    def __len__(self) -> int:
        return len(self._by_key)


@dataclass(frozen=True, slots=True)
class Row:
    """One waterfall row: a hop, or a folded run of identical sibling calls."""

    key: str
    depth: int
    hop: Hop
    #: the folded hops (empty for a single hop's row)
    members: tuple[Hop, ...] = ()
    start_ns: int = 0
    end_ns: int = 0
    failed: bool = False
    critical: bool = False
    #: folded hops whose subtree has a failure
    errors: int = 0
    #: hops the folded row stands for, with everything below them
    hidden: int = 0

    @property
    def folded(self) -> bool:
        return bool(self.members)


def signature(hop: Hop) -> _Signature:
    return (hop.kind, hop.service, hop.target, hop.operation)


def callee(hop: Hop) -> str:
    """Who a client-side node called: its server child's service, else its target."""
    for child in hop.children:
        if child.kind == "server":
            return child.service
        if child.kind == "client":
            return callee(child)
    return hop.target or hop.service


def label(row: Row) -> str:
    """The row's text (raw: escape it for the place it is shown)."""
    hop = row.hop
    if row.folded:
        if hop.kind in ("client", "call", "external"):
            what = f"calls to {callee(hop)} {hop.operation}"
        else:
            what = f"{hop.kind} {hop.service} {hop.operation}"
        return f"\u00d7 {len(row.members)} {what}"
    if hop.kind in ("client", "external"):
        suffix = f" (attempt {hop.attempt})" if hop.attempt and hop.attempt > 1 else ""
        return f"{hop.service} → {callee(hop)} {hop.operation}{suffix}"
    if hop.kind == "call":
        return f"{hop.service} → {callee(hop)} {hop.operation} ({hop.attempt} attempts)"
    return f"{hop.service} {hop.operation}"


def _runs(children: Sequence[Hop]) -> list[list[Hop]]:
    runs: list[list[Hop]] = []
    for child in children:
        if runs and signature(runs[-1][-1]) == signature(child):
            runs[-1].append(child)
        else:
            runs.append([child])
    return runs


def _subtree_failed(hop: Hop) -> bool:
    return any(h.failed for h in hop.walk())


def _fold(members: list[Hop], depth: int, index: HopIndex) -> Row:
    return Row(
        key="fold-" + index.key(members[0]),
        depth=depth,
        hop=members[0],
        members=tuple(members),
        start_ns=min(m.adj_start_ns for m in members),
        end_ns=max(m.adj_end_ns for m in members),
        failed=any(_subtree_failed(m) for m in members),
        critical=any(m.critical for m in members),
        errors=sum(1 for m in members if _subtree_failed(m)),
        hidden=sum(sum(1 for _ in m.walk()) for m in members),
    )


def _single(hop: Hop, depth: int, index: HopIndex) -> Row:
    return Row(
        key=index.key(hop),
        depth=depth,
        hop=hop,
        start_ns=hop.adj_start_ns,
        end_ns=hop.adj_end_ns,
        failed=hop.failed,
        critical=hop.critical,
    )


def flatten(
    tree: TraceTree, index: HopIndex, *, collapse_at: int | None = COLLAPSE_AT
) -> list[Row]:
    """Rows depth first; runs of ``collapse_at`` or more identical siblings folded (None:
    fold nothing). Iterative: chains deeper than Python's recursion limit flatten too."""
    rows: list[Row] = []
    stack: list[tuple[list[Hop], int]] = [([r], 0) for r in reversed(tree.roots)]
    while stack:
        group, depth = stack.pop()
        if len(group) > 1:
            rows.append(_fold(group, depth, index))
            continue
        hop = group[0]
        rows.append(_single(hop, depth, index))
        runs = _runs(hop.children)
        pending: list[tuple[list[Hop], int]] = []
        for run in runs:
            if collapse_at is not None and len(run) >= collapse_at:
                pending.append((run, depth + 1))
            else:
                pending.extend(([c], depth + 1) for c in run)
        stack.extend(reversed(pending))
    return rows


def page_count(rows: Sequence[Row], size: int) -> int:
    return max(1, -(-len(rows) // size))


def page_of(rows: Sequence[Row], size: int, page: int) -> list[Row]:
    """Rows of *page* (1-based; clamped to the pages there are)."""
    page = min(max(page, 1), page_count(rows, size))
    return list(rows[(page - 1) * size : page * size])


def row_holding(rows: Sequence[Row], hop: Hop) -> int | None:
    """Index of the row that shows *hop* (itself, or the folded run or hop it sits in)."""
    for n, row in enumerate(rows):
        if row.hop is hop and not row.folded:
            return n
        if any(h is hop for member in row.members for h in member.walk()):
            return n
    return None
