"""``sdk.instrument`` on Flask and plain WSGI apps, served by werkzeug on loopback; and the
chain with its middle service written in Flask (the synchronous S2S client)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from flask import Flask, Response, request
from hopscope_testing import sdk_service

import sdk

from ..conftest import hop_of

Record = dict[str, Any]


inprocess = sdk_service("inprocess")
harness = sdk_service("harness")
TRACE = "5bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "10f067aa0ba902b7"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def flask_shop() -> Flask:
    app = Flask("shop")
    log = sdk.get_logger("shop")

    @app.get("/carts/<int:cart_id>")
    def cart(cart_id: int) -> dict[str, Any]:
        log.info("looking at a cart", cart_id=cart_id)
        return {"id": cart_id, "api_key": "k-123456789"}

    @app.post("/login")
    def login() -> dict[str, bool]:
        return {"ok": bool(request.form.get("user"))}

    @app.get("/boom")
    def boom() -> str:
        raise KeyError("no such cart in flask")

    @app.get("/stream")
    def stream() -> Response:
        return Response((f"part {n}\n" for n in range(4)), mimetype="text/plain")

    assert sdk.instrument(app) is app
    assert sdk.instrument(app) is app  # a second call changes nothing
    return app


@pytest.fixture
def served(capture: Any) -> Iterator[tuple[str, Any]]:
    with inprocess.serve_wsgi(flask_shop()) as url:
        yield url, capture


def test_flask_route_template_trace_and_bound_fields(served: tuple[str, Any]) -> None:
    url, capture = served
    response = httpx.get(
        f"{url}/carts/42?password=pw-in-query",
        headers={"traceparent": f"00-{TRACE}-{PARENT}-01", "x-hopscope-service": "checkout"},
    )
    assert response.status_code == 200
    records = inprocess.wait_for(capture.take)
    hop = hop_of(records)
    assert hop["message"] == "GET /carts/{cart_id} 200"
    assert hop["http.route"] == "/carts/{cart_id}"
    assert hop["url.path"] == "/carts/42"
    assert "pw-in-query" not in hop["url.query"]
    assert (hop["trace.id"], hop["parent.id"]) == (TRACE, PARENT)
    assert hop["service.origin.name"] == "checkout"
    assert json.loads(hop["http.response.body.content"]) == {"id": 42, "api_key": "[REDACTED]"}
    assert not [r for r in records if r.get("log.logger") == "werkzeug"]
    line = next(r for r in records if r["message"] == "looking at a cart")
    assert (line["trace.id"], line["span.id"]) == (TRACE, hop["span.id"])


def test_flask_exception_and_unmatched(served: tuple[str, Any]) -> None:
    url, capture = served
    assert httpx.get(f"{url}/boom").status_code == 500
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == "/boom"
    assert hop["http.response.status_code"] == 500
    assert hop["error.type"] == "KeyError"
    assert "no such cart in flask" in hop["error.message"]
    assert hop["event.outcome"] == "failure"
    assert httpx.get(f"{url}/nowhere/5").status_code == 404
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == sdk.UNMATCHED


def test_flask_streaming_and_form_body(served: tuple[str, Any]) -> None:
    url, capture = served
    body = httpx.get(f"{url}/stream").content
    assert body.count(b"part") == 4
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.response.body.bytes"] == len(body)
    assert hop["http.response.body.content"] == body.decode()
    assert httpx.post(f"{url}/login", data={"user": "ann", "secret": "s-77"}).json()["ok"]
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.request.body.content"].startswith("user=ann&secret=")
    assert "s-77" not in hop["http.request.body.content"]
    assert hop["http.request.body.bytes"] == len("user=ann&secret=s-77")


def test_plain_wsgi_callable(capture: Any) -> None:
    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"made"]

    wrapped = sdk.instrument(hello)
    assert isinstance(wrapped, sdk.HopWSGIMiddleware)
    with inprocess.serve_wsgi(wrapped) as url:
        assert httpx.post(f"{url}/things").status_code == 201
        hop = hop_of(inprocess.wait_for(capture.take))
        assert hop["message"] == "POST UNMATCHED 201"
        assert hop["http.response.body.content"] == "made"


@pytest.fixture(scope="module")
def flask_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    running = harness.Chain(tmp_path_factory.mktemp("flask-chain"), b_flask=True)
    yield running
    running.stop()


@pytest.mark.slow
def test_the_chain_through_a_flask_service(
    flask_chain: Any, validator: jsonschema.Draft202012Validator
) -> None:
    user_token = "user-" + secrets.token_urlsafe(12)
    trace_id = secrets.token_hex(16)
    headers = {
        "authorization": f"Bearer {user_token}",
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
    }
    response = httpx.get(f"{flask_chain.a.url}/pay/flask-1", headers=headers, timeout=60)
    assert response.status_code == 200
    failed = httpx.get(f"{flask_chain.a.url}/pay/boom", headers=headers, timeout=60)
    assert failed.status_code == 500

    def of_trace() -> dict[str, list[Record]] | None:
        found = {
            name: [r for r in records if r.get("trace.id") == trace_id]
            for name, records in flask_chain.records().items()
        }
        # b writes its server hop after c answered: wait for both, not only c's
        done = all(len(harness.hops(found[name], "server")) == 2 for name in ("b", "c"))
        return found if done else None

    found = harness.poll(of_trace)
    assert found
    a_clients = harness.hops(found["a"], "client")
    b_servers = harness.hops(found["b"], "server")
    b_clients = [r for r in harness.hops(found["b"], "client") if r["service.target.name"] == "c"]
    c_servers = harness.hops(found["c"], "server")
    assert [r["http.route"] for r in b_servers] == ["/orders/{order_id}"] * 2
    assert [r["parent.id"] for r in b_servers] == [r["span.id"] for r in a_clients]
    assert [r["parent.id"] for r in c_servers] == [r["span.id"] for r in b_clients]
    assert [r["http.response.status_code"] for r in b_clients] == [200, 500]
    assert c_servers[1]["error.type"] == "ValueError"
    assert all(r["hopscope.hop.as_service"] for r in b_clients)
    assert response.json()["b"]["user_token_digest"] == digest(user_token)
    issued = flask_chain.issued_tokens()
    assert response.json()["b"]["c"]["service_token_digest"] in {digest(t) for t in issued}
    output = flask_chain.output()
    for secret in [user_token, harness.CLIENT_SECRET, *issued]:
        assert secret.encode() not in output
    for name, records in flask_chain.records().items():
        for record in records:
            assert not list(validator.iter_errors(record)), (name, record)
