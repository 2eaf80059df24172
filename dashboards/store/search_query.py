"""The search bodies of the Elasticsearch / OpenSearch store: request filters, sort orders
and windows, and the aggregations the root scan and the statistics ask for. Pure: no I/O."""

from __future__ import annotations

from typing import Any, Final

from dashboards import records as f
from dashboards.records import FAILURE_STATUS, to_ns
from dashboards.store.base import RequestQuery, TimeRange, coerce_attribute, text_words

#: Terms buckets asked for in one aggregation (services, routes, edges).
MAX_BUCKETS: Final = 1000
#: Hits or buckets asked for in one search at most.
PAGE: Final = 10_000
#: The latency percentiles the statistics read.
PERCENTS: Final = [50.0, 95.0, 99.0]
SORT_FIELD: Final = {"newest": f.TIMESTAMP, "oldest": f.TIMESTAMP, "slowest": f.DURATION}
SORT_DIR: Final = {"newest": "desc", "oldest": "asc", "slowest": "desc"}

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


#: The fields a request summary and the root checks read (``_source`` filtering).
SUMMARY_FIELDS: Final = [
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


def latency_aggs() -> Query:
    """Per bucket: the duration percentiles (``p``) and the failed hops (``e``)."""
    return {
        "p": {"percentiles": {"field": f.DURATION, "percents": PERCENTS}},
        "e": {"filter": failed_query()},
    }


def values_body(field: str, filters: list[Query]) -> Query:
    return {
        "size": 0,
        "query": {"bool": {"filter": filters}},
        "aggs": {"v": {"terms": {"field": field, "size": PAGE}}},
    }


def parents_body(window: list[Query], size: int) -> Query:
    """The distinct parent ids (*size* at most) of the server hops in a stretch of the sort
    order."""
    return {
        "size": 0,
        "query": {"bool": {"filter": window}},
        "aggs": {"p": {"terms": {"field": f.PARENT_ID, "size": size}}},
    }


def shapes_body(trace_ids: list[str]) -> Query:
    """Each trace's hops counted, with their services and failures. The traces are known,
    so they are buckets of a ``filters`` aggregation (one ``term`` each) rather than of a
    ``terms`` aggregation on the trace id, which reads the id of every hop it counts:
    the OpenSearch-API engine pays some 17 us for each value it reads."""
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
                "filters": {"filters": {t: {"term": {f.TRACE_ID: t}} for t in trace_ids}},
                "aggs": {
                    "s": {"terms": {"field": f.SERVICE, "size": MAX_BUCKETS}},
                    "e": {"filter": failed_query()},
                },
            }
        },
    }


def stored_filters(span_ids: set[str]) -> list[Query]:
    return [{"terms": {f.SPAN_ID: sorted(span_ids)}}, {"exists": {"field": f.HOP_KIND}}]


def sort_order(query: RequestQuery) -> list[Query]:
    field, direction = SORT_FIELD[query.order], SORT_DIR[query.order]
    # The span id breaks ties: hops ending in the same millisecond keep one order.
    return [{field: {"order": direction}}, {f.SPAN_ID: {"order": direction}}]


def sort_window(
    query: RequestQuery, after: list[Any] | None, bound: list[Any] | None
) -> list[Query]:
    """A range on the sort field covering (after, bound]; ties are settled by the caller."""
    field = SORT_FIELD[query.order]
    limits: dict[str, Any] = {}
    low, high = (bound, after) if SORT_DIR[query.order] == "desc" else (after, bound)
    if low is not None:
        limits["gte"] = low[0]
    if high is not None:
        limits["lte"] = high[0]
    if not limits:
        return []
    if field == f.TIMESTAMP:
        limits["format"] = "epoch_millis"
    return [{"range": {field: limits}}]


def root_filters(query: RequestQuery, *, server: bool = True) -> list[Query]:
    """The filters a request's root hop meets; without the clause that it is a server hop
    when *server* is false (the root mark says so, and the caller checks it)."""
    kind: list[Query] = [{"term": {f.HOP_KIND: "server"}}] if server else []
    filters: list[Query] = [*kind, *time_query(query.time)]
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


def trace_conditions(query: RequestQuery) -> list[Query]:
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
