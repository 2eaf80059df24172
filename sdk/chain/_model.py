"""The reconstructed hop chain: one :class:`Hop` node per hop (or per group of retried
attempts), linked into a tree, with the timings the views show."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from sdk.schema import Record

#: ``server``/``client``/``internal`` come from ``hopscope.hop.kind``; ``call`` is a group of
#: retried client attempts (its children are the attempts); ``external`` is a client hop
#: whose callee wrote nothing.
NodeKind = Literal["server", "client", "internal", "call", "external"]


@dataclass(slots=True, eq=False)
class Hop:
    """One node of the chain. Times are Unix nanoseconds; ``start_ns``/``end_ns`` are as
    recorded, ``adj_start_ns``/``adj_end_ns`` after clock-skew adjustment (equal to the raw
    ones unless the adjustment moved this hop)."""

    kind: NodeKind
    span_id: str | None
    parent_id: str | None
    service: str
    #: route (server), ``METHOD target`` (client), message (internal)
    operation: str
    start_ns: int
    end_ns: int
    record: Record | None
    status_code: int | None = None
    failed: bool = False
    error_type: str | None = None
    error_message: str | None = None
    #: client attempt number; on a ``call`` group, the number of attempts
    attempt: int | None = None
    #: the callee service a client hop called (``service.target.name`` or the URL's host)
    target: str | None = None
    #: host key of the clock this hop was timed with
    host: str = ""
    children: list[Hop] = field(default_factory=list)
    #: the hop's own log lines (records with its span id), oldest first
    logs: list[Record] = field(default_factory=list)
    #: its parent hop is not in the store
    orphan: bool = False
    #: for an orphan: the service that most likely called it, from client-hop fields
    likely_caller: str | None = None
    #: for an orphan: the span of the client hop that most likely called it
    likely_parent_span: str | None = None
    #: this service already appears above it in the chain (A -> B -> A)
    reentrant: bool = False
    #: identical hop records folded into this one
    duplicates: int = 0
    depth: int = 0
    # Derived by the pipeline:
    adj_start_ns: int = 0
    adj_end_ns: int = 0
    #: nanoseconds the skew adjustment moved this hop by (0 = not adjusted)
    skew_ns: int = 0
    self_ns: int = 0
    #: client hop (or attempt): its duration minus its callee's server hop (network, queue)
    gap_ns: int | None = None
    critical: bool = False

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    @property
    def adjusted(self) -> bool:
        return self.skew_ns != 0

    def walk(self) -> Iterator[Hop]:
        """This hop and every hop below it, depth first, children in start order."""
        stack = [self]
        while stack:
            hop = stack.pop()
            yield hop
            stack.extend(reversed(hop.children))


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the critical path spent in one hop itself (not waiting on a child)."""

    hop: Hop
    start_ns: int
    end_ns: int


@dataclass(slots=True)
class TraceTree:
    """The whole chain of one trace."""

    trace_id: str
    #: the request's root first, then orphans and other parentless hops, by start
    roots: list[Hop]
    #: every node, depth first from the roots
    hops: list[Hop]
    #: log lines whose span matches no hop (or that carry no span)
    unattached_logs: list[Record] = field(default_factory=list)
    #: hop records dropped as duplicates of another with the same span and kind
    duplicates: int = 0
    skew_adjusted: bool = False
    critical_path: list[Segment] = field(default_factory=list)
    first_failure: Hop | None = None

    @property
    def root(self) -> Hop | None:
        return self.roots[0] if self.roots else None

    def find(self, span_id: str) -> Hop | None:
        return next((h for h in self.hops if h.span_id == span_id), None)


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One line about a trace: what the requests list and grouping by path need."""

    trace_id: str
    root_service: str | None
    root_route: str | None
    start_ns: int
    duration_ns: int
    hop_count: int
    services: tuple[str, ...]
    error: bool
    #: the ordered service path, e.g. ``("gateway", "orders", "payments")``
    path: tuple[str, ...]

    @property
    def signature(self) -> str:
        return " > ".join(self.path)
