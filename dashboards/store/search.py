"""Elasticsearch / OpenSearch store: the collector's dated indices
(:data:`sdk.schema.index_template.INDEX_PATTERN`), queried with the official clients
through the collector's request interface (:mod:`sdk.store._search_client`).

The server cannot join a hop to its caller, so the request search walks the candidate
root hops in sort order, in batches, and settles for each batch in two queries whether the
caller's hop is stored and whether the trace-level filters hold. A page may therefore come
back with fewer items than asked while ``next_cursor`` says there is more to scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final
from urllib.parse import urlsplit

import orjson

from dashboards import records as f
from dashboards.records import FAILURE_STATUS, from_ns, parse_ns, read_ns, to_ns
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
    coerce_attribute,
    text_words,
)
from dashboards.store.logs import HistogramBar, LogContext, LogPage, LogQuery
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

#: Candidate root hops examined per round trip, and rounds per page at most.
BATCH: Final = 500
MAX_ROUNDS: Final = 20
#: Parents settled by one aggregation on the fast path; more and the search scans instead.
MAX_STRETCH_PARENTS: Final = 10_000
#: Searches of one page sent at once.
PARALLEL_SEARCHES: Final = 4
#: Terms buckets asked for in one aggregation (services, routes, edges).
MAX_BUCKETS: Final = 1000
_PAGE: Final = 10_000
_PERCENTS: Final = [50.0, 95.0, 99.0]
_SORT_FIELD: Final = {"newest": f.TIMESTAMP, "oldest": f.TIMESTAMP, "slowest": f.DURATION}
_SORT_DIR: Final = {"newest": "desc", "oldest": "asc", "slowest": "desc"}

Query = dict[str, Any]


def failed_query() -> Query:
    """A failed hop, as :func:`dashboards.records.is_failure` defines it."""
    return {
        "bool": {
            "should": [
                {"exists": {"field": f.ERROR_TYPE}},
                {"term": {f.OUTCOME: "failure"}},
                {"range": {f.STATUS: {"gte": FAILURE_STATUS}}},
            ],
            "minimum_should_match": 1,
        }
    }


def time_query(time: TimeRange) -> list[Query]:
    bounds: dict[str, Any] = {}
    if time.start is not None:
        bounds["gte"] = to_ns(time.start) // 1_000_000
    if time.end is not None:
        bounds["lt"] = to_ns(time.end) // 1_000_000
    if not bounds:
        return []
    return [{"range": {f.TIMESTAMP: {**bounds, "format": "epoch_millis"}}}]


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
        shapes: dict[str, _Shape] = {}
        page = self._windowed(query, after, shapes)
        if page is None:
            page = self._scanned(query, after)
        hits, next_sort = page
        found = [_flat(h["_source"]) for h in hits]
        next_cursor = None if next_sort is None else cursors.encode(query.order, next_sort)
        missing = [s[f.TRACE_ID] for s in found if s[f.TRACE_ID] not in shapes]
        shapes.update(self._trace_shapes(missing))
        return Page([_summary(s, shapes.get(s[f.TRACE_ID])) for s in found], next_cursor)

    def _windowed(
        self, query: RequestQuery, after: list[Any] | None, shapes: dict[str, _Shape]
    ) -> _PageHits | None:
        """The fast path. Server hops without a parent are roots without asking; the few
        hops whose caller's hop is missing hide among the many with a parent, so those are
        settled together per stretch of the sort order, by aggregation. ``None`` when a
        stretch holds more parents than one aggregation returns.

        Each round waits for three answers in turn: the certain roots; then, side by side,
        the stretch's parents and the certain roots' trace checks
        (:class:`_TraceCheck`); then which parents are stored. Orphaned roots, rare, cost
        two more."""
        sort = _sort(query)
        descending = _SORT_DIR[query.order] == "desc"
        filters = _root_filters(query)
        trace_filters = _trace_filters(query)
        taken: list[Any] = []
        seen: set[str] = set()
        start = after
        for round_no in range(MAX_ROUNDS):
            # Trace filters turn candidates away: then take more per round, and more again.
            widen = 4 ** (round_no + 1) if trace_filters else 1
            size = min((query.limit + 1) * widen, _PAGE)
            body: Query = {
                "size": size,
                "sort": sort,
                "_source": _SUMMARY_FIELDS,
                "track_total_hits": False,
                "query": {
                    "bool": {
                        "filter": filters,
                        "must_not": [{"exists": {"field": f.PARENT_ID}}],
                    }
                },
            }
            if after is not None:
                body["search_after"] = after
            certain = self._search(body)["hits"]["hits"]
            bound = certain[-1]["sort"] if len(certain) == size else None
            window = [*filters, {"exists": {"field": f.PARENT_ID}}, *_window(query, after, bound)]
            check = _TraceCheck(
                query, filters, trace_filters, start, certain, seen, shape=not trace_filters
            )
            # The stretch's parents and the batch's trace checks, side by side.
            answers = self._parallel([_parents_body(window), *check.bodies()])
            parents_agg = answers[0]["aggregations"]["p"]
            if parents_agg.get("sum_other_doc_count", 0) > 0:
                return None
            parents = {str(b["key"]) for b in parents_agg["buckets"]}
            earlier = check.earlier(answers[1:])
            check.settle(answers[1:], shapes)
            # Trace filters left shapes out of the wide batch: take those of the traces
            # likely listed now, side by side with the parents' look-up.
            wanted = query.limit - len(taken)
            likely = [] if check.shape else _likely(certain, check.passing, seen, wanted)
            stored, found_shapes = self._stored_and_shapes(parents | _parents_of(earlier), likely)
            shapes.update(found_shapes)
            check.settle_roots(earlier, stored)
            orphans = self._orphan_hits(query, window, after, bound, sorted(parents - stored))
            if orphans:
                extra = _TraceCheck(
                    query, filters, trace_filters, start, orphans, seen, shape=not trace_filters
                )
                extra_answers = self._parallel(extra.bodies())
                extra_earlier = extra.earlier(extra_answers)
                extra.settle(extra_answers, shapes)
                extra.settle_roots(extra_earlier, self._stored(_parents_of(extra_earlier)))
                check.merge(extra)
            seen |= check.listed_before
            merged = sorted(certain + orphans, key=_sort_key, reverse=descending)
            for position, hit in enumerate(merged):
                trace = str(_flat(hit["_source"])[f.TRACE_ID])
                if trace not in check.passing or trace in seen:
                    continue
                seen.add(trace)
                taken.append(hit)
                if len(taken) == query.limit:
                    more = position + 1 < len(merged) or bound is not None
                    return taken, hit["sort"] if more else None
            if bound is None:
                return taken, None
            after = bound
        return taken, after

    def _parallel(self, bodies: list[Query]) -> list[Any]:
        """Independent searches at once (the server answers them on several threads),
        answered in order."""
        if len(bodies) <= 1:
            return [self._search(body) for body in bodies]
        return list(self._pool.map(self._search, bodies))

    def _stored_and_shapes(
        self, span_ids: set[str], trace_ids: list[str]
    ) -> tuple[set[str], dict[str, _Shape]]:
        """:meth:`_stored` and :meth:`_trace_shapes` side by side."""
        bodies: list[Query] = []
        if span_ids:
            bodies.append(_values_body(f.SPAN_ID, _stored_filters(span_ids)))
        if trace_ids:
            bodies.append(_shapes_body(trace_ids))
        answers = self._parallel(bodies)
        stored = _read_values(answers[0]) if span_ids else set()
        found = _read_shapes(answers[-1]["aggregations"]) if trace_ids else {}
        return stored, found

    def _stored(self, span_ids: set[str]) -> set[str]:
        """Which of *span_ids* a stored hop carries."""
        if not span_ids:
            return set()
        return self._values(f.SPAN_ID, _stored_filters(span_ids))

    def _orphan_hits(
        self,
        query: RequestQuery,
        window: list[Query],
        after: list[Any] | None,
        bound: list[Any] | None,
        missing: list[str],
    ) -> list[Any]:
        """The hops in *window* whose parent is one of the *missing* ones, sorted between
        *after* (exclusive) and *bound* (inclusive)."""
        if not missing:
            return []
        body = {
            "size": _PAGE,
            "sort": _sort(query),
            "_source": _SUMMARY_FIELDS,
            "track_total_hits": False,
            "query": {"bool": {"filter": [*window, {"terms": {f.PARENT_ID: missing}}]}},
        }
        hits: list[Any] = self._search(body)["hits"]["hits"]
        descending = _SORT_DIR[query.order] == "desc"
        return [h for h in hits if _between(_sort_key(h), after, bound, descending)]

    def _passing(self, hits: list[Any], trace_filters: list[Query]) -> set[int]:
        """Ids of the hits whose traces meet every trace filter."""
        trace_of = {id(h): str(h["_source"][f.TRACE_ID]) for h in hits}
        kept = set(trace_of)
        for condition in trace_filters:
            traces = sorted({trace_of[i] for i in kept})
            if not traces:
                break
            passing = self._values(f.TRACE_ID, [{"terms": {f.TRACE_ID: traces}}, condition])
            kept = {i for i in kept if trace_of[i] in passing}
        return kept

    def _scanned(self, query: RequestQuery, after: list[Any] | None) -> _PageHits:
        """The general path: every candidate root hop in sort order, in batches, each
        batch's parents looked up at once."""
        trace_filters = _trace_filters(query)
        body: Query = {
            "size": BATCH,
            "query": {"bool": {"filter": _root_filters(query)}},
            "sort": _sort(query),
            "track_total_hits": False,
        }
        found: list[Any] = []
        seen: set[str] = set()
        start = after
        for round_no in range(MAX_ROUNDS):
            # Few roots among many hops: widen the batch each round to save round trips.
            body["size"] = min(BATCH * 4**round_no, _PAGE)
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            if not hits:
                return found, None
            kept = self._roots_only(hits, trace_filters)
            seen |= self._listed_before(query, body["query"]["bool"]["filter"], start, hits, seen)
            for position, hit in enumerate(hits):
                trace = str(hit["_source"][f.TRACE_ID])
                if id(hit) not in kept or trace in seen:
                    continue
                seen.add(trace)
                found.append(hit)
                if len(found) == query.limit:
                    more = position + 1 < len(hits) or len(hits) == body["size"]
                    return found, hit["sort"] if more else None
            after = hits[-1]["sort"]
            if len(hits) < body["size"]:
                return found, None
        return found, after

    def _listed_before(
        self,
        query: RequestQuery,
        filters: list[Query],
        start: list[Any] | None,
        hits: list[Any],
        seen: set[str],
    ) -> set[str]:
        """The traces of *hits* (other than *seen*) with a root matching *filters* up to
        *start*, the page's first sort position: an earlier page listed them already."""
        traces = sorted({str(h["_source"][f.TRACE_ID]) for h in hits} - seen)
        if start is None or not traces:
            return set()
        body: Query = {
            "size": _PAGE,
            "sort": _sort(query),
            "track_total_hits": False,
            "query": {
                "bool": {
                    "filter": [
                        *filters,
                        {"terms": {f.TRACE_ID: traces}},
                        *_window(query, None, start),
                    ]
                }
            },
        }
        descending = _SORT_DIR[query.order] == "desc"
        earlier = [
            h["_source"]
            for h in self._search(body)["hits"]["hits"]
            if _between(_sort_key(h), None, start, descending)
        ]
        return _listed(earlier, self._stored(_parents_of(earlier)))

    def _roots_only(self, hits: list[Any], trace_filters: list[Query]) -> set[int]:
        """Ids of the hits that are roots and whose traces pass the trace filters."""
        sources = [h["_source"] for h in hits]
        stored_parents = self._stored(_parents_of(sources))
        roots = [h for h, s in zip(hits, sources, strict=True) if _is_root(s, stored_parents)]
        return self._passing(roots, trace_filters)

    def _values(self, field: str, filters: list[Query]) -> set[str]:
        """Distinct values of *field* among records matching *filters*."""
        return _read_values(self._search(_values_body(field, filters)))

    def _trace_shapes(self, trace_ids: list[str]) -> dict[str, _Shape]:
        if not trace_ids:
            return {}
        return _read_shapes(self._search(_shapes_body(trace_ids))["aggregations"])

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
        docs: list[Mapping[str, Any]] = []
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
        leaf = _latency_aggs()
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
        for keys, bucket in _flatten(result, [n for n, _ in levels]):
            p50, p95, p99 = _percentiles(bucket["p"])
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
        leaf = _latency_aggs()
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
                edge = _edge(str(caller["key"]), callee, bucket)
                known = edges.get((edge.caller, edge.callee))
                edges[(edge.caller, edge.callee)] = edge if known is None else _merge(known, edge)
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


