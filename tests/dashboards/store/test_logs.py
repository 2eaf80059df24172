"""Log-line queries on both backends: lines of two services' sources go through the
collector's own line grouping and parser (so ids, offsets and unstructured records are the
collector's), are written by its SQLite and search sinks, and every filter's answer is
compared with the lines a plain reading of the input expects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import pytest
from hopscope_testing import search_engine as search_engine
from osmem_server import OsmemServer

from collector.sinks.search.sink import SearchSink
from collector.sinks.sqlite import SqliteSink
from dashboards.store import BadQuery, LogQuery, Store, open_store
from dashboards.store.logs import LEVELS, bucket_width
from tests.dashboards.conftest import T0
from tests.dashboards.log_lines import (
    CART,
    ENTRIES,
    PAYMENTS,
    SECOND,
    TRACE_A,
    TRACE_B,
    TRACEBACK,
    Entry,
    all_records,
    collected,
)


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    records = all_records()
    with ExitStack() as cleanup:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("logs") / "hopscope.db"
            sink: SqliteSink | SearchSink = SqliteSink(path)
            url = f"sqlite:///{path}"
        else:
            engine: OsmemServer = request.getfixturevalue("search_engine")
            clone = cleanup.enter_context(engine.clone())
            url = f"opensearch+{clone.url}"
            sink = SearchSink.from_url(url)
        result = sink.write(records)
        sink.close()
        assert result.stored == len(records), result.rejected
        if request.param != "sqlite":
            _refresh(clone.url)
        yield cleanup.enter_context(open_store(url))


def _refresh(url: str) -> None:
    import urllib.request

    req = urllib.request.Request(f"{url}/hopscope-records-*/_refresh", method="POST")
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200


# -- the plain reading of the input -----------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _has(message: str, entry: str) -> bool:
    words, wanted = _tokens(message), _tokens(entry)
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def expected(query: LogQuery) -> list[str]:
    """Messages of the lines *query* should find, in its order, before its limit."""
    levels = None if query.min_level is None else LEVELS[LEVELS.index(query.min_level) :]
    found = [
        e
        for e in ENTRIES
        if (query.since_ns is None or e.ns >= query.since_ns)
        and (query.until_ns is None or e.ns < query.until_ns)
        and (not query.services or e.service in query.services)
        and (levels is None or e.level in levels)
        and all(_has(e.message, w) for w in query.words)
        and all(str(e.fields.get(k)) == v for k, v in query.fields)
        and (query.trace_id is None or e.trace == query.trace_id)
        and (query.kind == "both" or e.unstructured == (query.kind == "unstructured"))
        and (query.include_hops or not e.hop)
    ]
    found.sort(key=lambda e: e.ns, reverse=query.newest_first)
    return [e.message for e in found]


def messages(store: Store, query: LogQuery) -> list[str]:
    return [line.message for line in store.search_logs(query).lines]


AT = T0 + 3 * SECOND

QUERIES = {
    "everything": LogQuery(),
    "oldest first": LogQuery(newest_first=False),
    "with hops": LogQuery(include_hops=True),
    "since": LogQuery(since_ns=AT),
    "until": LogQuery(until_ns=AT),
    "since and until": LogQuery(since_ns=T0 + SECOND, until_ns=AT + SECOND // 2),
    "one service": LogQuery(services=("payments",)),
    "two services": LogQuery(services=("payments", "cart")),
    "an unknown service": LogQuery(services=("nobody",)),
    "min level warning": LogQuery(min_level="warning"),
    "min level error, with hops": LogQuery(min_level="error", include_hops=True),
    "min level debug": LogQuery(min_level="debug"),
    "a word": LogQuery(words=("card",)),
    "a word, other case": LogQuery(words=("TIMEOUT",)),
    "two words": LogQuery(words=("card", "declined")),
    "a phrase": LogQuery(words=("card declined",)),
    "a phrase the other way": LogQuery(words=("declined card",)),
    "a word nowhere": LogQuery(words=("nothing",)),
    "a label": LogQuery(fields=(("labels.tenant", "acme"),)),
    "a typed field": LogQuery(fields=(("http.response.status_code", "502"),)),
    "two fields": LogQuery(fields=(("labels.tenant", "zeta"), ("url.path", "/pay"))),
    "a trace": LogQuery(trace_id=TRACE_B),
    "a trace with hops, oldest first": LogQuery(
        trace_id=TRACE_B, include_hops=True, newest_first=False
    ),
    "unstructured": LogQuery(kind="unstructured"),
    "structured": LogQuery(kind="structured"),
    "unstructured error": LogQuery(kind="unstructured", min_level="error"),
    "words + service + level": LogQuery(
        words=("timeout",), services=("cart", "payments"), min_level="warning"
    ),
    "words + service + level + time": LogQuery(
        words=("card",), services=("payments",), min_level="info", since_ns=T0 + 2 * SECOND
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_every_filter_finds_the_expected_lines(store: Store, name: str) -> None:
    query = QUERIES[name]
    assert messages(store, query) == expected(query)


@pytest.mark.parametrize("rounds", [1, 3])
@pytest.mark.parametrize(
    "name", ["everything", "min level debug", "words + service + level + time", "a trace"]
)
@pytest.mark.parametrize("newest_first", [True, False])
def test_lines_checked_here_page_like_the_engines(
    store: Store, monkeypatch: pytest.MonkeyPatch, rounds: int, name: str, newest_first: bool
) -> None:
    """The search store checks hops and wide minimum levels itself on a few small batches
    and then leaves the rest to the engine: every page holds what the filters say."""
    import dashboards.store.search_logs as search_logs

    monkeypatch.setattr(search_logs, "_HERE_WIDEN", 1)
    monkeypatch.setattr(search_logs, "_HERE_ROUNDS", rounds)
    base = replace(QUERIES[name], limit=1, newest_first=newest_first)
    seen: list[str] = []
    cursor = None
    for _ in range(len(ENTRIES) + 1):
        page = store.search_logs(replace(base, cursor=cursor))
        seen += [line.message for line in page.lines]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected(replace(base, limit=len(ENTRIES)))
    full = replace(base, limit=3)
    assert messages(store, full) == expected(full)[:3]


def test_expected_lists_are_not_trivial() -> None:
    sizes = {name: len(expected(q)) for name, q in QUERIES.items()}
    empty = {"an unknown service", "a word nowhere"}
    assert {name for name, size in sizes.items() if size == 0} == empty
    assert sizes["everything"] < len(ENTRIES) < sizes["with hops"] + 1


def test_paging_walks_every_line_once(store: Store) -> None:
    for base in (LogQuery(limit=3), LogQuery(limit=2, newest_first=False, include_hops=True)):
        seen: list[str] = []
        cursor = None
        while True:
            page = store.search_logs(replace(base, cursor=cursor))
            assert len(page.lines) <= base.limit
            seen += [line.message for line in page.lines]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected(base)
    page = store.search_logs(LogQuery(limit=2))
    with pytest.raises(BadQuery, match="made for"):
        store.search_logs(LogQuery(limit=2, newest_first=False, cursor=page.next_cursor))
    with pytest.raises(BadQuery):
        store.search_logs(LogQuery(cursor="nonsense!"))


def test_unstructured_lines_keep_their_raw_text_and_reason(store: Store) -> None:
    lines = {line.message: line for line in store.search_logs(LogQuery(kind="unstructured")).lines}
    assert set(lines) == {e.message for e in ENTRIES if e.unstructured}
    plain = lines["connection pool is full"]
    assert (plain.unstructured, plain.raw_text, plain.reason) == (
        True,
        "connection pool is full",
        "not JSON",
    )
    traceback = lines["KeyError: 'sku'"]
    assert traceback.raw_text == TRACEBACK
    assert traceback.level == "error"
    assert traceback.doc["error.type"] == "KeyError"
    assert traceback.service == "cart"
    invalid = lines[str(CART[8].text)]
    assert invalid.reason is not None
    assert invalid.reason.startswith("not valid against schema")
    assert lines['{"message": broken'].reason.startswith("not JSON")  # type: ignore[union-attr]


def test_a_line_carries_the_stored_record(store: Store) -> None:
    records = {r.doc["message"]: r for r in all_records()}
    (line,) = store.search_logs(LogQuery(words=("payment timeout",))).lines
    record = records["payment timeout after 3 tries"]
    assert dict(line.doc) == record.doc
    assert line.record_id == record.id
    assert (line.source, line.offset) == ("/var/log/cart.log", record.offset)
    assert (line.service, line.level, line.trace_id) == ("cart", "warning", TRACE_A)
    assert line.time_ns == CART[2].ns
    assert not line.unstructured
    assert line.raw_text is None
    assert line.reason is None
    assert line.span_id == f"{20:016x}"


def _expected_bars(query: LogQuery, since: int, until: int, buckets: int) -> list[Any]:
    width = bucket_width(since, until, buckets)
    counts: dict[tuple[int, str], int] = {}
    wanted = set(expected(replace(query, since_ns=since, until_ns=until)))
    for e in ENTRIES:
        if e.message in wanted and (query.include_hops or not e.hop):
            key = (since + (e.ns - since) // width * width, e.level)
            counts[key] = counts.get(key, 0) + 1
    return sorted(
        ((start, level, n) for (start, level), n in counts.items()),
        key=lambda bar: (bar[0], LEVELS.index(bar[1])),
    )


@pytest.mark.parametrize(
    "query",
    [
        LogQuery(),
        LogQuery(services=("cart",), min_level="warning"),
        LogQuery(words=("card",)),
        # wide minimum levels: the search store reads the levels and counts hops out itself
        LogQuery(min_level="info"),
        LogQuery(min_level="debug", services=("cart",)),
        LogQuery(min_level="info", include_hops=True),
        LogQuery(min_level="info", kind="unstructured"),
        # narrower minimums, which a failed hop reaches: counted out per bar with words
        # or a trace, by the engine without
        LogQuery(services=("payments",), min_level="warning"),
        LogQuery(min_level="error"),
        LogQuery(words=("card",), min_level="warning"),
        LogQuery(trace_id=TRACE_B, min_level="error"),
    ],
)
def test_histogram_counts_matching_lines_per_bucket_and_level(
    store: Store, query: LogQuery
) -> None:
    since, until = T0, T0 + 10 * SECOND
    bars = store.log_histogram(replace(query, since_ns=since, until_ns=until), 5)
    assert bars == _expected_bars(query, since, until, 5)
    assert sum(n for _, _, n in bars) == len(expected(query))


def test_histogram_without_bounds_spans_the_matching_lines(store: Store) -> None:
    bars = store.log_histogram(LogQuery(services=("payments",)), 4)
    first, last = PAYMENTS[0].ns, PAYMENTS[-1].ns + 1
    assert bars == _expected_bars(LogQuery(services=("payments",)), first, last, 4)
    assert store.log_histogram(LogQuery(words=("nothing",)), 4) == []


def test_context_is_the_lines_around_in_the_same_source(store: Store) -> None:
    (line,) = store.search_logs(LogQuery(words=("card declined",))).lines
    context = store.log_context(line.record_id, 4, 2)
    assert context.line is not None
    assert context.line.record_id == line.record_id
    # hops count as context; the other source's lines of the same moments do not
    assert [c.message for c in context.before] == [e.message for e in CART[1:5]]
    assert [c.message for c in context.after] == [e.message for e in CART[6:8]]
    first = store.search_logs(LogQuery(words=("charge",))).lines[0]
    edge = store.log_context(first.record_id, 5, 10)
    assert edge.before == []
    assert [c.message for c in edge.after] == [e.message for e in PAYMENTS[1:]]
    missing = store.log_context("0" * 28, 1, 1)
    assert (missing.line, missing.before, missing.after) == (None, [], [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (LogQuery(min_level="loud"), "unknown level 'loud'"),
        (LogQuery(limit=0), "limit must be"),
        (LogQuery(since_ns=T0, until_ns=T0), "time range is empty"),
        (LogQuery(words=("!!",)), "no word to search for"),
        (LogQuery(fields=(("no.such.field", "1"),)), "unknown field 'no.such.field'"),
        (LogQuery(fields=(("http.response.status_code", "five"),)), "takes a integer"),
        (LogQuery(kind="some"), "unknown kind"),  # type: ignore[arg-type]
    ],
)
def test_bad_queries_say_what_is_wrong(store: Store, query: LogQuery, message: str) -> None:
    with pytest.raises(BadQuery, match=re.escape(message)):
        store.search_logs(query)


def test_bad_histogram_and_context_arguments(store: Store) -> None:
    with pytest.raises(BadQuery, match="buckets"):
        store.log_histogram(LogQuery(), 0)
    with pytest.raises(BadQuery, match="context before"):
        store.log_context("x", -1, 1)


#: A long source whose lines range from a few bytes to several kilobytes: the context's
#: lines lie at uneven offsets, near the source's ends or far from them.
LONG_SOURCE = [
    Entry(n / 100, f"line {n} " + "x" * ((n * 7919) % 97 * (60 if n % 13 == 0 else 3)), "batch")
    for n in range(400)
]


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def long_source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    records = collected(LONG_SOURCE, "/var/log/batch.log", "batch")
    with ExitStack() as cleanup:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("logs") / "hopscope.db"
            sink: SqliteSink | SearchSink = SqliteSink(path)
            url = f"sqlite:///{path}"
        else:
            engine: OsmemServer = request.getfixturevalue("search_engine")
            clone = cleanup.enter_context(engine.clone())
            url = f"opensearch+{clone.url}"
            sink = SearchSink.from_url(url)
        result = sink.write(records)
        sink.close()
        assert result.stored == len(records), result.rejected
        if request.param != "sqlite":
            _refresh(clone.url)
        yield cleanup.enter_context(open_store(url))


@pytest.mark.parametrize("at", [0, 1, 30, 200, 370, 398, 399])
@pytest.mark.parametrize(("before", "after"), [(50, 50), (3, 0), (0, 120), (200, 200)])
def test_context_in_a_long_source_of_uneven_lines(
    long_source: Store, at: int, before: int, after: int
) -> None:
    (line,) = long_source.search_logs(LogQuery(words=(f"line {at}",))).lines
    context = long_source.log_context(line.record_id, before, after)
    names = [e.message.split(" x")[0] for e in LONG_SOURCE]
    assert [c.message.split(" x")[0] for c in context.before] == names[max(at - before, 0) : at]
    assert [c.message.split(" x")[0] for c in context.after] == names[at + 1 : at + 1 + after]
