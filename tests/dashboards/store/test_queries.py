"""The store query layer on both backends: the same traces written to a SQLite file and
to the OpenSearch-API engine (through the collector's search sink), the same questions,
the same expected answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hopscope_testing import search_engine as search_engine
from hopscope_testing import search_fixtures
from osmem_server import OsmemServer

from collector.sinks.search.sink import SearchSink
from dashboards import (
    BadQuery,
    RequestQuery,
    StatsQuery,
    Store,
    StoreError,
    TimeRange,
    build_tree,
    open_store,
)
from dashboards.store.base import Order
from tests.dashboards.conftest import T0, TraceBuilder, with_ids, write_sqlite

START = datetime.fromtimestamp(T0 / 1e9, UTC)
SECOND = 1000.0  # builder times are in ms


def trace_id(n: int) -> str:
    return f"{n:02d}" * 16


def fixture_traces() -> list[dict[str, Any]]:
    """Six requests, one second apart (T1 oldest .. T6 newest)."""
    out: list[dict[str, Any]] = []

    t = TraceBuilder(trace_id(1))  # checkout, all well
    root = t.server("gateway", "/checkout", 0, 100, method="POST")
    t.log("gateway", root, 1, "checkout started")
    c = t.client("gateway", "orders", 10, 90, parent=root, path="/orders", method="POST")
    s = t.server("orders", "/orders", 15, 85, parent=c, method="POST", caller="gateway")
    t.log("orders", s, 16, "order received")
    c2 = t.client("orders", "payments", 20, 60, parent=s, path="/pay", method="POST")
    t.server("payments", "/pay", 25, 55, parent=c2, method="POST", caller="orders")
    out += t.records

    t = TraceBuilder(trace_id(2))  # home page fails at the root
    t.server(
        "gateway",
        "/home",
        SECOND,
        SECOND + 30,
        status=500,
        error_type="builtins.KeyError",
        error_message="'user'",
    )
    out += t.records

    t = TraceBuilder(trace_id(3))  # checkout succeeds after a failed payment attempt
    root = t.server("gateway", "/checkout", 2 * SECOND, 2 * SECOND + 300, method="POST")
    c = t.client(
        "gateway",
        "payments",
        2 * SECOND + 10,
        2 * SECOND + 50,
        parent=root,
        path="/pay",
        method="POST",
        status=503,
    )
    s = t.server(
        "payments", "/pay", 2 * SECOND + 12, 2 * SECOND + 48, parent=c, method="POST", status=503
    )
    t.log("payments", s, 2 * SECOND + 20, "payment declined by bank", level="warning")
    c = t.client(
        "gateway",
        "payments",
        2 * SECOND + 100,
        2 * SECOND + 200,
        parent=root,
        path="/pay",
        method="POST",
        attempt=2,
    )
    t.server("payments", "/pay", 2 * SECOND + 110, 2 * SECOND + 190, parent=c, method="POST")
    out += t.records

    t = TraceBuilder(trace_id(4))  # the caller's hop was lost: the orders hop is the root
    t.server(
        "orders",
        "/orders/{id}",
        3 * SECOND,
        3 * SECOND + 20,
        parent="00000000deadbeef",
        caller="gateway",
    )
    out += t.records

    t = TraceBuilder(trace_id(5))  # not found, with a label
    root = t.server("profile", "/me", 4 * SECOND, 4 * SECOND + 5, status=404)
    t.log("profile", root, 4 * SECOND + 1, "no such user", **{"labels.user_id": "u1"})
    out += t.records

    t = TraceBuilder(trace_id(6))  # slow, calls an outside API
    root = t.server("billing", "/invoice", 5 * SECOND, 5 * SECOND + 900, method="PUT")
    t.client(
        "billing",
        "stripe",
        5 * SECOND + 10,
        5 * SECOND + 890,
        parent=root,
        path="/v1/charges",
        method="POST",
    )
    out += t.records
    return out


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    yield from _filled_store(request, tmp_path_factory, fixture_traces())


def _filled_store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    records: list[dict[str, Any]],
) -> Iterator[Store]:
    """*records* in a store of the kind ``request.param`` names."""
    with ExitStack() as cleanup:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("store") / "hopscope.db"
            write_sqlite(path, records)
            url = f"sqlite:///{path}"
        else:
            engine: OsmemServer = request.getfixturevalue("search_engine")
            clone = cleanup.enter_context(engine.clone())
            url = f"opensearch+{clone.url}"
            sink = SearchSink.from_url(url)
            result = sink.write(with_ids(records))
            sink.close()
            assert result.stored == len(records)
            assert not result.rejected
            _refresh(clone.url)
        yield cleanup.enter_context(open_store(url))


def _refresh(url: str) -> None:
    import urllib.request

    req = urllib.request.Request(f"{url}/hopscope-records-*/_refresh", method="POST")
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200


def ids(store: Store, **filters: Any) -> list[int]:
    page = store.find_requests(RequestQuery(**filters))
    return [int(item.trace_id[:2]) for item in page.items]


def test_requests_newest_first_one_per_trace(store: Store) -> None:
    assert ids(store) == [6, 5, 4, 3, 2, 1]
    assert ids(store, order="oldest") == [1, 2, 3, 4, 5, 6]
    assert ids(store, order="slowest") == [6, 3, 1, 2, 4, 5]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"service": "gateway"}, [3, 2, 1]),
        ({"route": "/checkout"}, [3, 1]),
        ({"method": "post"}, [3, 1]),
        ({"status_class": 5}, [2]),
        ({"status_class": 4}, [5]),
        ({"errors_only": True}, [3, 2]),
        ({"min_duration_ms": 100}, [6, 3, 1]),
        ({"max_duration_ms": 20}, [4, 5]),
        ({"min_duration_ms": 20, "max_duration_ms": 100}, [4, 2, 1]),
        ({"text": "declined"}, [3]),
        ({"text": "order received"}, [1]),
        ({"text": "nothing like this"}, []),
        ({"trace_id": trace_id(4)}, [4]),
        ({"attributes": {"labels.user_id": "u1"}}, [5]),
        ({"attributes": {"http.response.status_code": "503"}}, [3]),
        ({"attributes": {"service.target.name": "stripe"}}, [6]),
        ({"service": "gateway", "errors_only": True, "route": "/checkout"}, [3]),
        (
            {"time": TimeRange(START + timedelta(seconds=1), START + timedelta(seconds=4))},
            [4, 3, 2],
        ),
    ],
)
def test_request_filters(store: Store, filters: dict[str, Any], expected: list[int]) -> None:
    if "max_duration_ms" in filters and "min_duration_ms" not in filters:
        assert sorted(ids(store, **filters)) == sorted(expected)
    else:
        assert ids(store, **filters) == expected


@pytest.mark.parametrize("store", ["opensearch"], indirect=True)
def test_a_filtered_search_asks_shapes_of_the_listed_traces_only(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors only turns most candidates away: the search store asks for the shapes of
    the traces it lists, not of candidates the check may still turn away."""
    from dashboards.store.search import SearchStore

    assert isinstance(store, SearchStore)
    bodies: list[dict[str, Any]] = []
    search = store._search

    def recorded(body: dict[str, Any], **options: Any) -> Any:
        bodies.append(body)
        return search(body, **options)

    monkeypatch.setattr(store, "_search", recorded)
    assert ids(store, errors_only=True) == [3, 2]
    shaped = [set(b["aggs"]["t"]["filters"]["filters"]) for b in bodies if "t" in b.get("aggs", {})]
    assert shaped == [{trace_id(3), trace_id(2)}]


