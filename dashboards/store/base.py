"""The store interface the dashboard and ``hopscope trace`` ask their questions through,
with its query and result types. Implementations: :mod:`dashboards.store.sqlite` (the
embedded default) and :mod:`dashboards.store.search` (Elasticsearch / OpenSearch).

Definitions every implementation follows (and the shared tests check):

- A *request* is a trace, summarised by its *root hop*: a server hop whose caller is not in
  the store (no ``parent.id``, or a ``parent.id`` no hop record of the trace carries).
- Root-hop filters (``service``, ``route``, ``method``, ``status_class``, duration bounds,
  the time range on the root's ``@timestamp``) select on the root hop itself.
- Trace filters (``text``, ``errors_only``, ``attributes``) hold when *any* record of the
  trace matches: a log line's words, any failed hop, any record with that field value.
- A hop *failed* when it has ``error.type``, ``event.outcome = failure`` or a 5xx status
  (:func:`dashboards.records.is_failure`).
- Statistics are over server hops (every hop a service answered, roots or not) bucketed by
  ``@timestamp``; percentiles use the nearest-rank definition on exact values.
- The dependency graph is built from client hops (caller ``service.name`` -> callee
  ``service.target.name``), so a call whose callee logged nothing still shows as an edge;
  latency per edge is the caller's view, network included.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Generic, Literal, TypeVar
from urllib.parse import urlsplit

from dashboards.records import Record
from dashboards.store.errors import BadQuery as BadQuery  # re-exported from here too
from dashboards.store.errors import StoreError as StoreError
from dashboards.store.logs import HistogramBar, LogContext, LogPage, LogQuery

T = TypeVar("T")

Order = Literal["newest", "oldest", "slowest"]
AttributeValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Half-open ``[start, end)`` on ``@timestamp``; ``None`` leaves that side open.
    Naive datetimes are taken as UTC."""

    start: datetime | None = None
    end: datetime | None = None


#: The whole store, no time bounds.
ALL_TIME = TimeRange()


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """Which requests to list (see the module docstring for what each filter matches)."""

    time: TimeRange = ALL_TIME
    service: str | None = None
    route: str | None = None
    method: str | None = None
    #: 2 for 2xx, 4 for 4xx, 5 for 5xx ...
    status_class: int | None = None
    errors_only: bool = False
    min_duration_ms: float | None = None
    max_duration_ms: float | None = None
    #: words that must all occur in one record's ``message`` (any record of the trace)
    text: str | None = None
    trace_id: str | None = None
    #: dotted schema field -> exact value, each held by some record of the trace
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    order: Order = "newest"
    limit: int = 50
    #: opaque, from :attr:`Page.next_cursor` of the previous page of the same query
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class RequestSummary:
    """One row of the requests list: the root hop, plus the trace's shape."""

    trace_id: str
    span_id: str | None
    service: str
    route: str | None
    method: str | None
    path: str | None
    status_code: int | None
    start: datetime
    duration_ms: float
    #: the root hop failed
    failed: bool
    #: some hop of the trace failed (root included)
    has_errors: bool
    #: hop records in the trace (server, client and internal)
    hop_count: int
    #: services that wrote a hop, sorted
    services: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of results; ``next_cursor`` is ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """Latency statistics of server hops, per service (and per route when ``by_route``),
    in buckets of ``bucket_seconds`` (``None``: one row per group for the whole range)."""

    time: TimeRange = ALL_TIME
    service: str | None = None
    by_route: bool = False
    bucket_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class LatencyStats:
    service: str
    #: ``None`` when the query was per service
    route: str | None
    #: start of the bucket; ``None`` when the query was not bucketed
    bucket_start: datetime | None
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0


@dataclass(frozen=True, slots=True)
class Edge:
    """Calls from one service to another in the time range (one per client attempt)."""

    caller: str
    callee: str
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class DependencyGraph:
    #: every service that appears as caller or callee, sorted
    nodes: tuple[str, ...]
    #: sorted by (caller, callee)
    edges: tuple[Edge, ...]


#: Records of one trace; more than this is cut (and said so by ``TraceRecords.truncated``).
MAX_TRACE_RECORDS = 200_000


@dataclass(frozen=True, slots=True)
class TraceRecords:
    """Every record of one trace (hops and log lines), oldest ``@timestamp`` first."""

    trace_id: str
    records: Sequence[Record]
    truncated: bool = False
    #: record id -> the fields the store could not index as written (values past its
    #: integers' range): the record holds them whole, the store sorts it by the nearest value
    unindexed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def unindexed_note(self) -> str | None:
        """One line for people about the records with fields the store could not index."""
        if not self.unindexed:
            return None
        fields = sorted({name for names in self.unindexed.values() for name in names})
        return (
            f"{len(self.unindexed)} record(s) of this trace hold a value the store cannot "
            f"index ({', '.join(fields)} past 64-bit nanoseconds): shown as written, "
            "sorted and filtered by the nearest value the store can hold"
        )


