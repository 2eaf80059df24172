"""Three services and an SSO as real uvicorn processes on loopback: a calls b on behalf of
the user, b calls c as the service. Everything asserted here is read from the processes'
own stdout."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hopscope_testing import sdk_service

from sdk.schema import parse_timestamp

#: whole processes end to end: in the full suite, not in ``stack test --fast``
pytestmark = pytest.mark.slow

Record = dict[str, Any]


harness = sdk_service("harness")
USER_TOKEN = "user-" + secrets.token_urlsafe(18)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    running = harness.Chain(tmp_path_factory.mktemp("chain"))
    yield running
    running.stop()


def call(chain: Any, cart: str, trace_id: str | None = None) -> tuple[httpx.Response, str]:
    """GET a's /pay/{cart} as the user; returns the response and the trace id."""
    trace_id = trace_id or secrets.token_hex(16)
    headers = {
        "authorization": f"Bearer {USER_TOKEN}",
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
    }
    response = httpx.get(f"{chain.a.url}/pay/{cart}", headers=headers, timeout=60)
    return response, trace_id


def of_trace(chain: Any, trace_id: str, expected_c_hops: int = 1) -> dict[str, list[Record]]:
    """Each service's records of one trace, once c's server hops have reached its stdout."""

    def collect() -> dict[str, list[Record]] | None:
        found = {
            name: [r for r in records if r.get("trace.id") == trace_id]
            for name, records in chain.records().items()
        }
        # every process writes its server hop after its response went out: a's can come
        # before b's on a busy machine
        done = len(harness.hops(found["a"], "server")) == 1
        done = done and len(harness.hops(found["b"], "server")) == 1
        done = done and len(harness.hops(found["c"], "server")) >= expected_c_hops
        return found if done else None

    found = harness.poll(collect)
    assert found, f"records of trace {trace_id} never arrived"
    return found  # type: ignore[no-any-return]


def one(records: list[Record], kind: str) -> Record:
    matching = harness.hops(records, kind)
    assert len(matching) == 1, matching
    return matching[0]


def calls_to(records: list[Record], target: str) -> list[Record]:
    """Client hops to ``target`` (b's first call of a test run also fetches a token)."""
    return [r for r in harness.hops(records, "client") if r["service.target.name"] == target]


def test_one_trace_id_across_every_line_of_a_request(chain: Any) -> None:
    response = httpx.get(
        f"{chain.a.url}/pay/cart-7", headers={"authorization": f"Bearer {USER_TOKEN}"}, timeout=60
    )
    assert response.status_code == 200
    started = harness.poll(
        lambda: [
            r for r in harness.hops(chain.a.lines(), "server") if r["url.path"] == "/pay/cart-7"
        ]
    )
    assert len(started) == 1
    assert "parent.id" not in started[0]
    trace_id = started[0]["trace.id"]
    found = of_trace(chain, trace_id)
    messages = {name: [r["message"] for r in records] for name, records in found.items()}
    assert messages["a"] == ["paying", "b GET /orders/cart-7 -> 200", "GET /pay/{cart_id} 200"]
    assert messages["b"][0] == "order received"
    assert "c GET /work/cart-7 -> 200" in messages["b"]
    assert "working" in messages["c"]
    assert "GET /work/{item} 200" in messages["c"]
    # no line of this request went out under another trace
    for name, records in chain.records().items():
        for record in records:
            if "cart-7" in str(record.get("url.path", "")) or record.get("labels.cart_id"):
                assert record["trace.id"] == trace_id, (name, record)


def test_server_hop_parent_is_the_callers_client_hop_and_durations_nest(chain: Any) -> None:
    response, trace_id = call(chain, "slow-1")
    assert response.status_code == 200
    found = of_trace(chain, trace_id)
    a_server, a_client = one(found["a"], "server"), one(found["a"], "client")
    b_server, (b_client,) = one(found["b"], "server"), calls_to(found["b"], "c")
    c_server = one(found["c"], "server")
    assert a_client["parent.id"] == a_server["span.id"]
    assert b_server["parent.id"] == a_client["span.id"]
    assert b_client["parent.id"] == b_server["span.id"]
    assert c_server["parent.id"] == b_client["span.id"]
    # Within a process a hop nests in its server hop, by the same clock. Across processes
    # the callee's hop starts after the caller's client hop, but its end is taken after its
    # last send returns, which a loaded machine may run after the caller has its answer.
    assert a_server["event.duration"] >= a_client["event.duration"]
    assert b_server["event.duration"] >= b_client["event.duration"]
    for caller, callee in ((a_client, b_server), (b_client, c_server)):
        assert parse_timestamp(caller["event.start"]) <= parse_timestamp(callee["event.start"])
    assert c_server["event.duration"] >= 50_000_000  # c slept 50 ms
    assert a_server["http.route"] == "/pay/{cart_id}"
    assert a_server["url.path"] == "/pay/slow-1"
    assert b_server["service.origin.name"] == "a"
    assert c_server["service.origin.name"] == "b"
    assert a_client["service.target.name"] == "b"
    assert b_client["service.target.name"] == "c"
    assert a_client["url.full"] == f"{chain.b.url}/orders/slow-1"
    assert a_client["hopscope.hop.as_service"] is False
    assert b_client["hopscope.hop.as_service"] is True
    assert c_server["client.address"] == "127.0.0.1"
    assert c_server["http.response.body.bytes"] > 0