def test_request_summary_is_the_root_with_the_trace_shape(store: Store) -> None:
    (first,) = store.find_requests(RequestQuery(trace_id=trace_id(1))).items
    assert first.service == "gateway"
    assert first.route == "/checkout"
    assert first.method == "POST"
    assert first.status_code == 200
    assert first.start == START
    assert first.duration_ms == 100.0
    assert first.hop_count == 5
    assert first.services == ("gateway", "orders", "payments")
    assert (first.failed, first.has_errors) == (False, False)
    (third,) = store.find_requests(RequestQuery(trace_id=trace_id(3))).items
    assert (third.failed, third.has_errors) == (False, True)
    (orphaned,) = store.find_requests(RequestQuery(trace_id=trace_id(4))).items
    assert orphaned.service == "orders"


def test_paging_walks_every_request_once(store: Store) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = store.find_requests(RequestQuery(limit=4, cursor=cursor))
        seen += [int(i.trace_id[:2]) for i in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1]
    assert pages == 2
    with pytest.raises(BadQuery):
        store.find_requests(RequestQuery(cursor="nonsense!"))
    page = store.find_requests(RequestQuery(limit=2))
    with pytest.raises(BadQuery, match="made for order"):
        store.find_requests(RequestQuery(limit=2, order="oldest", cursor=page.next_cursor))


