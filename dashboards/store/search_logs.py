"""Log-line queries on Elasticsearch / OpenSearch (rules in :mod:`dashboards.store.logs`).

Each question is one search: the filters as a ``bool`` query, lines sorted by
``@timestamp`` then record id (the engine keeps times to the millisecond, so the id orders
the lines of one millisecond), paged with ``search_after``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from dashboards import records as f
from dashboards.records import parse_ns
from dashboards.store import cursor as cursors
from dashboards.store.base import coerce_attribute
from dashboards.store.logs import (
    LEVELS,
    OFFSET,
    REASON,
    SOURCE,
    HistogramBar,
    LogContext,
    LogLine,
    LogPage,
    LogQuery,
    bucket_width,
    check_context,
    check_histogram,
    check_log_query,
    levels_from,
    line_from_doc,
    matching_bounds,
    order_name,
    sort_bars,
    source_id_range,
    word_tokens,
)
from sdk.schema.index_template import TEXT_FIELDS, TEXT_WITH_KEYWORD

Query = dict[str, Any]
Search = Callable[[Query], Any]

_MS: Final = 1_000_000
#: Hops and wide minimum levels checked here: hits asked per line wanted, and batches.
_HERE_WIDEN: Final = 4
_HERE_ROUNDS: Final = 3
#: Hits asked for in one search at most.
PAGE: Final = 10_000
#: Context: bytes a line is guessed to take, the first window's lines; windows tried
#: (each this many times wider) before the rest of the source is read.
_LINE_BYTES_GUESS: Final = 512
_WIDEN_BY: Final = 8
_WIDENINGS: Final = 4
#: The largest offset a collector's id holds (twelve hex digits).
_MAX_OFFSET: Final = 16**12 - 1


def log_bool(query: LogQuery) -> Query:
    """*query* as one ``bool`` query (its order, limit and cursor aside). What a line must
    not hold is the ``bool``'s own ``must_not``, not a ``bool`` of its own among the
    filters, which the OpenSearch-API engine here is slower at (100,000 records: counting
    a day's lines without hops 154 ms against 109 ms)."""
    filters: list[Query] = []
    absent: list[Query] = []
    bounds: dict[str, Any] = {}
    if query.since_ns is not None:
        bounds["gte"] = query.since_ns // _MS
    if query.until_ns is not None:
        bounds["lt"] = -(-query.until_ns // _MS)
    if bounds:
        filters.append({"range": {f.TIMESTAMP: {**bounds, "format": "epoch_millis"}}})
    if query.services:
        filters.append({"terms": {f.SERVICE: list(query.services)}})
    levels = levels_from(query.min_level)
    if levels is not None:
        filters.append({"terms": {f.LEVEL: list(levels)}})
    for entry in query.words:
        filters.append({"match_phrase": {f.MESSAGE: " ".join(word_tokens(entry))}})
    for name, raw in query.fields:
        value = coerce_attribute(name, raw)
        if name in TEXT_WITH_KEYWORD:
            filters.append({"term": {f"{name}.keyword": value}})
        elif name in TEXT_FIELDS:
            filters.append({"match_phrase": {name: value}})
        else:
            filters.append({"term": {name: value}})
    if query.trace_id is not None:
        filters.append({"term": {f.TRACE_ID: query.trace_id}})
    if query.kind == "unstructured":
        filters.append({"exists": {"field": REASON}})
    elif query.kind == "structured":
        absent.append({"exists": {"field": REASON}})
    if not query.include_hops:
        absent.append({"exists": {"field": f.HOP_KIND}})
    clauses: Query = {"filter": filters}
    if absent:
        clauses["must_not"] = absent
    return {"bool": clauses}


def _sort(newest_first: bool) -> list[Query]:
    order = "desc" if newest_first else "asc"
    return [
        {f.TIMESTAMP: {"order": order}},
        {f.RECORD_ID: {"order": order, "missing": "_last"}},
    ]


def search_logs(search: Search, query: LogQuery) -> LogPage:
    check_log_query(query)
    after = cursors.decode(query.cursor, order_name(query)) if query.cursor is not None else None
    wanted = query.limit + 1
    hits: list[Any] = []
    # Leaving hops out (``must_not exists``) and a minimum level that admits most lines
    # cost the engine a pass over every record they cover, far more than the selective
    # filters: the engine is asked for the rest, and those two are checked here on a few
    # batches; then, if they turn most away, the engine is asked for everything.
    kept = _kept_here(query)
    if kept is not None:
        engine_query, keep = kept
        size = min(wanted * _HERE_WIDEN, PAGE)
        for _ in range(_HERE_ROUNDS):
            batch = _page(search, engine_query, size, after)
            hits += [h for h in batch if keep(h["_source"])]
            if batch:
                after = list(batch[-1]["sort"])
            if len(hits) >= wanted or len(batch) < size:
                break
        else:
            hits += _page(search, query, wanted - len(hits), after)
    else:
        hits = _page(search, query, wanted, after)
    more = len(hits) > query.limit
    hits = hits[: query.limit]
    next_cursor = cursors.encode(order_name(query), list(hits[-1]["sort"])) if more else None
    return LogPage([_line(h) for h in hits], next_cursor)


def _page(search: Search, query: LogQuery, size: int, after: list[Any] | None) -> list[Any]:
    """Up to *size* hits of *query* after the sort position *after*."""
    body: Query = {
        "size": size,
        "query": log_bool(query),
        "sort": _sort(query.newest_first),
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = after
    hits: list[Any] = search(body)["hits"]["hits"]
    return hits


def _kept_here(query: LogQuery) -> tuple[LogQuery, Callable[[Mapping[str, Any]], bool]] | None:
    """The query the engine is asked when hops and a wide minimum level are checked here,
    and the check; ``None`` when there is nothing to check here."""
    levels = levels_from(query.min_level)
    # Every record has a level (the schema requires one of LEVELS): all of them is none.
    wide = levels is not None and len(levels) >= len(LEVELS) - 1
    drop_hops = not query.include_hops and query.kind != "unstructured"
    if not wide and not drop_hops:
        return None
    if not wide:
        levels = None
    engine_query = replace(
        query,
        include_hops=query.include_hops or drop_hops,
        min_level=None if wide else query.min_level,
    )
    admitted = None if levels is None or len(levels) == len(LEVELS) else frozenset(levels)

    def keep(source: Mapping[str, Any]) -> bool:
        if drop_hops and _field(source, f.HOP_KIND) is not None:
            return False
        return admitted is None or _field(source, f.LEVEL) in admitted

    return engine_query, keep


def _field(source: Mapping[str, Any], name: str) -> Any:
    """A field of a hit's ``_source``, which engines answer as stored (dotted names) or
    nested by the dots."""
    if name in source:
        return source[name]
    value: Any = source
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def log_histogram(search: Search, query: LogQuery, buckets: int) -> list[HistogramBar]:
    check_log_query(query)
    check_histogram(buckets)
    since, until = query.since_ns, query.until_ns
    if since is None or until is None:
        first, last = matching_bounds(lambda q: search_logs(search, q), query)
        if first is None or last is None:
            return []
        since = first if since is None else since
        until = last + 1 if until is None else until
    width = bucket_width(since, until, buckets)
    width_ms = width // _MS
    bounded = replace(query, since_ns=since, until_ns=until)
    levels = levels_from(query.min_level)
    # A minimum level that admits most lines costs the engine a pass over them (as in
    # search_logs): the bars are counted by level anyway, so the admitted ones are read
    # here. Leaving hops out (``must_not exists``) costs a pass over every hop: with a
    # minimum level, which few hops reach (those that failed), and words, fields or a
    # trace, which few lines match, they are counted out per bar by a ``missing`` count
    # instead; a level alone matches thousands, each an extra value read.
    wide = levels is not None and len(levels) >= len(LEVELS) - 1
    few = bool(query.words or query.fields or query.trace_id is not None)
    count_hops_out = (
        (wide or (levels is not None and few))
        and not query.include_hops
        and query.kind != "unstructured"
    )
    asked = replace(
        bounded,
        min_level=None if wide else query.min_level,
        include_hops=query.include_hops or count_hops_out,
    )
    by_level: Query = {"terms": {"field": f.LEVEL, "size": len(LEVELS) + 10}}
    if count_hops_out:
        by_level["aggs"] = {"m": {"missing": {"field": f.HOP_KIND}}}
    body: Query = {
        "size": 0,
        "query": log_bool(asked),
        "aggs": {
            "t": {
                "date_histogram": {
                    "field": f.TIMESTAMP,
                    "fixed_interval": f"{width_ms}ms",
                    # buckets start at *since*, not at the epoch's multiples of the width
                    "offset": f"{(since // _MS) % width_ms}ms",
                    "min_doc_count": 1,
                },
                "aggs": {"l": by_level},
            }
        },
    }
    bars: list[HistogramBar] = []
    for bucket in search(body)["aggregations"]["t"]["buckets"]:
        start = int(bucket["key"]) * _MS
        for level in bucket["l"]["buckets"]:
            if wide and levels is not None and level["key"] not in levels:
                continue
            count = int(level["m"]["doc_count"] if count_hops_out else level["doc_count"])
            if count:
                bars.append((start, str(level["key"]), count))
    return sort_bars(bars)


def log_context(search: Search, record_id: str, before: int, after: int) -> LogContext:
    check_context(before, after)
    body: Query = {"size": 1, "query": {"bool": {"filter": [{"term": {f.RECORD_ID: record_id}}]}}}
    hits = search(body)["hits"]["hits"]
    if not hits:
        return LogContext(None, [], [])
    line = _line(hits[0])
    if line.source is None or line.offset is None:
        return LogContext(line, [], [])
    ids = source_id_range(line.record_id, line.offset)
    offset = line.offset

    def side(op: str, count: int, order: str) -> list[LogLine]:
        if count == 0:
            return []
        # A window of offsets next to the line, widened until it holds *count* lines or
        # reaches the source's end: the engine's cost grows with the ids (or offsets) a
        # range covers, and a source's lines all lie in one range (2.7 s for 50 + 50 lines
        # of a 100,000-line source, against milliseconds for a window). The collector's
        # ids sort as their source's offsets, so a window is a range of ids.
        span = count * _LINE_BYTES_GUESS
        for _ in range(_WIDENINGS):
            low, high = (max(offset - span, 0), offset) if op == "lt" else (offset, offset + span)
            found = _side_window(search, line, ids, op, order, count, low, high)
            if len(found) >= count or (op == "lt" and low == 0):
                return found
            span *= _WIDEN_BY
        return _side_window(search, line, ids, op, order, count, None, None)

    earlier = side("lt", before, "desc")
    later = side("gt", after, "asc")
    return LogContext(line, earlier[::-1], later)


def _side_window(
    search: Search,
    line: LogLine,
    ids: tuple[str, str] | None,
    op: str,
    order: str,
    count: int,
    low: int | None,
    high: int | None,
) -> list[LogLine]:
    """Up to *count* lines of *line*'s source next to it on the *op* side (``lt``: before),
    within offsets ``[low, high]`` when given, else to the source's end; nearest first."""
    assert line.offset is not None
    if ids is not None:
        digest = line.record_id[:16]
        # The collector's id for an offset: the source's digest and the offset in hex.
        first = ids[0] if low is None else f"{digest}{low:012x}"
        last = ids[1] if high is None else f"{digest}{min(high, _MAX_OFFSET):012x}"
        edge = {"gte": first} if op == "lt" else {"lte": last}
        bounds: Query = {"range": {f.RECORD_ID: {op: line.record_id, **edge}}}
    else:
        limits: dict[str, int] = {op: line.offset}
        if op == "lt" and low is not None:
            limits["gte"] = low
        if op == "gt" and high is not None:
            limits["lte"] = high
        bounds = {"range": {OFFSET: limits}}
    # The source's name covers every line of it, which costs the engine a pass over them
    # all; the collector's ids name the source already (its digest).
    filters = [bounds] if ids is not None else [{"term": {SOURCE: line.source}}, bounds]
    found = search(
        {
            "size": count,
            "query": {"bool": {"filter": filters}},
            "sort": [{OFFSET: {"order": order}}],
            "track_total_hits": False,
        }
    )["hits"]["hits"]
    return [_line(h) for h in found]


def _line(hit: Mapping[str, Any]) -> LogLine:
    doc = hit["_source"]
    return line_from_doc(doc, parse_ns(str(doc[f.TIMESTAMP])), record_id=hit.get("_id"))
