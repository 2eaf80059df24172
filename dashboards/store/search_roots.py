"""The request search of the Elasticsearch / OpenSearch store: finding the requests'
root hops.

The server cannot join a hop to its caller. Where the collector's search sink marked the
server hops (``hopscope.hop.root``, :mod:`collector.sinks.search.roots`), the marked hops
are the candidates, a superset of the roots: one search finds a page of them
(:meth:`RootScan.marked`), and the few that have a parent are checked against the stored
hops side by side with the trace checks. Over indices written before the marks, the search
walks the server hops in sort order, in batches, and settles for each batch in two
queries whether the caller's hop is stored and whether the trace-level filters hold. A
page may therefore come back with fewer items than asked while its next sort position
says there is more to scan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from dashboards import records as f
from dashboards.store.base import RequestQuery
from dashboards.store.search_query import (
    PAGE,
    SORT_DIR,
    SUMMARY_FIELDS,
    Query,
    parents_body,
    root_filters,
    shapes_body,
    sort_order,
    sort_window,
    stored_filters,
    trace_conditions,
    values_body,
)
from dashboards.store.search_results import (
    Shape,
    between,
    flat,
    read_shapes,
    read_values,
    sort_key,
)

#: Candidate root hops examined per round trip, and rounds per page at most.
BATCH: Final = 500
MAX_ROUNDS: Final = 20

#: A page's root hits and the sort position to continue after (``None``: no more).
PageHits = tuple[list[Any], list[Any] | None]


Search = Callable[[Query], Any]
#: Independent searches sent at once, answered in order.
Parallel = Callable[[list[Query]], list[Any]]


class RootScan:
    """One request search's walk over the candidate root hops, through *search* and
    *parallel*; a stretch holding more than *max_parents* parents sends the fast path
    back to the general one."""

    def __init__(self, search: Search, parallel: Parallel, *, max_parents: int) -> None:
        self._search = search
        self._parallel = parallel
        self.max_parents = max_parents

    def marked(
        self, query: RequestQuery, after: list[Any] | None, shapes: dict[str, Shape]
    ) -> PageHits:
        """The path over marked indices. Each round is one search for the marked hops,
        then, side by side, the trace checks (:class:`_TraceCheck`), the shapes of the
        traces likely listed (but for errors only) and whether the parents of the marked
        hops that have one are stored: a hop whose caller's hop
        came after its mark is left out. A page that follows others and meets marked hops
        with a parent before its start costs one look-up more."""
        sort = sort_order(query)
        # Only the sink marks hops, and only server hops; a mark a writer set on another
        # record is turned away here. The engine pays for each record a clause matches:
        # asking for server hops as well costs it a pass over a third of the records.
        filters = [{"term": {f.ROOT: True}}, *root_filters(query, server=False)]
        trace_filters = trace_conditions(query)
        taken: list[Any] = []
        seen: set[str] = set()
        start = after
        for round_no in range(MAX_ROUNDS):
            # Trace filters turn candidates away: then take more per round, and more again.
            widen = 4 ** (round_no + 1) if trace_filters else 1
            size = min((query.limit + 1) * widen, PAGE)
            body: Query = {
                "size": size,
                "sort": sort,
                "_source": SUMMARY_FIELDS,
                "track_total_hits": False,
                "query": {"bool": {"filter": filters}},
            }
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            bound = hits[-1]["sort"] if len(hits) == size else None
            sources = [flat(h["_source"]) for h in hits]
            check = _TraceCheck(
                query, filters, trace_filters, start, hits, seen, shape=not trace_filters
            )
            bodies = check.bodies()
            # Trace filters leave shapes out of the wide batch: take those of the traces
            # listed if the first candidates pass, rather than after the page is known.
            # Not for errors only: failures are the exception, so most of the guess is
            # wasted on traces the check turns away, and the page waits for the rest.
            guess = not check.shape and not query.errors_only
            likely = _likely(hits, set(check.traces), seen, query.limit) if guess else []
            if likely:
                bodies.append(shapes_body(likely))
            parents = _parents_of(sources)
            if parents:
                bodies.append(values_body(f.SPAN_ID, stored_filters(parents)))
            answers = self._parallel(bodies)
            stored = read_values(answers.pop()) if parents else set()
            if likely:
                shapes.update(read_shapes(answers.pop()["aggregations"]))
            earlier = check.earlier(answers)
            check.settle(answers, shapes)
            check.settle_roots(earlier, self._stored(_parents_of(earlier)))
            seen |= check.listed_before
            for position, (hit, source) in enumerate(zip(hits, sources, strict=True)):
                trace = str(source[f.TRACE_ID])
                if (
                    not _is_server(source)
                    or not _is_root(source, stored)
                    or trace not in check.passing
                    or trace in seen
                ):
                    continue
                seen.add(trace)
                taken.append(hit)
                if len(taken) == query.limit:
                    more = position + 1 < len(hits) or bound is not None
                    return taken, hit["sort"] if more else None
            if bound is None:
                return taken, None
            after = bound
        return taken, after

    def windowed(
        self, query: RequestQuery, after: list[Any] | None, shapes: dict[str, Shape]
    ) -> PageHits | None:
        """The fast path. Server hops without a parent are roots without asking; the few
        hops whose caller's hop is missing hide among the many with a parent, so those are
        settled together per stretch of the sort order, by aggregation. ``None`` when a
        stretch holds more parents than one aggregation returns.

        Each round waits for three answers in turn: the certain roots; then, side by side,
        the stretch's parents and the certain roots' trace checks
        (:class:`_TraceCheck`); then which parents are stored. Orphaned roots, rare, cost
        two more."""
        sort = sort_order(query)
        descending = SORT_DIR[query.order] == "desc"
        filters = root_filters(query)
        trace_filters = trace_conditions(query)
        taken: list[Any] = []
        seen: set[str] = set()
        start = after
        for round_no in range(MAX_ROUNDS):
            # Trace filters turn candidates away: then take more per round, and more again.
            widen = 4 ** (round_no + 1) if trace_filters else 1
            size = min((query.limit + 1) * widen, PAGE)
            body: Query = {
                "size": size,
                "sort": sort,
                "_source": SUMMARY_FIELDS,
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
            window = [
                *filters,
                {"exists": {"field": f.PARENT_ID}},
                *sort_window(query, after, bound),
            ]
            check = _TraceCheck(
                query, filters, trace_filters, start, certain, seen, shape=not trace_filters
            )
            # The stretch's parents and the batch's trace checks, side by side.
            answers = self._parallel([parents_body(window, self.max_parents), *check.bodies()])
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
            merged = sorted(certain + orphans, key=sort_key, reverse=descending)
            for position, hit in enumerate(merged):
                trace = str(flat(hit["_source"])[f.TRACE_ID])
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

    def _stored_and_shapes(
        self, span_ids: set[str], trace_ids: list[str]
    ) -> tuple[set[str], dict[str, Shape]]:
        """:meth:`_stored` and :func:`trace_shapes` side by side."""
        bodies: list[Query] = []
        if span_ids:
            bodies.append(values_body(f.SPAN_ID, stored_filters(span_ids)))
        if trace_ids:
            bodies.append(shapes_body(trace_ids))
        answers = self._parallel(bodies)
        stored = read_values(answers[0]) if span_ids else set()
        found = read_shapes(answers[-1]["aggregations"]) if trace_ids else {}
        return stored, found

    def _stored(self, span_ids: set[str]) -> set[str]:
        """Which of *span_ids* a stored hop carries."""
        if not span_ids:
            return set()
        return self._values(f.SPAN_ID, stored_filters(span_ids))

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
            "size": PAGE,
            "sort": sort_order(query),
            "_source": SUMMARY_FIELDS,
            "track_total_hits": False,
            "query": {"bool": {"filter": [*window, {"terms": {f.PARENT_ID: missing}}]}},
        }
        hits: list[Any] = self._search(body)["hits"]["hits"]
        descending = SORT_DIR[query.order] == "desc"
        return [h for h in hits if between(sort_key(h), after, bound, descending)]

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

    def scanned(self, query: RequestQuery, after: list[Any] | None) -> PageHits:
        """The general path: every candidate root hop in sort order, in batches, each
        batch's parents looked up at once."""
        trace_filters = trace_conditions(query)
        body: Query = {
            "size": BATCH,
            "query": {"bool": {"filter": root_filters(query)}},
            "sort": sort_order(query),
            "track_total_hits": False,
        }
        found: list[Any] = []
        seen: set[str] = set()
        start = after
        for round_no in range(MAX_ROUNDS):
            # Few roots among many hops: widen the batch each round to save round trips.
            body["size"] = min(BATCH * 4**round_no, PAGE)
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
            "size": PAGE,
            "sort": sort_order(query),
            "track_total_hits": False,
            "query": {
                "bool": {
                    "filter": [
                        *filters,
                        {"terms": {f.TRACE_ID: traces}},
                        *sort_window(query, None, start),
                    ]
                }
            },
        }
        descending = SORT_DIR[query.order] == "desc"
        earlier = [
            h["_source"]
            for h in self._search(body)["hits"]["hits"]
            if between(sort_key(h), None, start, descending)
        ]
        return _listed(earlier, self._stored(_parents_of(earlier)))

    def _roots_only(self, hits: list[Any], trace_filters: list[Query]) -> set[int]:
        """Ids of the hits that are roots and whose traces pass the trace filters."""
        sources = [h["_source"] for h in hits]
        stored_parents = self._stored(_parents_of(sources))
        roots = [h for h, s in zip(hits, sources, strict=True) if _is_root(s, stored_parents)]
        return self._passing(roots, trace_filters)

    def _values(self, field: str, filters: list[Query]) -> set[str]:
        return distinct_values(self._search, field, filters)