def many_rooted_traces() -> list[dict[str, Any]]:
    """Five requests one second apart; the first trace has three roots (its own, one whose
    caller's hop was lost, and a parentless one started later), far apart in time."""
    out: list[dict[str, Any]] = []
    t = TraceBuilder(trace_id(7))
    t.server("gateway", "/a", 0, 50)
    t.server("orders", "/lost", 1.5 * SECOND, 1.5 * SECOND + 60, parent="00000000feedface")
    t.server("worker", "/job", 3.5 * SECOND, 3.5 * SECOND + 500)
    out += t.records
    for n, route in enumerate(("/b", "/c", "/d", "/e"), start=1):
        t = TraceBuilder(trace_id(7 + n))
        t.server("gateway", route, n * SECOND, n * SECOND + 10 * n)
        out += t.records
    return out


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def many_rooted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    yield from _filled_store(request, tmp_path_factory, many_rooted_traces())


def walk_pages(store: Store, **filters: Any) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        page = store.find_requests(RequestQuery(cursor=cursor, **filters))
        seen += [int(i.trace_id[:2]) for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError(f"paging did not end: {seen}")


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"order": "newest"}, [11, 7, 10, 9, 8]),
        ({"order": "oldest"}, [7, 8, 9, 10, 11]),
        ({"order": "slowest"}, [7, 11, 10, 9, 8]),
        ({"service": "gateway"}, [11, 10, 9, 8, 7]),
        ({"service": "orders"}, [7]),
        ({"order": "oldest", "min_duration_ms": 45}, [7]),
    ],
)
def test_a_trace_with_several_roots_is_listed_once_across_pages(
    many_rooted: Store, limit: int, filters: dict[str, Any], expected: list[int]
) -> None:
    assert walk_pages(many_rooted, limit=limit, **filters) == expected


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.parametrize(
    ("order", "expected"),
    [("newest", [11, 7, 10, 9, 8]), ("oldest", [7, 8, 9, 10, 11]), ("slowest", [7, 11, 10, 9, 8])],
)
def test_several_roots_listed_once_on_the_search_stores_general_path(
    many_rooted: Store,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    order: str,
    expected: list[int],
) -> None:
    """The search store's scanning path (taken over indices without root marks when its
    fast path declines) pages the same way; the SQLite store has one path and answers as
    above."""
    import dashboards.store.search as search_module

    monkeypatch.setattr(search_module.SearchStore, "_marks_everywhere", lambda _: False)
    monkeypatch.setattr(search_module.SearchStore, "_windowed", lambda *_: None)
    assert walk_pages(many_rooted, limit=limit, order=order) == expected


def forged_mark_traces() -> list[dict[str, Any]]:
    """A request, and a trace of a log line and a client hop whose writer set the root
    mark the search sink keeps for server hops: no request."""
    t = TraceBuilder(trace_id(16))
    t.server("gateway", "/ok", 0, 10)
    out = t.records
    t = TraceBuilder(trace_id(17))
    t.log("worker", None, SECOND, "started", **{"hopscope.hop.root": True})
    t.client("worker", "orders", 2 * SECOND, 2 * SECOND + 5, parent=None)
    t.records[-1]["hopscope.hop.root"] = True
    return out + t.records


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def forged_marks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    yield from _filled_store(request, tmp_path_factory, forged_mark_traces())


@pytest.mark.parametrize("order", ["newest", "oldest", "slowest"])
def test_a_root_mark_on_no_server_hop_makes_no_request(forged_marks: Store, order: str) -> None:
    assert walk_pages(forged_marks, limit=1, order=order) == [16]
    assert ids(forged_marks, order=order, text="started") == []


