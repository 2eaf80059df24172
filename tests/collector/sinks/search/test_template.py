"""The index template against the OpenSearch-API engine: the open-ended families in one
field each, whatever the count of their keys, and still searched as before; dates with
their microseconds; a refused template shown, the legacy form only where composable
templates are missing."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
from hopscope_testing import search_fixtures

from collector.sinks.base import SinkUnavailable
from collector.sinks.search.sink import SearchSink
from dashboards.store import LogQuery, RequestQuery, open_store
from sdk.schema.index_template import TEMPLATE_NAME

fx = search_fixtures()
make_record = fx.make_record
Reply = fx.Reply
count = fx.count
engine_request = fx.engine_request

#: past the default limit of 1000 fields per index, in one daily index
KEYS = 1500


def template_mappings(engine: Any) -> dict[str, Any]:
    template = engine_request(engine, "GET", f"/_index_template/{TEMPLATE_NAME}")
    mappings: dict[str, Any] = template["index_templates"][0]["index_template"]["template"][
        "mappings"
    ]
    return mappings


def test_any_count_of_label_keys_is_stored_and_searchable(engine: Any) -> None:
    records = [
        make_record(n, **{f"labels.k{n}": f"v{n}", f"http.request.header.x-h{n}": "h"})
        for n in range(KEYS)
    ]
    sink = SearchSink.from_url(f"opensearch+{engine.url}")
    result = sink.write(records)
    sink.close()
    assert (result.stored, result.rejected) == (KEYS, [])
    assert count(engine) == KEYS
    mappings = template_mappings(engine)
    assert mappings["properties"]["labels"] == {"type": "flat_object"}
    header = mappings["properties"]["http"]["properties"]["request"]["properties"]["header"]
    assert header == {"type": "flat_object"}
    # label search in the dashboard's search store, unchanged
    with open_store(f"opensearch+{engine.url}") as store:
        found = store.find_requests(RequestQuery(attributes={"labels.k1234": "v1234"}))
        assert [r.trace_id for r in found.items] == [f"{1234:032x}"]
        both = store.find_requests(RequestQuery(attributes={"labels.tenant": "acme"}))
        assert len(both.items) > 0
        lines = store.search_logs(LogQuery(fields=(("labels.k7", "v7"),), include_hops=True))
        assert [line.message for line in lines.lines] == ["request 7 handled"]


def test_dates_keep_their_microseconds(engine: Any) -> None:
    early = make_record(1, **{"@timestamp": "2026-11-25T14:00:00.000100Z"})
    late = make_record(2, **{"@timestamp": "2026-11-25T14:00:00.000900Z"})
    old = make_record(3, **{"@timestamp": "1969-07-20T20:17:40.000000Z"})  # before date_nanos
    sink = SearchSink.from_url(f"opensearch+{engine.url}")
    assert sink.write([early, late, old]).stored == 3
    sink.close()
    assert template_mappings(engine)["properties"]["@timestamp"]["fields"]["nanos"] == {
        "type": "date_nanos",
        "ignore_malformed": True,
    }
    within = {"gt": "2026-11-25T14:00:00.000500Z", "lt": "2026-11-25T14:00:00.001Z"}
    assert count(engine, {"range": {"@timestamp.nanos": within}}) == 1  # the late one
    assert count(engine, {"range": {"@timestamp": within}}) == 0  # milliseconds only
    assert count(engine) == 3  # the one before 1970 is stored too


def test_a_server_without_the_flat_type_gets_a_field_per_key_and_a_warning(
    es_proxy: Any, engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # the engine poses as Elasticsearch, whose flat type (flattened) it does not know
    sink = SearchSink.from_url(f"elasticsearch+{es_proxy.url}")
    with caplog.at_level(logging.WARNING):
        assert sink.write([make_record(n) for n in range(3)]).stored == 3
    sink.close()
    assert "has no flattened mapping type" in caplog.text
    assert template_mappings(engine)["properties"]["labels"]["dynamic"] is True
    assert count(engine, {"term": {"labels.tenant": "acme"}}) == 3


def test_a_refused_composable_template_is_shown_not_worked_around(proxy: Any) -> None:
    refusal = {"type": "mapper_parsing_exception", "reason": "unknown parameter [colour]"}

    def refuse(exchange: Any) -> Any:
        if exchange.path.startswith("/_index_template/"):
            return Reply(400, orjson.dumps({"error": refusal, "status": 400}))
        return exchange.forward(None)

    proxy.fault = refuse
    sink = SearchSink.from_url(f"opensearch+{proxy.url}")
    with pytest.raises(SinkUnavailable, match="400 mapper_parsing_exception: unknown parameter"):
        sink.connect()
    sink.close()
    assert [e.path for e in proxy.seen if "_template" in e.path] == [
        f"/_index_template/{TEMPLATE_NAME}"
    ]


@pytest.mark.parametrize(
    "answer",
    [
        Reply(405, b'{"error":"Incorrect HTTP method for uri","status":405}'),
        Reply(
            400,
            b'{"error":{"type":"invalid_index_name_exception","reason":'
            b'"Invalid index name [_index_template], must not start with \'_\'."},"status":400}',
        ),
    ],
    ids=["405", "400-index-name"],
)
def test_a_server_without_composable_templates_gets_the_legacy_one(
    proxy: Any, engine: Any, answer: Any
) -> None:
    def old_server(exchange: Any) -> Any:
        if exchange.path.startswith("/_index_template/"):
            return answer
        return exchange.forward(None)

    proxy.fault = old_server
    sink = SearchSink.from_url(f"opensearch+{proxy.url}")
    sink.connect()
    sink.close()
    legacy = engine_request(engine, "GET", f"/_template/{TEMPLATE_NAME}")
    assert legacy[TEMPLATE_NAME]["mappings"]["properties"]["labels"] == {"type": "flat_object"}
