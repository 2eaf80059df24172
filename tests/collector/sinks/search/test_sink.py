"""The search-engine sink against a real OpenSearch-API engine (osmem), with a loopback
proxy in front of it where a failure has to be injected."""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import replace
from typing import Any

import orjson
import pytest
from hopscope_testing import search_fixtures

from collector.sinks.base import SinkUnavailable
from collector.sinks.search.sink import RetryPolicy, SearchSink
from sdk.schema.index_template import TEMPLATE_NAME, index_name
from sdk.store import ElasticsearchClient, Endpoint, OpenSearchClient

fx = search_fixtures()
make_record = fx.make_record
Reply = fx.Reply
Drop = fx.Drop
count = fx.count
engine_request = fx.engine_request


class Pauses:
    """Stands in for ``time.sleep``: records the pauses instead of waiting them out."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def sink_for(url: str, pauses: Pauses | None = None, **options: Any) -> SearchSink:
    base = SearchSink.from_url(url)
    merged = {"retry": RetryPolicy(attempts=4, base_s=0.01, cap_s=0.05), **options}
    return SearchSink(base.endpoint, replace(base.options, **merged), sleep=pauses or Pauses())


def test_writes_searchable_documents_into_dated_indices(engine: Any) -> None:
    records = [make_record(n) for n in range(50)]
    records.append(make_record(50, **{"@timestamp": "2026-11-26T00:00:01.000001Z"}))
    sink = sink_for(f"opensearch+{engine.url}")

    result = sink.write(records)

    assert (result.stored, result.rejected, result.retried) == (51, [], 0)
    assert count(engine) == 51
    assert count(engine, {"term": {"trace.id": f"{7:032x}"}}) == 1
    assert count(engine, {"match": {"message": "request handled"}}) == 51
    assert count(engine, {"range": {"event.duration": {"gte": 1_500_040}}}) == 11
    assert count(engine, {"term": {"labels.tenant": "acme"}}) == 51
    index = index_name(records[3].doc["@timestamp"])
    hit = engine_request(engine, "GET", f"/{index}/_doc/{records[3].id}")
    # A server hop without a parent: the document as written, marked a request's root.
    assert hit["_source"] == {**records[3].doc, "hopscope.hop.root": True}
    assert "hopscope.hop.root" not in records[3].doc  # the other sinks' record unchanged
    indices = engine_request(engine, "GET", "/_cat/indices/hopscope-records-*?format=json")
    assert sorted(i["index"] for i in indices) == [
        "hopscope-records-2026.11.25",
        "hopscope-records-2026.11.26",
    ]
    template = engine_request(engine, "GET", f"/_index_template/{TEMPLATE_NAME}")
    assert template["index_templates"][0]["name"] == TEMPLATE_NAME
    sink.close()


def test_same_batch_twice_is_stored_once(engine: Any) -> None:
    records = [make_record(n) for n in range(20)]
    sink = sink_for(f"opensearch+{engine.url}")

    first = sink.write(records)
    second = sink.write(records)

    assert (first.stored, second.stored) == (20, 20)
    assert second.rejected == []
    assert count(engine) == 20


def test_mapping_conflict_is_rejected_with_the_servers_reason(engine: Any) -> None:
    good = [make_record(n) for n in range(5)]
    # Not schema-valid, but what a conflicting mapping looks like to the server.
    bad = make_record(99, **{"event.duration": "twelve seconds"})
    sink = sink_for(f"opensearch+{engine.url}")

    result = sink.write([*good[:2], bad, *good[2:]])

    assert result.stored == 5
    assert len(result.rejected) == 1
    rejected, reason = result.rejected[0]
    assert rejected is bad
    assert reason.startswith("400 mapper_parsing_exception: failed to parse field [event.duration]")
    assert "twelve seconds" in reason
    assert count(engine) == 5


def test_unknown_scheme_and_option_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="must start with one of"):
        SearchSink.from_url("ftp://127.0.0.1:9200")
    with pytest.raises(ValueError, match="unknown search sink option"):
        SearchSink.from_url("http://127.0.0.1:9200?shards=3")
    with pytest.raises(ValueError, match="target must be"):
        SearchSink.from_url("http://127.0.0.1:9200?target=weekly")


def test_url_options_and_flavours() -> None:
    sink = SearchSink.from_url(
        "elasticsearch+https://es.example:9243/prefix/?target=stream&template=false"
        "&verify=false&timeout=5&max_body=1000"
    )
    assert sink.endpoint.url == "https://es.example:9243/prefix"
    assert (sink.options.flavour, sink.options.data_stream) == ("elasticsearch", True)
    assert (sink.options.install_template, sink.endpoint.verify_certs) == (False, False)
    assert (sink.endpoint.timeout_s, sink.options.max_body_bytes) == (5.0, 1000)
    assert SearchSink.from_url("opensearch+http://h:9200").options.flavour == "opensearch"
    assert SearchSink.from_url("http://h:9200").options.flavour == "auto"


def test_credentials_from_url_or_environment_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = SearchSink.from_url("https://writer:s%3Acret@es.example:9200")
    assert (sink.endpoint.username, sink.endpoint.password) == ("writer", "s:cret")
    assert "cret" not in sink.name + repr(sink.endpoint) + sink.endpoint.display

    monkeypatch.setenv("HOPSCOPE_SEARCH_USERNAME", "env-user")
    monkeypatch.setenv("HOPSCOPE_SEARCH_PASSWORD", "env-secret")
    from_env = SearchSink.from_url("https://es.example:9200")
    assert (from_env.endpoint.username, from_env.endpoint.password) == ("env-user", "env-secret")

    monkeypatch.delenv("HOPSCOPE_SEARCH_USERNAME")
    monkeypatch.setenv("HOPSCOPE_SEARCH_API_KEY", "a2V5aWQ6c2VjcmV0")
    assert SearchSink.from_url("https://es.example:9200").endpoint.api_key == "a2V5aWQ6c2VjcmV0"


def test_basic_auth_reaches_the_server(proxy: Any) -> None:
    host = proxy.url.removeprefix("http://")
    sink = sink_for(f"opensearch+http://writer:hunter2@{host}")
    assert sink.write([make_record(1)]).stored == 1
    # base64("writer:hunter2")
    assert {e.headers.get("authorization") for e in proxy.seen} == {"Basic d3JpdGVyOmh1bnRlcjI="}


def test_unreachable_cluster_is_unavailable_without_leaking_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = fx.closed_port()
    sink = sink_for(f"http://writer:hunter2@127.0.0.1:{port}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SinkUnavailable) as raised:
        sink.write([make_record(1)])
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in caplog.text


def test_item_level_429_is_retried_alone(proxy: Any, engine: Any) -> None:
    throttled_rounds: list[bytes] = []

    def throttle_first_three(exchange: Any) -> Any:
        reply = exchange.forward(None)
        if not exchange.path.startswith("/_bulk") or len(throttled_rounds) >= 2:
            return reply
        throttled_rounds.append(exchange.body)
        answer = reply.json()
        for item in answer["items"][:3]:
            item["create"] = {
                "_id": item["create"]["_id"],
                "status": 429,
                "error": {
                    "type": "es_rejected_execution_exception",
                    "reason": "rejected execution of bulk",
                },
            }
        answer["errors"] = True
        return Reply(200, orjson.dumps(answer))

    proxy.fault = throttle_first_three
    pauses = Pauses()
    sink = sink_for(f"opensearch+{proxy.url}", pauses)
    records = [make_record(n) for n in range(10)]

    result = sink.write(records)

    assert (result.stored, result.rejected, result.retried) == (10, [], 6)
    bodies = proxy.bulk_bodies()
    assert len(bodies) == 3
    # the retries carry only the three throttled records, in order
    assert [len(b.splitlines()) for b in bodies] == [20, 6, 6]
    assert bodies[1] == bodies[2]
    assert bodies[1].startswith(bodies[0][: len(bodies[1])])
    assert len(pauses.taken) == 2
    assert all(0 <= p <= 0.05 for p in pauses.taken)
    assert count(engine) == 10


def test_request_level_429_storm_then_recovery(proxy: Any, engine: Any) -> None:
    storm = {"on": True}

    def too_many(exchange: Any) -> Any:
        if exchange.path.startswith("/_bulk") and storm["on"]:
            return Reply(429, b'{"error":{"type":"circuit_breaking_exception","reason":"busy"}}')
        return exchange.forward(None)

    proxy.fault = too_many
    pauses = Pauses()
    sink = sink_for(f"opensearch+{proxy.url}", pauses)
    records = [make_record(n) for n in range(8)]

    with pytest.raises(SinkUnavailable, match=r"8 record\(s\) still refused after 4 attempts"):
        sink.write(records)
    assert len(pauses.taken) == 3
    assert count(engine) == 0

    storm["on"] = False
    result = sink.write(records)
    assert (result.stored, result.rejected) == (8, [])
    assert count(engine) == 8


def test_server_error_once_is_retried(proxy: Any, engine: Any) -> None:
    failures: list[int] = []

    def one_503(exchange: Any) -> Any:
        if exchange.path.startswith("/_bulk") and not failures:
            failures.append(1)
            return Reply(503, b'{"error":{"type":"unavailable_shards_exception","reason":"x"}}')
        return exchange.forward(None)

    proxy.fault = one_503
    sink = sink_for(f"opensearch+{proxy.url}")
    result = sink.write([make_record(n) for n in range(4)])
    assert (result.stored, result.retried) == (4, 4)
    assert count(engine) == 4


def test_413_halves_the_batch_and_rejects_a_record_too_large_alone(proxy: Any, engine: Any) -> None:
    limit = 3000
    accepted: list[int] = []

    def small_bodies_only(exchange: Any) -> Any:
        if exchange.path.startswith("/_bulk"):
            if len(exchange.body) > limit:
                return Reply(413, b"")
            accepted.append(exchange.body.count(b"\n") // 2)
        return exchange.forward(None)

    proxy.fault = small_bodies_only
    records = [make_record(n) for n in range(16)]
    huge = make_record(100, message="x" * 5000)
    records.insert(5, huge)
    sink = sink_for(f"opensearch+{proxy.url}")

    result = sink.write(records)

    assert result.stored == 16
    assert [r for r, _ in result.rejected] == [huge]
    assert result.rejected[0][1].startswith("413 request entity too large")
    assert sum(accepted) == 16
    assert len(accepted) > 2  # 17 records of ~400 bytes do not fit 3000 bytes in fewer
    assert count(engine) == 16


def test_read_only_index_pauses_and_warns(engine: Any, caplog: pytest.LogCaptureFixture) -> None:
    sink = sink_for(f"opensearch+{engine.url}")
    assert sink.write([make_record(0)]).stored == 1
    index = index_name(make_record(0).doc["@timestamp"])
    engine_request(engine, "PUT", f"/{index}/_settings", {"index": {"blocks": {"write": True}}})

    with caplog.at_level(logging.WARNING), pytest.raises(SinkUnavailable, match="cluster_block"):
        sink.write([make_record(1), make_record(2)])
    assert "refuses writes" in caplog.text

    engine_request(engine, "PUT", f"/{index}/_settings", {"index": {"blocks": {"write": False}}})
    result = sink.write([make_record(1), make_record(2)])
    assert (result.stored, result.rejected) == (2, [])
    assert count(engine) == 3


def test_outage_then_return(proxy: Any, engine: Any) -> None:
    outage = {"on": True}

    def dropped(exchange: Any) -> Any:
        if outage["on"]:
            raise Drop
        return exchange.forward(None)

    proxy.fault = dropped
    sink = sink_for(f"opensearch+{proxy.url}")
    records = [make_record(n) for n in range(6)]
    with pytest.raises(SinkUnavailable):
        sink.write(records)

    outage["on"] = False
    assert sink.write(records).stored == 6
    assert count(engine) == 6


def test_elasticsearch_client_path(es_proxy: Any, engine: Any) -> None:
    records = [make_record(n) for n in range(12)]
    sink = sink_for(f"elasticsearch+{es_proxy.url}")

    result = sink.write(records)
    again = sink.write(records)

    assert isinstance(sink._client, ElasticsearchClient)
    assert sink._client.compatible_with == 8
    bulk = next(e for e in es_proxy.seen if e.path.startswith("/_bulk"))
    assert bulk.headers["content-type"] == (
        "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
    )
    assert (result.stored, again.stored) == (12, 12)
    assert count(engine) == 12


@pytest.mark.parametrize(
    ("version", "json_type", "ndjson_type"),
    [
        ("7.17.0", "application/json", "application/x-ndjson"),
        (
            "8.15.0",
            "application/vnd.elasticsearch+json; compatible-with=8",
            "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
        ),
        (
            "9.1.0",
            "application/vnd.elasticsearch+json; compatible-with=9",
            "application/vnd.elasticsearch+x-ndjson; compatible-with=9",
        ),
    ],
)
@pytest.mark.parametrize("scheme", ["elasticsearch+http", "http"])
def test_media_types_name_the_servers_major_version(
    engine: Any, scheme: str, version: str, json_type: str, ndjson_type: str
) -> None:
    front = fx.FaultProxy(engine.url, elasticsearch=True, es_version=version)
    try:
        host = front.url.removeprefix("http://")
        sink = sink_for(f"{scheme}://writer:hunter2@{host}")
        assert sink.write([make_record(n) for n in range(3)]).stored == 3
        client = sink._client
        assert isinstance(client, ElasticsearchClient)
        client.request("POST", "/hopscope-records-*/_refresh")
        answer = client.request("POST", "/hopscope-records-*/_search", b'{"size": 5}')
        sink.close()
    finally:
        front.close()

    assert answer.status == 200
    assert len(answer.body["hits"]["hits"]) == 3
    bulk = next(e for e in front.seen if e.path.startswith("/_bulk"))
    search = next(e for e in front.seen if e.path.endswith("/_search"))
    assert (bulk.headers["accept"], bulk.headers["content-type"]) == (json_type, ndjson_type)
    assert (search.headers["accept"], search.headers["content-type"]) == (json_type, json_type)
    # The login reaches the server on every request, the first one included.
    assert {e.headers.get("authorization") for e in front.seen} == {"Basic d3JpdGVyOmh1bnRlcjI="}


def test_a_server_that_is_not_elasticsearch_is_refused(proxy: Any, engine: Any) -> None:
    # The plain proxy answers without the product header Elasticsearch sends.
    sink = sink_for(f"elasticsearch+{proxy.url}")
    with pytest.raises(SinkUnavailable, match="does not identify as Elasticsearch"):
        sink.write([make_record(1)])
    assert count(engine) == 0


def test_plain_address_detects_the_server(es_proxy: Any, engine: Any) -> None:
    es_sink = sink_for(es_proxy.url)
    os_sink = sink_for(engine.url)
    assert es_sink.write([make_record(1)]).stored == 1
    assert os_sink.write([make_record(2)]).stored == 1
    assert isinstance(es_sink._client, ElasticsearchClient)
    assert isinstance(os_sink._client, OpenSearchClient)


def test_request_refused_for_credentials_is_unavailable_not_rejected(proxy: Any) -> None:
    proxy.fault = lambda exchange: (
        Reply(401, b'{"error":{"type":"security_exception","reason":"missing authentication"}}')
        if exchange.path.startswith("/_bulk")
        else exchange.forward(None)
    )
    sink = sink_for(f"opensearch+{proxy.url}")
    with pytest.raises(SinkUnavailable, match="401 security_exception"):
        sink.write([make_record(1)])


def test_large_batch_is_cut_into_bounded_requests(proxy: Any) -> None:
    sink = sink_for(f"opensearch+{proxy.url}", max_body_bytes=20_000)
    result = sink.write([make_record(n) for n in range(200)])
    bodies = proxy.bulk_bodies()
    assert result.stored == 200
    assert len(bodies) > 3
    assert all(len(b) <= 20_000 for b in bodies)
    assert sum(b.count(b"\n") for b in bodies) == 400


def test_endpoint_rejects_other_schemes() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Endpoint.parse("tcp://user:pw@h:1")


def test_connect_installs_the_template_before_any_write(engine: Any) -> None:
    sink = sink_for(f"opensearch+{engine.url}")
    sink.connect()
    template = engine_request(engine, "GET", f"/_index_template/{TEMPLATE_NAME}")
    mappings = template["index_templates"][0]["index_template"]["template"]["mappings"]
    assert mappings["properties"]["event"]["properties"]["duration"] == {"type": "long"}
    assert count(engine) == 0


def test_ids_that_are_not_hex_are_escaped(engine: Any) -> None:
    odd = make_record(1)
    odd.id = 'file "a"\\b'
    sink = sink_for(f"opensearch+{engine.url}")
    assert sink.write([odd]).stored == 1
    assert count(engine, {"ids": {"values": [odd.id]}}) == 1


def test_data_stream_refused_by_the_server_waits_instead_of_dead_lettering(
    engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The engine has no data streams: a cluster capability, not a fault of the records.
    sink = sink_for(f"opensearch+{engine.url}?target=stream")
    with caplog.at_level(logging.WARNING), pytest.raises(SinkUnavailable, match="data stream"):
        sink.write([make_record(1)])
    assert "refuses writes" in caplog.text
    assert count(engine) == 0


def test_item_outcomes() -> None:
    from collector.sinks.search.bulk import Outcome, item_outcome

    assert item_outcome(201, None) is Outcome.STORED
    assert item_outcome(409, {"type": "version_conflict_engine_exception"}) is Outcome.STORED
    assert item_outcome(429, {"type": "es_rejected_execution_exception"}) is Outcome.RETRY
    assert item_outcome(503, None) is Outcome.RETRY
    assert item_outcome(400, {"type": "mapper_parsing_exception"}) is Outcome.REJECTED
    assert item_outcome(400, {"type": "document_parsing_exception"}) is Outcome.REJECTED
    assert item_outcome(400, {"type": "index_closed_exception"}) is Outcome.BLOCKED
    assert item_outcome(404, {"type": "index_not_found_exception"}) is Outcome.BLOCKED
    assert item_outcome(403, {"type": "cluster_block_exception"}) is Outcome.BLOCKED


@pytest.mark.parametrize("flavour", ["opensearch", "elasticsearch"])
def test_compressed_bodies(flavour: str, proxy: Any, es_proxy: Any, engine: Any) -> None:
    front = es_proxy if flavour == "elasticsearch" else proxy
    sink = sink_for(f"{flavour}+{front.url}?compress=true")
    assert sink.write([make_record(n) for n in range(30)]).stored == 30
    bulk = next(e for e in front.seen if e.path.startswith("/_bulk"))
    assert bulk.headers["content-encoding"] == "gzip"
    assert bulk.body[:2] == b"\x1f\x8b"
    assert count(engine, {"term": {"trace.id": f"{29:032x}"}}) == 1


@pytest.mark.slow
def test_elasticsearch_client_leaves_arrow_unloaded() -> None:
    # Run fresh: in this test process another test may have imported either already.
    script = (
        "import sys\n"
        "from sdk.store._search_client import ElasticsearchClient, Endpoint\n"
        "ElasticsearchClient(Endpoint.parse('http://127.0.0.1:9'))\n"
        "print('pyarrow' in sys.modules)\n"
        "import pyarrow\n"
        "print(pyarrow.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "pyarrow"]