def callee_first_traces() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two requests through gateway and orders, as a collector meets them: the callee's
    hop ends first, so it is written before its caller's hops (the first list), which
    come in a later write (the second). Request 13's orders hop has a caller that was
    never stored."""
    first: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for n in (12, 14):
        t = TraceBuilder(trace_id(n))
        root = t.server("gateway", "/checkout", n * SECOND, n * SECOND + 100, method="POST")
        c = t.client("gateway", "orders", n * SECOND + 10, n * SECOND + 90, parent=root)
        t.server("orders", "/orders", n * SECOND + 15, n * SECOND + 85, parent=c)
        *callers, callee = t.records
        first.append(callee)
        later += callers
    t = TraceBuilder(trace_id(13))
    t.server("orders", "/orders", 13 * SECOND, 13 * SECOND + 30, parent="00000000cafebabe")
    first += t.records
    return first, later


#: How the callee-first writes reach the store: one collector, two collectors (or one
#: restarted in between), or into an index created before the root marks (the search
#: store's legacy path).
WRITES = ["one sink", "two sinks", "index without marks"]


@pytest.fixture(
    scope="module",
    params=[("sqlite", None), *(("opensearch", w) for w in WRITES)],
    ids=["sqlite", *WRITES],
)
def callee_first(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    first, later = callee_first_traces()
    kind, writes = request.param
    with ExitStack() as cleanup:
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("store") / "hopscope.db"
            write_sqlite(path, first + later)
            url = f"sqlite:///{path}"
        else:
            engine: OsmemServer = request.getfixturevalue("search_engine")
            clone = cleanup.enter_context(engine.clone())
            url = f"opensearch+{clone.url}"
            if writes == "index without marks":
                _create_index_without_marks(clone.url, first[0]["@timestamp"])
                url_for_sink = f"{url}?template=false"
            else:
                url_for_sink = url
            sink = SearchSink.from_url(url_for_sink)
            for n, records in enumerate((first, later)):
                if n == 1 and writes == "two sinks":
                    sink.close()
                    sink = SearchSink.from_url(url_for_sink)
                result = sink.write(with_ids(records, source=f"/var/log/app-{n}.log"))
                assert (result.stored, result.rejected) == (len(records), [])
                _refresh(clone.url)
            sink.close()
        yield cleanup.enter_context(open_store(url))


def _create_index_without_marks(url: str, timestamp: str) -> None:
    """The day's index as the index template made it before the root marks."""
    import urllib.request

    import orjson

    from sdk.schema.index_template import index_name, index_template

    mappings = index_template()["template"]["mappings"]
    del mappings["properties"]["hopscope"]["properties"]["hop"]["properties"]["root"]
    req = urllib.request.Request(
        f"{url}/{index_name(timestamp)}",
        data=orjson.dumps({"mappings": mappings}),
        method="PUT",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("limit", [1, 2, 50])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [14, 13, 12]),
        ({"order": "oldest"}, [12, 13, 14]),
        ({"service": "orders"}, [13]),
        ({"service": "gateway"}, [14, 12]),
        ({"route": "/orders"}, [13]),
    ],
)
def test_a_callee_stored_before_its_caller_is_no_request_of_its_own(
    callee_first: Store, limit: int, filters: dict[str, Any], expected: list[int]
) -> None:
    assert walk_pages(callee_first, limit=limit, **filters) == expected
    items = callee_first.find_requests(RequestQuery(**filters)).items
    assert {i.trace_id[:2]: i.hop_count for i in items} == {
        f"{n:02d}": 1 if n == 13 else 3 for n in expected
    }


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.parametrize(
    ("order", "expected"),
    [("newest", [11, 7, 10, 9, 8]), ("oldest", [7, 8, 9, 10, 11]), ("slowest", [7, 11, 10, 9, 8])],
)
def test_several_roots_listed_once_without_root_marks(
    many_rooted: Store,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    order: str,
    expected: list[int],
) -> None:
    """The search store's fast path over indices written before the root marks."""
    import dashboards.store.search as search_module

    monkeypatch.setattr(search_module.SearchStore, "_marks_everywhere", lambda _: False)
    assert walk_pages(many_rooted, limit=limit, order=order) == expected


def test_a_trace_is_summarised_by_its_first_root_in_the_order(many_rooted: Store) -> None:
    def first(order: Order) -> tuple[str, str | None]:
        (item,) = many_rooted.find_requests(RequestQuery(order=order, trace_id=trace_id(7))).items
        return item.service, item.route

    assert first("newest") == ("worker", "/job")
    assert first("oldest") == ("gateway", "/a")
    assert first("slowest") == ("worker", "/job")


