"""The query side of hopscope: the store query layer (SQLite, Elasticsearch/OpenSearch),
the hop-chain reconstruction, and the terminal view of a trace. Nothing here imports
Streamlit; the app in ``dashboards/app.py`` builds on these interfaces.

Typical use::

    from dashboards import RequestQuery, build_tree, open_store

    with open_store("sqlite:///.hopscope/hopscope.db") as store:
        page = store.find_requests(RequestQuery(service="gateway", errors_only=True))
        tree = build_tree(store.fetch_trace(page.items[0].trace_id).records)
"""

from dashboards.store import (
    DEFAULT_STORE_URL,
    STORE_ENV,
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
    open_store,
)
from sdk.chain import (
    Hop,
    NodeKind,
    Segment,
    TraceSummary,
    TraceTree,
    build_tree,
    service_path,
    summarize,
    tree_to_dict,
)

__all__ = [
    "DEFAULT_STORE_URL",
    "STORE_ENV",
    "BadQuery",
    "DependencyGraph",
    "Edge",
    "Hop",
    "LatencyStats",
    "NodeKind",
    "Page",
    "RequestQuery",
    "RequestSummary",
    "Segment",
    "StatsQuery",
    "Store",
    "StoreError",
    "TimeRange",
    "TraceRecords",
    "TraceSummary",
    "TraceTree",
    "build_tree",
    "open_store",
    "service_path",
    "summarize",
    "tree_to_dict",
]