#: A page's root hits and the sort position to continue after (``None``: no more).
_PageHits = tuple[list[Any], list[Any] | None]


#: A trace's hop count, services and whether any hop failed.
_Shape = tuple[int, tuple[str, ...], bool]

#: The fields a request summary and the root checks read (``_source`` filtering).
_SUMMARY_FIELDS: Final = [
    f.TIMESTAMP,
    f.TRACE_ID,
    f.SPAN_ID,
    f.PARENT_ID,
    f.HOP_KIND,
    f.SERVICE,
    f.ROUTE,
    f.METHOD,
    f.URL_PATH,
    f.STATUS,
    f.DURATION,
    f.START,
    f.ERROR_TYPE,
    f.OUTCOME,
]


def _flat(source: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """*source* with dotted names: engines answer a filtered ``_source`` either as stored
    (flat dotted names) or nested by the dots."""
    out: dict[str, Any] = {}
    for key, value in source.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def _latency_aggs() -> Query:
    """Per bucket: the duration percentiles (``p``) and the failed hops (``e``)."""
    return {
        "p": {"percentiles": {"field": f.DURATION, "percents": _PERCENTS}},
        "e": {"filter": failed_query()},
    }


def _values_body(field: str, filters: list[Query]) -> Query:
    return {
        "size": 0,
        "query": {"bool": {"filter": filters}},
        "aggs": {"v": {"terms": {"field": field, "size": _PAGE}}},
    }


def _read_values(answer: Mapping[str, Any]) -> set[str]:
    return {str(b["key"]) for b in answer["aggregations"]["v"]["buckets"]}


def _parents_body(window: list[Query]) -> Query:
    """The distinct parent ids of the server hops in a stretch of the sort order."""
    return {
        "size": 0,
        "query": {"bool": {"filter": window}},
        "aggs": {"p": {"terms": {"field": f.PARENT_ID, "size": MAX_STRETCH_PARENTS}}},
    }


def _shapes_body(trace_ids: list[str]) -> Query:
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"terms": {f.TRACE_ID: trace_ids}},
                    {"exists": {"field": f.HOP_KIND}},
                ]
            }
        },
        "aggs": {
            "t": {
                "terms": {"field": f.TRACE_ID, "size": len(trace_ids)},
                "aggs": {
                    "s": {"terms": {"field": f.SERVICE, "size": MAX_BUCKETS}},
                    "e": {"filter": failed_query()},
                },
            }
        },
    }