class Store(ABC):
    """Read side of a hopscope store. Open one with :func:`dashboards.store.open_store`."""

    #: the URL it was opened with, secrets removed (for display)
    url: str

    @abstractmethod
    def find_requests(self, query: RequestQuery) -> Page[RequestSummary]:
        """Requests matching *query*, one page of at most ``query.limit``."""

    @abstractmethod
    def fetch_trace(self, trace_id: str) -> TraceRecords:
        """All records of one trace (empty ``records`` when the store has none)."""

    @abstractmethod
    def stats(self, query: StatsQuery) -> list[LatencyStats]:
        """Count, errors and latency percentiles, sorted by service, route, bucket."""

    @abstractmethod
    def dependencies(self, time: TimeRange = ALL_TIME) -> DependencyGraph:
        """The service dependency graph of the time range."""

    @abstractmethod
    def services(self, time: TimeRange = ALL_TIME) -> list[str]:
        """Services that wrote any record in the time range, sorted."""

    @abstractmethod
    def routes(self, service: str | None = None, time: TimeRange = ALL_TIME) -> list[str]:
        """Routes of server hops (of one service, or all), sorted."""

    # -- log lines (rules in :mod:`dashboards.store.logs`) ------------------------------

    @abstractmethod
    def search_logs(self, query: LogQuery) -> LogPage:
        """Lines matching *query*, one page of at most ``query.limit``, in its order."""

    @abstractmethod
    def log_histogram(self, query: LogQuery, buckets: int) -> list[HistogramBar]:
        """Lines matching *query* (its order, limit and cursor aside) counted per level in
        *buckets* equal spans of ``[since_ns, until_ns)`` (an open side: the first or last
        matching line's time). Width: :func:`dashboards.store.logs.bucket_width`. Sorted by
        bucket start, then level from least to most severe; empty bars left out."""

    @abstractmethod
    def log_context(self, record_id: str, before: int, after: int) -> LogContext:
        """The line *record_id* with up to *before* lines before it and *after* lines after
        it from the same source, by byte offset, hops included."""

    def service_stats(
        self, time: TimeRange = ALL_TIME, bucket_seconds: int | None = None
    ) -> list[LatencyStats]:
        """Per-service statistics (shorthand for :meth:`stats`)."""
        return self.stats(StatsQuery(time=time, bucket_seconds=bucket_seconds))

    def route_stats(
        self,
        service: str | None = None,
        time: TimeRange = ALL_TIME,
        bucket_seconds: int | None = None,
    ) -> list[LatencyStats]:
        """Per-route statistics (shorthand for :meth:`stats`)."""
        return self.stats(
            StatsQuery(time=time, service=service, by_route=True, bucket_seconds=bucket_seconds)
        )

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def nearest_rank(sorted_values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = -(-len(sorted_values) * percent // 100)  # ceil without floats drifting
    index = min(max(int(rank) - 1, 0), len(sorted_values) - 1)
    return float(sorted_values[index])


def check_query(query: RequestQuery) -> None:
    """Refuse what no backend can run, with the same message everywhere."""
    if query.order not in ("newest", "oldest", "slowest"):
        raise BadQuery(f"unknown order {query.order!r}: use newest, oldest or slowest")
    if query.limit < 1:
        raise BadQuery(f"limit must be at least 1, got {query.limit}")
    if query.status_class is not None and not 1 <= query.status_class <= 5:
        raise BadQuery(f"status class must be 1 to 5 (1xx..5xx), got {query.status_class}")
    for name in query.attributes:
        if not name or any(ch in name for ch in "\"'`\\"):
            raise BadQuery(f"bad attribute name {name!r}")


def coerce_attribute(name: str, value: AttributeValue) -> AttributeValue:
    """A filter value typed as the schema types the field (``"500"`` -> ``500`` for the
    status), so a value typed into a text box matches on every backend."""
    from sdk import schema

    if not schema.is_schema_field(name):
        raise BadQuery(f"unknown field {name!r}: attribute filters take schema field names")
    kind = schema.fields().get(name, {}).get("type")
    try:
        if kind == "integer" and not isinstance(value, bool):
            return int(value)
        if kind == "number" and not isinstance(value, bool):
            return float(value)
        if kind == "boolean" and isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise ValueError(value)
            return value.lower() == "true"
    except ValueError:
        raise BadQuery(f"field {name!r} takes a {kind}, got {value!r}") from None
    if kind == "string" and not isinstance(value, str):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


def text_words(text: str) -> list[str]:
    """The words of a free-text filter (quotes and operators dropped)."""
    cleaned = "".join(ch if ch.isalnum() or ch in "_-./" else " " for ch in text)
    return [w for w in cleaned.split() if any(ch.isalnum() for ch in w)]


def callee_host(url: object) -> str:
    """The callee of a client hop that names none: its URL's host (``?`` without one)."""
    if isinstance(url, str) and url:
        return urlsplit(url).hostname or "?"
    return "?"