def test_bad_queries_are_refused_clearly(store: Store) -> None:
    with pytest.raises(BadQuery, match="unknown field"):
        store.find_requests(RequestQuery(attributes={"no.such.field": "x"}))
    with pytest.raises(BadQuery, match="takes a integer"):
        store.find_requests(RequestQuery(attributes={"http.response.status_code": "abc"}))
    with pytest.raises(BadQuery, match="status class"):
        store.find_requests(RequestQuery(status_class=7))


def test_fetch_trace_returns_hops_and_logs(store: Store) -> None:
    trace = store.fetch_trace(trace_id(1))
    assert len(trace.records) == 7
    assert not trace.truncated
    stamps = [r["@timestamp"] for r in trace.records]
    assert stamps == sorted(stamps)
    tree = build_tree(trace.records)
    assert tree.root is not None
    assert [h.service for h in tree.hops] == ["gateway", "gateway", "orders", "orders", "payments"]
    assert [line["message"] for line in tree.hops[2].logs] == ["order received"]
    assert store.fetch_trace("ff" * 16).records == []


def test_service_stats(store: Store) -> None:
    rows = store.service_stats()
    assert [(r.service, r.count, r.errors) for r in rows] == [
        ("billing", 1, 0),
        ("gateway", 3, 1),
        ("orders", 2, 0),
        ("payments", 3, 1),
        ("profile", 1, 0),
    ]
    gateway = rows[1]
    assert (gateway.p50_ms, gateway.p95_ms, gateway.p99_ms) == (100.0, 300.0, 300.0)
    assert gateway.error_rate == pytest.approx(1 / 3)
    assert gateway.route is None
    assert gateway.bucket_start is None


def test_route_stats_over_time(store: Store) -> None:
    rows = store.route_stats(service="gateway", bucket_seconds=2)
    assert [(r.route, r.bucket_start, r.count, r.errors, r.p50_ms) for r in rows] == [
        ("/checkout", START, 1, 0, 100.0),
        ("/checkout", START + timedelta(seconds=2), 1, 0, 300.0),
        ("/home", START, 1, 1, 30.0),
    ]
    windowed = store.stats(StatsQuery(time=TimeRange(START + timedelta(seconds=2)), by_route=True))
    assert [(r.service, r.route, r.count) for r in windowed] == [
        ("billing", "/invoice", 1),
        ("gateway", "/checkout", 1),
        ("orders", "/orders/{id}", 1),
        ("payments", "/pay", 2),
        ("profile", "/me", 1),
    ]


def test_dependency_graph(store: Store) -> None:
    graph = store.dependencies()
    assert graph.nodes == ("billing", "gateway", "orders", "payments", "stripe")
    # Percentile definitions differ between engines on even counts (nearest rank here,
    # t-digest on Elasticsearch); odd counts and the maximum agree everywhere.
    assert [(e.caller, e.callee, e.calls, e.errors, e.p99_ms) for e in graph.edges] == [
        ("billing", "stripe", 1, 0, 880.0),
        ("gateway", "orders", 1, 0, 80.0),
        ("gateway", "payments", 2, 1, 100.0),
        ("orders", "payments", 1, 0, 40.0),
    ]
    assert [e.p50_ms for e in graph.edges if e.calls % 2] == [880.0, 80.0, 40.0]
    assert graph.edges[2].error_rate == 0.5
    later = store.dependencies(TimeRange(START + timedelta(seconds=3)))
    assert [(e.caller, e.callee) for e in later.edges] == [("billing", "stripe")]


def test_pickers(store: Store) -> None:
    assert store.services() == ["billing", "gateway", "orders", "payments", "profile"]
    assert store.services(TimeRange(START + timedelta(seconds=4))) == ["billing", "profile"]
    assert store.routes("gateway") == ["/checkout", "/home"]
    assert store.routes() == [
        "/checkout",
        "/home",
        "/invoice",
        "/me",
        "/orders",
        "/orders/{id}",
        "/pay",
    ]