def _read_shapes(aggs: Mapping[str, Any]) -> dict[str, _Shape]:
    out: dict[str, _Shape] = {}
    for bucket in aggs["t"]["buckets"]:
        services = tuple(sorted(str(s["key"]) for s in bucket["s"]["buckets"]))
        out[str(bucket["key"])] = (bucket["doc_count"], services, bucket["e"]["doc_count"] > 0)
    return out


class _TraceCheck:
    """What one batch of candidate roots needs to know about their traces, as searches
    to run side by side with others: the trace shapes (for a batch the page's size),
    which traces pass each trace filter, and, past the first page, which have a root at
    or before the page's start, listed already."""

    def __init__(
        self,
        query: RequestQuery,
        filters: list[Query],
        trace_filters: list[Query],
        start: list[Any] | None,
        hits: list[Any],
        seen: set[str],
        *,
        shape: bool,
    ) -> None:
        self.query = query
        self.filters = filters
        self.trace_filters = trace_filters
        self.start = start
        # Shapes only when the batch is about the page's size: trace filters widen it.
        self.shape = shape
        self.traces = sorted({str(_flat(h["_source"])[f.TRACE_ID]) for h in hits} - seen)
        self.passing: set[str] = set()
        self.listed_before: set[str] = set()

    def bodies(self) -> list[Query]:
        if not self.traces:
            return []
        among: Query = {"terms": {f.TRACE_ID: self.traces}}
        out = [_shapes_body(self.traces)] if self.shape else []
        out += [_values_body(f.TRACE_ID, [among, c]) for c in self.trace_filters]
        if self.start is not None:
            window = _window(self.query, None, self.start)
            out.append(
                {
                    "size": _PAGE,
                    "sort": _sort(self.query),
                    "_source": [f.TRACE_ID, f.PARENT_ID],
                    "track_total_hits": False,
                    "query": {"bool": {"filter": [*self.filters, among, *window]}},
                }
            )
        return out

    def earlier(self, answers: list[Any]) -> list[dict[str, Any]]:
        """The candidates' traces' hops matching the filters up to the page's start."""
        if self.start is None or not self.traces:
            return []
        descending = _SORT_DIR[self.query.order] == "desc"
        return [
            _flat(h["_source"])
            for h in answers[-1]["hits"]["hits"]
            if _between(_sort_key(h), None, self.start, descending)
        ]

    def settle(self, answers: list[Any], shapes: dict[str, _Shape]) -> None:
        """Shapes and passing traces from the answers to :meth:`bodies`."""
        if not self.traces:
            return
        if self.shape:
            shapes.update(_read_shapes(answers[0]["aggregations"]))
        first = 1 if self.shape else 0
        passing = set(self.traces)
        for answer in answers[first : first + len(self.trace_filters)]:
            passing &= _read_values(answer)
        self.passing = passing

    def settle_roots(self, earlier: list[dict[str, Any]], stored: set[str]) -> None:
        """Listed-before traces, once the earlier hops' parents are known stored or not."""
        self.listed_before = _listed(earlier, stored)

    def merge(self, other: _TraceCheck) -> None:
        self.passing |= other.passing
        self.listed_before |= other.listed_before


