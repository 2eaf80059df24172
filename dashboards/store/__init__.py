"""The store query layer: one :class:`Store` interface, SQLite and Elasticsearch /
OpenSearch behind it, chosen by URL with :func:`open_store`."""

from dashboards.store.base import (
    BadQuery,
    DependencyGraph,
    Edge,
    LatencyStats,
    Page,
    RequestQuery,
    RequestSummary,
    StatsQuery,
    Store,
    StoreError,
    TimeRange,
    TraceRecords,
)
from dashboards.store.logs import (
    LEVELS,
    HistogramBar,
    LineKind,
    LogContext,
    LogLine,
    LogPage,
    LogQuery,
)
from dashboards.store.url import STORE_ENV, open_store
from sdk.store import DEFAULT_STORE_URL

__all__ = [
    "DEFAULT_STORE_URL",
    "LEVELS",
    "STORE_ENV",
    "BadQuery",
    "DependencyGraph",
    "Edge",
    "HistogramBar",
    "LatencyStats",
    "LineKind",
    "LogContext",
    "LogLine",
    "LogPage",
    "LogQuery",
    "Page",
    "RequestQuery",
    "RequestSummary",
    "StatsQuery",
    "Store",
    "StoreError",
    "TimeRange",
    "TraceRecords",
    "open_store",
]