def test_an_error_in_c_shows_on_cs_server_hop_and_bs_client_hop(chain: Any) -> None:
    response, trace_id = call(chain, "boom")
    assert response.status_code == 500
    found = of_trace(chain, trace_id)
    c_server = one(found["c"], "server")
    assert c_server["http.response.status_code"] == 500
    assert c_server["event.outcome"] == "failure"
    assert c_server["log.level"] == "error"
    assert c_server["error.type"] == "ValueError"
    assert c_server["error.message"] == "cannot work on boom"
    assert "raise ValueError" in c_server["error.stack_trace"]
    (b_client,) = calls_to(found["b"], "c")
    assert b_client["http.response.status_code"] == 500
    assert b_client["event.outcome"] == "failure"
    assert b_client["span.id"] == c_server["parent.id"]


def test_retries_show_as_separate_attempts(chain: Any) -> None:
    response, trace_id = call(chain, "flaky-retry")
    assert response.status_code == 200
    found = of_trace(chain, trace_id, expected_c_hops=3)
    attempts = calls_to(found["b"], "c")
    assert [r["hopscope.hop.attempt"] for r in attempts] == [1, 2, 3]
    assert [r["http.response.status_code"] for r in attempts] == [503, 503, 200]
    assert len({r["span.id"] for r in attempts}) == 3
    c_parents = [r["parent.id"] for r in harness.hops(found["c"], "server")]
    assert c_parents == [r["span.id"] for r in attempts]


def test_tokens_reach_the_right_service_and_never_show_in_output(chain: Any) -> None:
    response, _ = call(chain, "tokens")
    assert response.status_code == 200
    body = response.json()["b"]
    assert body["user_token_digest"] == digest(USER_TOKEN)  # b got the user's token
    issued = chain.issued_tokens()
    assert issued
    assert body["c"]["service_token_digest"] in {digest(t) for t in issued}
    output = chain.output()
    for secret in [USER_TOKEN, harness.CLIENT_SECRET, *issued]:
        assert secret.encode() not in output


def test_a_refused_service_token_is_replaced_once(chain: Any) -> None:
    assert call(chain, "before-revoke")[0].status_code == 200
    fetched = len(chain.issued_tokens())
    assert httpx.post(f"{chain.c.url}/admin/revoke").json()["revoked"] >= 1
    response, trace_id = call(chain, "after-revoke")
    assert response.status_code == 200
    found = of_trace(chain, trace_id, expected_c_hops=2)
    hops = harness.hops(found["b"], "client")
    to_c = [r for r in hops if r["service.target.name"] == "c"]
    assert [r["http.response.status_code"] for r in to_c] == [401, 200]
    assert [r["hopscope.hop.attempt"] for r in to_c] == [1, 2]
    to_sso = [r for r in hops if r["service.target.name"] == "sso"]
    assert len(to_sso) == 1
    assert to_sso[0]["parent.id"] == to_c[0]["parent.id"]
    assert len(chain.issued_tokens()) == fetched + 1
    # the token request is a hop of the same chain: b -> sso
    sso_server = harness.poll(lambda: harness.hops(of_trace(chain, trace_id)["sso"], "server"))
    assert [r["parent.id"] for r in sso_server] == [to_sso[0]["span.id"]]
    assert sso_server[0]["service.origin.name"] == "b"
    assert sso_server[0]["url.path"] == "/token"


def test_every_line_is_valid_and_servers_write_no_access_log(
    chain: Any, validator: jsonschema.Draft202012Validator
) -> None:
    assert call(chain, "valid")[0].status_code == 200
    for name, records in chain.records().items():
        assert records, name
        for record in records:
            errors = list(validator.iter_errors(record))
            assert not errors, (name, record, errors[0].message)
            assert record.get("log.logger") != "uvicorn.access"
        for service in chain.services:
            assert not service.stderr_path.read_bytes().strip(), service.stderr_path.read_text()


def test_a_burst_of_calls_makes_one_sso_request(tmp_path: Path) -> None:
    burst = harness.Chain(tmp_path, sso_delay=0.3)
    try:

        async def drive() -> list[int]:
            limits = httpx.Limits(max_connections=60)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                headers = {"authorization": f"Bearer {USER_TOKEN}"}
                calls = [
                    client.get(f"{burst.a.url}/pay/burst-{n}", headers=headers) for n in range(50)
                ]
                return [r.status_code for r in await asyncio.gather(*calls)]

        assert asyncio.run(drive()) == [200] * 50
        assert len(burst.issued_tokens()) == 1
        sso_hops = [r for r in burst.b.lines() if r.get("service.target.name") == "sso"]
        assert len(sso_hops) == 1
        assert sso_hops[0]["http.response.status_code"] == 200
        answer = json.loads(sso_hops[0]["http.response.body.content"])
        assert answer["access_token"] == "[REDACTED]"
    finally:
        burst.stop()