def _stored_filters(span_ids: set[str]) -> list[Query]:
    return [{"terms": {f.SPAN_ID: sorted(span_ids)}}, {"exists": {"field": f.HOP_KIND}}]


def _likely(certain: list[Any], passing: set[str], seen: set[str], limit: int) -> list[str]:
    """The traces the certain roots would list, in order, orphans aside."""
    out: list[str] = []
    for hit in certain:
        trace = str(_flat(hit["_source"])[f.TRACE_ID])
        if trace in passing and trace not in seen and trace not in out:
            out.append(trace)
            if len(out) == limit:
                break
    return out


def _parents_of(earlier: Sequence[Mapping[str, Any]]) -> set[str]:
    return {str(s[f.PARENT_ID]) for s in earlier if s.get(f.PARENT_ID)}


def _is_root(source: Mapping[str, Any], stored: set[str]) -> bool:
    """Whether a hop is a root: it has no parent, or none among the *stored* span ids."""
    return not source.get(f.PARENT_ID) or str(source[f.PARENT_ID]) not in stored


def _listed(earlier: Sequence[Mapping[str, Any]], stored: set[str]) -> set[str]:
    """The traces of the *earlier* hops that are roots."""
    return {str(s[f.TRACE_ID]) for s in earlier if _is_root(s, stored)}


