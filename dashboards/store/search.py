"""Elasticsearch / OpenSearch store: the collector's dated indices
(:data:`sdk.schema.index_template.INDEX_PATTERN`), queried with the official clients
through the collector's request interface (:mod:`sdk.store._search_client`).

The request search's walk over candidate root hops is :mod:`dashboards.store.search_roots`;
the search bodies are built in :mod:`dashboards.store.search_query` and the answers read in
:mod:`dashboards.store.search_results`; the log-line questions are
:mod:`dashboards.store.search_logs`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final
from urllib.parse import urlsplit

import orjson

from dashboards import records as f
from dashboards.records import from_ns
from dashboards.store import cursor as cursors
from dashboards.store import search_logs
from dashboards.store.base import (
    ALL_TIME,
    MAX_TRACE_RECORDS,
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
    callee_host,
    check_query,
)
from dashboards.store.logs import HistogramBar, LogContext, LogPage, LogQuery
from dashboards.store.search_query import (
    MAX_BUCKETS,
    PAGE,
    Query,
    latency_aggs,
    time_query,
)
from dashboards.store.search_results import (
    Shape,
    edge_of,
    flat,
    flatten_buckets,
    merge_edges,
    read_percentiles,
    summary,
)
from dashboards.store.search_roots import PageHits, RootScan, distinct_values, trace_shapes
from sdk.log import hide_url
from sdk.schema.index_template import INDEX_PATTERN
from sdk.store import (
    SCHEMES,
    Endpoint,
    SearchClient,
    SearchUnreachable,
    open_client,
    plain_http_url,
    short_error,
)

#: Parents settled by one aggregation on the fast path; more and the search scans instead.
MAX_STRETCH_PARENTS: Final = 10_000
#: Searches of one page sent at once.
PARALLEL_SEARCHES: Final = 4
#: Query options: a pattern matching no index is an empty store, not an error.
_ANY_INDICES: Final = "ignore_unavailable=true&allow_no_indices=true"
#: Records read per search when fetching a trace.
_PAGE: Final = PAGE


class SearchStore(Store):
    def __init__(self, client: SearchClient, url: str, index: str = INDEX_PATTERN) -> None:
        self._client = client
        self.url = hide_url(url)
        self.index = index
        self._pool = ThreadPoolExecutor(PARALLEL_SEARCHES, thread_name_prefix="hopscope-search")

    @classmethod
    def from_url(cls, url: str) -> SearchStore:
        flavour = SCHEMES.get(urlsplit(url).scheme)
        if flavour is None:
            raise StoreError(f"not a search store URL: {hide_url(url)!r}")
        try:
            endpoint = Endpoint.parse(plain_http_url(url))
            client = _connect(endpoint, flavour)
        except (ValueError, SearchUnreachable) as exc:
            raise StoreError(f"search store {hide_url(url)}: {exc}") from None
        return cls(client, url)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()

    def _search(self, body: Query, *, index: str | None = None) -> Any:
        path = f"/{index or self.index}/_search?ignore_unavailable=true&allow_no_indices=true"
        try:
            answer = self._client.request("POST", path, orjson.dumps(body))
        except SearchUnreachable as exc:
            raise StoreError(f"search store {self.url}: {exc}") from None
        if answer.status >= 300:
            raise StoreError(f"search store {self.url}: {answer.status} {short_error(answer.body)}")
        return answer.body

    # -- requests -------------------------------------------------------------------

    def find_requests(self, query: RequestQuery) -> Page[RequestSummary]:
        check_query(query)
        after = cursors.decode(query.cursor, query.order) if query.cursor else None
        shapes: dict[str, Shape] = {}
        page = self._marked(query, after, shapes) if self._marks_everywhere() else None
        if page is None:
            page = self._windowed(query, after, shapes)
        if page is None:
            page = self._scanned(query, after)
        hits, next_sort = page
        found = [flat(h["_source"]) for h in hits]
        next_cursor = None if next_sort is None else cursors.encode(query.order, next_sort)
        missing = [s[f.TRACE_ID] for s in found if s[f.TRACE_ID] not in shapes]
        shapes.update(self._trace_shapes(missing))
        return Page([summary(s, shapes.get(s[f.TRACE_ID])) for s in found], next_cursor)

    def _roots(self) -> RootScan:
        return RootScan(self._search, self._parallel, max_parents=MAX_STRETCH_PARENTS)

    def _marks_everywhere(self) -> bool:
        """Whether every index maps the root mark: one created from the index template
        since the search sink marks server hops (:mod:`dashboards.store.search_roots`).
        An older index has no marks, and the searches do without them."""
        path = f"/{self.index}/_mapping/field/{f.ROOT}?{_ANY_INDICES}"
        try:
            answer = self._client.request("GET", path)
        except SearchUnreachable as exc:
            raise StoreError(f"search store {self.url}: {exc}") from None
        if answer.status >= 300 or not isinstance(answer.body, dict):
            return False
        return all(f.ROOT in (i.get("mappings") or {}) for i in answer.body.values())

    def _marked(
        self, query: RequestQuery, after: list[Any] | None, shapes: dict[str, Shape]
    ) -> PageHits:
        """The path over marked indices (:meth:`RootScan.marked`)."""
        return self._roots().marked(query, after, shapes)

    def _windowed(
        self, query: RequestQuery, after: list[Any] | None, shapes: dict[str, Shape]
    ) -> PageHits | None:
        """The fast path (:meth:`RootScan.windowed`); ``None`` when it declines."""
        return self._roots().windowed(query, after, shapes)

    def _scanned(self, query: RequestQuery, after: list[Any] | None) -> PageHits:
        """The general path (:meth:`RootScan.scanned`)."""
        return self._roots().scanned(query, after)

    def _parallel(self, bodies: list[Query]) -> list[Any]:
        """Independent searches at once (the server answers them on several threads),
        answered in order."""
        if len(bodies) <= 1:
            return [self._search(body) for body in bodies]
        return list(self._pool.map(self._search, bodies))

    def _values(self, field: str, filters: list[Query]) -> set[str]:
        return distinct_values(self._search, field, filters)

    def _trace_shapes(self, trace_ids: list[str]) -> dict[str, Shape]:
        return trace_shapes(self._search, trace_ids)

    # -- one trace --------------------------------------------------------------------

    def fetch_trace(self, trace_id: str) -> TraceRecords:
        body: Query = {
            "size": _PAGE,
            "query": {"bool": {"filter": [{"term": {f.TRACE_ID: trace_id}}]}},
            "sort": [
                {f.TIMESTAMP: {"order": "asc"}},
                {f.RECORD_ID: {"order": "asc", "missing": "_last"}},
            ],
            "track_total_hits": False,
        }
        docs: list[f.Record] = []
        while len(docs) <= MAX_TRACE_RECORDS:
            hits = self._search(body)["hits"]["hits"]
            docs.extend(h["_source"] for h in hits)
            if len(hits) < _PAGE:
                break
            body["search_after"] = hits[-1]["sort"]
        truncated = len(docs) > MAX_TRACE_RECORDS
        return TraceRecords(trace_id, docs[:MAX_TRACE_RECORDS], truncated=truncated)

    # -- statistics ---------------------------------------------------------------------

    def stats(self, query: StatsQuery) -> list[LatencyStats]:
        filters: list[Query] = [{"term": {f.HOP_KIND: "server"}}, *time_query(query.time)]
        if query.service is not None:
            filters.append({"term": {f.SERVICE: query.service}})
        leaf = latency_aggs()
        levels: list[tuple[str, Query]] = [
            ("service", {"terms": {"field": f.SERVICE, "size": MAX_BUCKETS}})
        ]
        if query.by_route:
            levels.append(("route", {"terms": {"field": f.ROUTE, "size": MAX_BUCKETS}}))
        if query.bucket_seconds:
            interval = f"{int(query.bucket_seconds)}s"
            levels.append(
                (
                    "bucket",
                    {
                        "date_histogram": {
                            "field": f.TIMESTAMP,
                            "fixed_interval": interval,
                            "min_doc_count": 1,
                        }
                    },
                )
            )
        aggs = leaf
        for name, agg in reversed(levels):
            aggs = {name: {**agg, "aggs": aggs}}
        body = {"size": 0, "query": {"bool": {"filter": filters}}, "aggs": aggs}
        result = self._search(body)["aggregations"]
        rows: list[LatencyStats] = []
        for keys, bucket in flatten_buckets(result, [n for n, _ in levels]):
            p50, p95, p99 = read_percentiles(bucket["p"])
            bucket_ms = keys.get("bucket")
            rows.append(
                LatencyStats(
                    service=str(keys["service"]),
                    route=str(keys["route"]) if "route" in keys else None,
                    bucket_start=None if bucket_ms is None else from_ns(int(bucket_ms) * 1_000_000),
                    count=bucket["doc_count"],
                    errors=bucket["e"]["doc_count"],
                    p50_ms=p50,
                    p95_ms=p95,
                    p99_ms=p99,
                )
            )
        rows.sort(key=lambda r: (r.service, r.route or "", r.bucket_start or from_ns(0)))
        return rows

    def dependencies(self, time: TimeRange = ALL_TIME) -> DependencyGraph:
        leaf = latency_aggs()
        body = {
            "size": 0,
            "query": {"bool": {"filter": [{"term": {f.HOP_KIND: "client"}}, *time_query(time)]}},
            "aggs": {
                "caller": {
                    "terms": {"field": f.SERVICE, "size": MAX_BUCKETS},
                    "aggs": {
                        "callee": {
                            "terms": {"field": f.TARGET, "size": MAX_BUCKETS},
                            "aggs": leaf,
                        },
                        "unnamed": {
                            "filter": {"bool": {"must_not": [{"exists": {"field": f.TARGET}}]}},
                            "aggs": {
                                "url": {
                                    "terms": {"field": f.URL_FULL, "size": MAX_BUCKETS},
                                    "aggs": leaf,
                                }
                            },
                        },
                    },
                }
            },
        }
        edges: dict[tuple[str, str], Edge] = {}
        for caller in self._search(body)["aggregations"]["caller"]["buckets"]:
            named = ((str(b["key"]), b) for b in caller["callee"]["buckets"])
            unnamed = caller["unnamed"]["url"]["buckets"]
            by_host = ((callee_host(str(b["key"])), b) for b in unnamed)
            for callee, bucket in (*named, *by_host):
                edge = edge_of(str(caller["key"]), callee, bucket)
                known = edges.get((edge.caller, edge.callee))
                edges[(edge.caller, edge.callee)] = (
                    edge if known is None else merge_edges(known, edge)
                )
        ordered = tuple(edges[k] for k in sorted(edges))
        nodes = sorted({e.caller for e in ordered} | {e.callee for e in ordered})
        return DependencyGraph(tuple(nodes), ordered)

    # -- log lines (in search_logs) ----------------------------------------------------------

    def search_logs(self, query: LogQuery) -> LogPage:
        return search_logs.search_logs(self._search, query)

    def log_histogram(self, query: LogQuery, buckets: int) -> list[HistogramBar]:
        return search_logs.log_histogram(self._search, query, buckets)

    def log_context(self, record_id: str, before: int, after: int) -> LogContext:
        return search_logs.log_context(self._search, record_id, before, after)

    # -- lists for pickers ----------------------------------------------------------------

    def services(self, time: TimeRange = ALL_TIME) -> list[str]:
        return sorted(self._values(f.SERVICE, time_query(time)))

    def routes(self, service: str | None = None, time: TimeRange = ALL_TIME) -> list[str]:
        filters = [{"term": {f.HOP_KIND: "server"}}, *time_query(time)]
        if service is not None:
            filters.append({"term": {f.SERVICE: service}})
        return sorted(self._values(f.ROUTE, filters))


def _connect(endpoint: Endpoint, flavour: str) -> SearchClient:
    """The client, having had one answer from the server (a store is checked on open)."""
    client = open_client(endpoint, flavour)
    if flavour != "opensearch":
        return client  # the others asked GET / already
    answer = client.request("GET", "/")
    if answer.status >= 300:
        client.close()
        raise SearchUnreachable(f"GET / answered {answer.status}: {short_error(answer.body)}")
    return client