def test_unusable_store_urls_say_why(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no hopscope store"):
        open_store(f"sqlite:///{tmp_path}/missing.db")
    not_db = tmp_path / "notes.db"
    not_db.write_text("hello, this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a hopscope SQLite store"):
        open_store(f"sqlite:///{not_db}")
    with pytest.raises(StoreError, match="unknown store URL"):
        open_store("mysql://db/hopscope")
    with pytest.raises(StoreError, match="search store") as refused:
        open_store("opensearch+http://user:secret@127.0.0.1:9/")
    assert "secret" not in str(refused.value)


def test_plain_http_url_detects_opensearch_and_an_empty_store_answers_empty(
    search_engine: OsmemServer,
) -> None:
    with search_engine.clone() as clone, open_store(clone.url) as store:
        assert type(store).__name__ == "SearchStore"
        page = store.find_requests(RequestQuery())
        assert (page.items, page.next_cursor) == ([], None)
        assert store.fetch_trace(trace_id(1)).records == []
        assert store.services() == []
        assert store.dependencies().edges == ()
        assert store.service_stats() == []


def test_empty_sqlite_store_answers_empty(tmp_path: Path) -> None:
    write_sqlite(tmp_path / "empty.db", [])
    with open_store(f"sqlite:///{tmp_path}/empty.db") as store:
        assert store.find_requests(RequestQuery()).items == []
        assert store.services() == []
        assert store.routes() == []
        assert store.dependencies().nodes == ()
        assert store.service_stats(bucket_seconds=60) == []


def test_big_traces_are_read_in_pages_and_cut_with_notice(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dashboards.store.search as search_module
    import dashboards.store.sqlite as sqlite_module

    monkeypatch.setattr(search_module, "_PAGE", 2)  # several round trips for 7 records
    whole = store.fetch_trace(trace_id(1))
    assert len(whole.records) == 7
    assert not whole.truncated
    for module in (search_module, sqlite_module):
        monkeypatch.setattr(module, "MAX_TRACE_RECORDS", 4)
    cut = store.fetch_trace(trace_id(1))
    assert cut.truncated
    assert [r["@timestamp"] for r in cut.records] == [r["@timestamp"] for r in whole.records[:4]]


def test_search_store_general_path_gives_the_same_answers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over indices without root marks, with too many parents in one stretch: the search
    store scans candidates instead (the SQLite store has one path; the same answers hold
    for it trivially)."""
    import dashboards.store.search as search_module

    monkeypatch.setattr(search_module.SearchStore, "_marks_everywhere", lambda _: False)
    monkeypatch.setattr(search_module, "MAX_STRETCH_PARENTS", 1)
    assert ids(store) == [6, 5, 4, 3, 2, 1]
    assert ids(store, order="oldest") == [1, 2, 3, 4, 5, 6]
    assert ids(store, errors_only=True) == [3, 2]
    assert ids(store, text="declined") == [3]
    assert ids(store, service="orders") == [4]
    first = store.find_requests(RequestQuery(limit=4))
    assert [int(i.trace_id[:2]) for i in first.items] == [6, 5, 4, 3]
    rest = store.find_requests(RequestQuery(limit=4, cursor=first.next_cursor))
    assert [int(i.trace_id[:2]) for i in rest.items] == [2, 1]
    assert rest.next_cursor is None


@pytest.mark.parametrize(
    ("version", "media_type"),
    [
        ("7.17.0", "application/json"),
        ("8.15.0", "application/vnd.elasticsearch+json; compatible-with=8"),
    ],
)
@pytest.mark.parametrize("scheme", ["elasticsearch+http", "http"])
def test_elasticsearch_is_asked_in_its_own_major_version(
    search_engine: OsmemServer, scheme: str, version: str, media_type: str
) -> None:
    with search_engine.clone() as clone:
        sink = SearchSink.from_url(f"opensearch+{clone.url}")
        assert sink.write(with_ids(fixture_traces())).stored > 0
        sink.close()
        _refresh(clone.url)
        front = search_fixtures().FaultProxy(clone.url, elasticsearch=True, es_version=version)
        try:
            host = front.url.removeprefix("http://")
            with open_store(f"{scheme}://{host}") as store:
                found = walk_pages(store, limit=4)
        finally:
            front.close()
    assert found == [6, 5, 4, 3, 2, 1]
    searches = [e for e in front.seen if e.body]
    assert searches
    assert {(e.headers["accept"], e.headers["content-type"]) for e in searches} == {
        (media_type, media_type)
    }