def distinct_values(search: Search, field: str, filters: list[Query]) -> set[str]:
    """Distinct values of *field* among records matching *filters*."""
    return read_values(search(values_body(field, filters)))


def trace_shapes(search: Search, trace_ids: list[str]) -> dict[str, Shape]:
    """Hop count, services and failure of each trace."""
    if not trace_ids:
        return {}
    return read_shapes(search(shapes_body(trace_ids))["aggregations"])


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
        self.traces = sorted({str(flat(h["_source"])[f.TRACE_ID]) for h in hits} - seen)
        self.passing: set[str] = set()
        self.listed_before: set[str] = set()

    def bodies(self) -> list[Query]:
        if not self.traces:
            return []
        among: Query = {"terms": {f.TRACE_ID: self.traces}}
        out = [shapes_body(self.traces)] if self.shape else []
        out += [values_body(f.TRACE_ID, [among, c]) for c in self.trace_filters]
        if self.start is not None:
            window = sort_window(self.query, None, self.start)
            out.append(
                {
                    "size": PAGE,
                    "sort": sort_order(self.query),
                    "_source": [f.TRACE_ID, f.PARENT_ID, f.HOP_KIND],
                    "track_total_hits": False,
                    "query": {"bool": {"filter": [*self.filters, among, *window]}},
                }
            )
        return out

    def earlier(self, answers: list[Any]) -> list[dict[str, Any]]:
        """The candidates' traces' hops matching the filters up to the page's start."""
        if self.start is None or not self.traces:
            return []
        descending = SORT_DIR[self.query.order] == "desc"
        hops = [
            flat(h["_source"])
            for h in answers[-1]["hits"]["hits"]
            if between(sort_key(h), None, self.start, descending)
        ]
        return [h for h in hops if _is_server(h)]

    def settle(self, answers: list[Any], shapes: dict[str, Shape]) -> None:
        """Shapes and passing traces from the answers to :meth:`bodies`."""
        if not self.traces:
            return
        if self.shape:
            shapes.update(read_shapes(answers[0]["aggregations"]))
        first = 1 if self.shape else 0
        passing = set(self.traces)
        for answer in answers[first : first + len(self.trace_filters)]:
            passing &= read_values(answer)
        self.passing = passing

    def settle_roots(self, earlier: list[dict[str, Any]], stored: set[str]) -> None:
        """Listed-before traces, once the earlier hops' parents are known stored or not."""
        self.listed_before = _listed(earlier, stored)

    def merge(self, other: _TraceCheck) -> None:
        self.passing |= other.passing
        self.listed_before |= other.listed_before


def _likely(certain: list[Any], passing: set[str], seen: set[str], limit: int) -> list[str]:
    """The traces the certain roots would list, in order, orphans aside."""
    out: list[str] = []
    for hit in certain:
        trace = str(flat(hit["_source"])[f.TRACE_ID])
        if trace in passing and trace not in seen and trace not in out:
            out.append(trace)
            if len(out) == limit:
                break
    return out


def _parents_of(earlier: Sequence[Mapping[str, Any]]) -> set[str]:
    return {str(s[f.PARENT_ID]) for s in earlier if s.get(f.PARENT_ID)}


def _is_server(source: Mapping[str, Any]) -> bool:
    return source.get(f.HOP_KIND) == "server"


def _is_root(source: Mapping[str, Any], stored: set[str]) -> bool:
    """Whether a hop is a root: it has no parent, or none among the *stored* span ids."""
    return not source.get(f.PARENT_ID) or str(source[f.PARENT_ID]) not in stored


def _listed(earlier: Sequence[Mapping[str, Any]], stored: set[str]) -> set[str]:
    """The traces of the *earlier* hops that are roots."""
    return {str(s[f.TRACE_ID]) for s in earlier if _is_root(s, stored)}
