"""The index template against the OpenSearch-API engine: a refused template shown, the
legacy form only where composable templates are missing."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from hopscope_testing import load_module

from collector.sinks.base import SinkUnavailable
from collector.sinks.search.sink import SearchSink
from sdk.schema.index_template import INDEX_PATTERN, TEMPLATE_NAME


def _fixtures() -> ModuleType:
    return load_module(Path(__file__).with_name("conftest_search.py"), "hopscope_search_fixtures")


fx = _fixtures()
search_engine = fx.search_engine
engine = fx.engine
proxy = fx.proxy
es_proxy = fx.es_proxy
make_record = fx.make_record
Reply = fx.Reply
count = fx.count
engine_request = fx.engine_request


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
    assert legacy[TEMPLATE_NAME]["index_patterns"] == [INDEX_PATTERN]
