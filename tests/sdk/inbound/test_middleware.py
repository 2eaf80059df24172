"""The inbound middleware behind ``sdk.instrument`` on ASGI apps, served by real uvicorn on
loopback; every line the SDK writes is read back and validated against the schema."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from hopscope_testing import sdk_service
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.websockets import WebSocket
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

import sdk
from sdk.inbound import DEFAULT_HEADERS

from ..conftest import hop_of

Record = dict[str, Any]


inprocess = sdk_service("inprocess")
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


def shop() -> FastAPI:
    app = FastAPI()
    log = sdk.get_logger("shop")

    @app.api_route("/carts/{cart_id}", methods=["GET", "HEAD"])
    async def cart(cart_id: int) -> dict[str, Any]:
        log.info("looking at a cart", cart_id=cart_id)
        return {"id": cart_id, "session_token": "s3cr3t-session"}

    @app.post("/orders")
    async def orders(request: Request) -> dict[str, bool]:
        await request.body()
        return {"ok": True}

    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        form = await request.form()
        return {"ok": bool(form.get("user"))}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            for n in range(5):
                yield f"chunk {n}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the cart service fell over")

    @app.get("/wait")
    async def wait(request: Request) -> dict[str, str]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(0.02)
        return {"done": "yes"}

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        log.info("websocket message", text=text)
        await websocket.send_text(f"echo {text}")
        await websocket.close()

    async def item(request: Request) -> JSONResponse:
        return JSONResponse({"item": request.path_params["item_id"]})

    app.mount("/v1", Starlette(routes=[Route("/items/{item_id}", item)]))
    return sdk.instrument(app, headers=[*DEFAULT_HEADERS, "x-tenant", "cookie"])


@pytest.fixture
def served(capture: Any) -> Iterator[tuple[str, Any]]:
    with inprocess.serve_asgi(shop()) as url:
        capture.take()  # startup lines
        yield url, capture


def test_one_server_hop_with_route_template_and_bound_trace_fields(
    served: tuple[str, Any],
) -> None:
    url, capture = served
    response = httpx.get(
        f"{url}/carts/42?page=2&access_token=tok-in-query",
        headers={
            "traceparent": f"00-{TRACE}-{PARENT}-01",
            "authorization": "Bearer user-token-in-header",
            "cookie": "sid=cookie-value",
            "x-hopscope-service": "checkout",
            "x-tenant": "acme",
            "user-agent": "shop-test/1.0",
        },
    )
    assert response.status_code == 200
    records = inprocess.wait_for(capture.take)
    hop = hop_of(records)
    assert hop["message"] == "GET /carts/{cart_id} 200"
    assert hop["hopscope.hop.kind"] == "server"
    assert hop["http.route"] == "/carts/{cart_id}"
    assert hop["url.path"] == "/carts/42"
    assert hop["url.query"].startswith("page=2&access_token=")
    assert "REDACTED" in hop["url.query"]
    assert hop["trace.id"] == TRACE
    assert hop["parent.id"] == PARENT
    assert hop["span.id"] != PARENT
    assert hop["service.origin.name"] == "checkout"
    assert hop["http.request.header.x-tenant"] == "acme"
    assert hop["http.request.header.cookie"] == "[REDACTED]"
    assert hop["user_agent.original"] == "shop-test/1.0"
    assert hop["client.address"] == "127.0.0.1"
    assert hop["http.response.status_code"] == 200
    assert hop["event.outcome"] == "success"
    assert hop["event.duration"] > 0
    assert hop["event.start"] <= hop["event.end"]
    assert json.loads(hop["http.response.body.content"]) == {
        "id": 42,
        "session_token": "[REDACTED]",
    }
    assert hop["http.response.body.bytes"] == len(response.content)
    written = b"".join(json.dumps(r).encode() for r in records)
    for secret in (b"tok-in-query", b"user-token-in-header", b"cookie-value", b"s3cr3t"):
        assert secret not in written
    line = next(r for r in records if r["message"] == "looking at a cart")
    assert (line["trace.id"], line["span.id"]) == (TRACE, hop["span.id"])
    assert line["http.request.method"] == "GET"
    assert line["url.path"] == "/carts/42"


def test_a_malformed_traceparent_starts_a_new_trace(served: tuple[str, Any]) -> None:
    url, capture = served
    httpx.get(f"{url}/carts/1", headers={"traceparent": f"00-{'0' * 32}-{PARENT}-01"})
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["trace.id"] != "0" * 32
    assert "parent.id" not in hop


def test_request_body_excerpt_is_redacted_and_truncated(make_capture: Callable[..., Any]) -> None:
    capture = make_capture(max_body=64)
    with inprocess.serve_asgi(shop()) as url:
        capture.take()
        small = {"user": "ann", "password": "hunter2-pw"}
        assert httpx.post(f"{url}/orders", json=small).status_code == 200
        hop = hop_of(inprocess.wait_for(capture.take))
        assert json.loads(hop["http.request.body.content"]) == {
            "user": "ann",
            "password": "[REDACTED]",
        }
        big = {"password": "hunter2-pw", "notes": "x" * 500}
        assert httpx.post(f"{url}/orders", json=big).status_code == 200
        hop = hop_of(inprocess.wait_for(capture.take))
        assert hop["http.request.body.bytes"] == len(json.dumps(big).replace(" ", ""))
        content = hop["http.request.body.content"]
        assert content.startswith('{"password":"[REDACTED]","notes":"xxx')
        assert "truncated" in content
        assert "hunter2" not in content
        assert httpx.post(f"{url}/login", data={"user": "ann", "password": "pw-9"}).json()
        hop = hop_of(inprocess.wait_for(capture.take))
        content = hop["http.request.body.content"]
        assert content.startswith("user=ann&password=")
        assert "REDACTED" in content
        assert "pw-9" not in content


def test_streaming_response_is_counted_to_its_end(served: tuple[str, Any]) -> None:
    url, capture = served
    with httpx.stream("GET", f"{url}/stream") as response:
        body = b"".join(response.iter_bytes())
    assert body.count(b"chunk") == 5
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.response.body.bytes"] == len(body)
    assert hop["http.response.body.content"] == body.decode()
    assert "error.type" not in hop


def test_head_request(served: tuple[str, Any]) -> None:
    url, capture = served
    response = httpx.head(f"{url}/carts/7")
    assert response.status_code == 200
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["message"] == "HEAD /carts/{cart_id} 200"
    assert hop["http.request.method"] == "HEAD"
    assert hop["http.response.body.bytes"] == 0


def test_unmatched_path_gets_a_fixed_route_name(served: tuple[str, Any]) -> None:
    url, capture = served
    assert httpx.get(f"{url}/no/such/place/123").status_code == 404
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == sdk.UNMATCHED
    assert hop["url.path"] == "/no/such/place/123"
    assert hop["message"] == "GET UNMATCHED 404"


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"])
def test_fastapis_own_pages_are_routes_of_the_app(served: tuple[str, Any], path: str) -> None:
    url, capture = served
    assert httpx.get(f"{url}{path}").status_code == 200
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == path
    assert hop["message"] == f"GET {path} 200"


def test_mounted_app_route_includes_the_mount(served: tuple[str, Any]) -> None:
    url, capture = served
    assert httpx.get(f"{url}/v1/items/9").json() == {"item": "9"}
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == "/v1/items/{item_id}"


def test_exception_is_recorded_and_still_reaches_the_server(served: tuple[str, Any]) -> None:
    url, capture = served
    response = httpx.get(f"{url}/boom")
    assert response.status_code == 500
    records = inprocess.wait_for(capture.take)
    hop = hop_of(records)
    assert hop["http.response.status_code"] == 500
    assert hop["event.outcome"] == "failure"
    assert hop["log.level"] == "error"
    assert hop["error.type"] == "RuntimeError"
    assert hop["error.message"] == "the cart service fell over"
    # the exception propagated: uvicorn (outside the middleware) reported it too
    deadline = time.monotonic() + 5
    while not any(r.get("log.logger") == "uvicorn.error" for r in records):
        assert time.monotonic() < deadline, records
        time.sleep(0.02)
        records += capture.take()


def test_websocket_passes_through_without_a_hop(served: tuple[str, Any]) -> None:
    url, capture = served
    with connect(url.replace("http://", "ws://") + "/ws") as ws:
        ws.send("hi")
        assert ws.recv() == "echo hi"
    httpx.get(f"{url}/carts/3")  # a later request: its hop is the only one
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["url.path"] == "/carts/3"


def websocket_lines(capture: Any, count: int) -> list[Record]:
    records: list[Record] = []
    deadline = time.monotonic() + 30
    while sum(r["message"] == "websocket message" for r in records) < count:
        assert time.monotonic() < deadline, records
        time.sleep(0.02)
        records += capture.take()
    assert not [r for r in records if "hopscope.hop.kind" in r]  # no hop for a websocket
    return [r for r in records if r["message"] == "websocket message"]


def test_websocket_lines_continue_the_handshakes_trace(served: tuple[str, Any]) -> None:
    url, capture = served
    headers = {"traceparent": f"00-{TRACE}-{PARENT}-01"}
    with connect(url.replace("http://", "ws://") + "/ws", additional_headers=headers) as ws:
        ws.send("traced")
        assert ws.recv() == "echo traced"
    (line,) = websocket_lines(capture, 1)
    assert line["trace.id"] == TRACE
    assert line["span.id"] not in (PARENT, None)
    assert line["url.path"] == "/ws"
    assert "http.request.method" not in line
    assert line["labels.text"] == "traced"


def test_websockets_without_traceparent_get_a_trace_each(served: tuple[str, Any]) -> None:
    url, capture = served
    for text in ("one", "two"):
        with connect(url.replace("http://", "ws://") + "/ws") as ws:
            ws.send(text)
            assert ws.recv() == f"echo {text}"
    lines = websocket_lines(capture, 2)
    assert all(len(line["trace.id"]) == 32 for line in lines)
    assert lines[0]["trace.id"] != lines[1]["trace.id"]
    # nothing stays bound once a connection is over
    log = sdk.get_logger("test")
    log.info("after")
    (after,) = capture.take()
    assert "trace.id" not in after


def test_client_disconnect_is_recorded(served: tuple[str, Any]) -> None:
    url, capture = served
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /wait HTTP/1.1\r\nHost: shop\r\n\r\n")
        time.sleep(0.2)
    hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == "/wait"
    assert hop["error.type"] == "ClientDisconnected"
    assert hop["event.outcome"] == "failure"
    assert hop["log.level"] == "warning"
    assert "client disconnected" in hop["message"]


def test_server_access_log_is_replaced_not_duplicated(served: tuple[str, Any]) -> None:
    url, capture = served
    for _ in range(3):
        httpx.get(f"{url}/carts/5")
    records = inprocess.wait_for(capture.take, count=3)
    time.sleep(0.1)
    records += capture.take()
    assert len([r for r in records if "hopscope.hop.kind" in r]) == 3
    assert not [r for r in records if r.get("log.logger") == "uvicorn.access"]


def test_plain_asgi_callable_and_starlette_app(capture: Any) -> None:
    async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = sdk.instrument(bare)
    assert isinstance(wrapped, sdk.HopMiddleware)
    with inprocess.serve_asgi(wrapped) as url:
        assert httpx.get(f"{url}/anything/42").status_code == 204
        hop = hop_of(inprocess.wait_for(capture.take))
        assert hop["http.route"] == sdk.UNMATCHED
        assert hop["http.response.status_code"] == 204

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hello {request.path_params['name']}")

    app = Starlette(routes=[Route("/hello/{name}", hello)])
    assert sdk.instrument(app) is app
    with inprocess.serve_asgi(app) as url:
        capture.take()
        assert httpx.get(f"{url}/hello/ann").text == "hello ann"
        hop = hop_of(inprocess.wait_for(capture.take))
        assert hop["http.route"] == "/hello/{name}"
        assert hop["http.response.body.content"] == "hello ann"


def test_instrumenting_twice_writes_one_record(capture: Any) -> None:
    app = shop()
    assert sdk.instrument(app) is app
    with inprocess.serve_asgi(app) as url:
        capture.take()
        httpx.get(f"{url}/carts/8")
        records = inprocess.wait_for(capture.take)
        time.sleep(0.1)
        hop_of(records + capture.take())


def test_a_failing_route_hook_and_a_huge_body_lose_no_record(capture: Any) -> None:
    def broken_route(scope: dict[str, Any], root_path: str) -> str:
        raise LookupError("route table unavailable")

    async def upload(scope: dict[str, Any], receive: Any, send: Any) -> None:
        size = 0
        more = True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = json.dumps({"received": size}).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    huge = json.dumps({"token": "t0k", "blob": "z" * 3_000_000}, separators=(",", ":")).encode()
    with inprocess.serve_asgi(sdk.HopMiddleware(upload, route_of=broken_route)) as url:
        response = httpx.post(
            f"{url}/upload", content=huge, headers={"content-type": "application/json"}
        )
        assert response.json() == {"received": len(huge)}
        hop = hop_of(inprocess.wait_for(capture.take))
    assert hop["http.route"] == sdk.UNMATCHED
    assert hop["http.request.body.bytes"] == len(huge)
    content = hop["http.request.body.content"]
    assert len(content) <= capture.config.max_body
    assert content.startswith('{"token":"[REDACTED]","blob":"zzz')
    assert content.endswith(f"…[truncated {len(huge) - capture.config.max_body} bytes]")


def test_a_failing_route_hook_loses_no_websocket_failure_line(capture: Any) -> None:
    def broken_route(scope: dict[str, Any], root_path: str) -> str:
        raise LookupError("route table unavailable")

    async def refusing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        raise RuntimeError("feed unavailable")

    with inprocess.serve_asgi(sdk.HopMiddleware(refusing, route_of=broken_route)) as url:
        with (
            connect(url.replace("http://", "ws://") + "/feed") as ws,
            pytest.raises(ConnectionClosedError),
        ):
            ws.recv()
        records: list[Record] = []
        deadline = time.monotonic() + 30
        while not any(r["message"].startswith("WEBSOCKET") for r in records):
            assert time.monotonic() < deadline, records
            time.sleep(0.02)
            records += capture.take()
    (failure,) = [r for r in records if r["message"].startswith("WEBSOCKET")]
    assert failure["message"] == f"WEBSOCKET {sdk.UNMATCHED} failed: RuntimeError"
    assert failure["http.route"] == sdk.UNMATCHED
    assert failure["error.message"] == "feed unavailable"


def test_instrument_refuses_what_is_not_an_app() -> None:
    with pytest.raises(TypeError, match="not an ASGI or WSGI app"):
        sdk.instrument(42)