def _sort(query: RequestQuery) -> list[Query]:
    field, direction = _SORT_FIELD[query.order], _SORT_DIR[query.order]
    # The span id breaks ties: hops ending in the same millisecond keep one order.
    return [{field: {"order": direction}}, {f.SPAN_ID: {"order": direction}}]


def _sort_key(hit: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(hit["sort"])


def _between(
    key: tuple[Any, ...], after: list[Any] | None, bound: list[Any] | None, descending: bool
) -> bool:
    """Whether *key* sorts after *after* (exclusive) and up to *bound* (inclusive)."""
    if descending:
        return (after is None or key < tuple(after)) and (bound is None or key >= tuple(bound))
    return (after is None or key > tuple(after)) and (bound is None or key <= tuple(bound))


def _window(query: RequestQuery, after: list[Any] | None, bound: list[Any] | None) -> list[Query]:
    """A range on the sort field covering (after, bound]; ties are settled by the caller."""
    field = _SORT_FIELD[query.order]
    limits: dict[str, Any] = {}
    low, high = (bound, after) if _SORT_DIR[query.order] == "desc" else (after, bound)
    if low is not None:
        limits["gte"] = low[0]
    if high is not None:
        limits["lte"] = high[0]
    if not limits:
        return []
    if field == f.TIMESTAMP:
        limits["format"] = "epoch_millis"
    return [{"range": {field: limits}}]


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


def _root_filters(query: RequestQuery) -> list[Query]:
    filters: list[Query] = [{"term": {f.HOP_KIND: "server"}}, *time_query(query.time)]
    for field, value in (
        (f.SERVICE, query.service),
        (f.ROUTE, query.route),
        (f.METHOD, query.method.upper() if query.method else None),
        (f.TRACE_ID, query.trace_id),
    ):
        if value is not None:
            filters.append({"term": {field: value}})
    if query.status_class is not None:
        low = query.status_class * 100
        filters.append({"range": {f.STATUS: {"gte": low, "lt": low + 100}}})
    duration: dict[str, int] = {}
    if query.min_duration_ms is not None:
        duration["gte"] = int(query.min_duration_ms * 1e6)
    if query.max_duration_ms is not None:
        duration["lte"] = int(query.max_duration_ms * 1e6)
    if duration:
        filters.append({"range": {f.DURATION: duration}})
    return filters


def _trace_filters(query: RequestQuery) -> list[Query]:
    """Conditions some record of the trace must meet, checked per batch of candidates."""
    conditions: list[Query] = []
    if query.errors_only:
        conditions.append(failed_query())
    if query.text:
        words = text_words(query.text)
        if words:
            conditions.append({"match": {f.MESSAGE: {"query": " ".join(words), "operator": "and"}}})
    for name, raw in query.attributes.items():
        conditions.append({"term": {name: coerce_attribute(name, raw)}})
    return conditions


def _summary(
    source: Mapping[str, Any], shape: tuple[int, tuple[str, ...], bool] | None
) -> RequestSummary:
    status = source.get(f.STATUS)
    duration = source.get(f.DURATION) or 0
    start_ns = read_ns(source.get(f.START))
    if start_ns is None:  # absent, or a time that cannot be read
        start_ns = parse_ns(str(source[f.TIMESTAMP])) - duration
    failed = f.is_failure(source)
    service = str(source.get(f.SERVICE) or "?")
    hop_count, services, has_errors = shape or (1, (service,), failed)
    return RequestSummary(
        trace_id=str(source[f.TRACE_ID]),
        span_id=source.get(f.SPAN_ID),
        service=service,
        route=source.get(f.ROUTE),
        method=source.get(f.METHOD),
        path=source.get(f.URL_PATH),
        status_code=status if isinstance(status, int) else None,
        start=from_ns(start_ns),
        duration_ms=duration / 1e6,
        failed=failed,
        has_errors=has_errors or failed,
        hop_count=hop_count,
        services=services,
    )


def _flatten(
    aggs: Mapping[str, Any], names: list[str], keys: dict[str, Any] | None = None
) -> Iterable[tuple[dict[str, Any], Mapping[str, Any]]]:
    """Nested bucket aggregations -> (keys per level, leaf bucket)."""
    keys = keys or {}
    name, rest = names[0], names[1:]
    for bucket in aggs[name]["buckets"]:
        level = {**keys, name: bucket["key"]}
        if rest:
            yield from _flatten(bucket, rest, level)
        else:
            yield level, bucket


def _percentiles(agg: Mapping[str, Any]) -> tuple[float, float, float]:
    values = agg.get("values", {})
    if isinstance(values, list):  # keyed: false form
        values = {str(v["key"]): v["value"] for v in values}
    picked = [values.get(str(p)) or values.get(f"{p:g}") for p in _PERCENTS]
    p50, p95, p99 = (float(v) / 1e6 if v is not None else 0.0 for v in picked)
    return p50, p95, p99


def _edge(caller: str, callee: str, bucket: Mapping[str, Any]) -> Edge:
    p50, p95, p99 = _percentiles(bucket["p"])
    return Edge(caller, callee, bucket["doc_count"], bucket["e"]["doc_count"], p50, p95, p99)


def _merge(a: Edge, b: Edge) -> Edge:
    """Two URL buckets of one unnamed callee: counts add; percentiles are the larger
    (an upper bound: the server's per-URL digests cannot be merged exactly)."""
    return Edge(
        a.caller,
        a.callee,
        a.calls + b.calls,
        a.errors + b.errors,
        max(a.p50_ms, b.p50_ms),
        max(a.p95_ms, b.p95_ms),
        max(a.p99_ms, b.p99_ms),
    )
