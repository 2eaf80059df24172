"""Fixtures for the search-engine sink tests: the osmem OpenSearch-API engine, a loopback
proxy in front of it for failure injection, and schema-valid records.

Imported by the ``test_search*`` modules through :func:`load` (not a pytest conftest, so
it does not change fixtures for the rest of the collector's tests).
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from hopscope_testing import engine as engine
from hopscope_testing import search_engine as search_engine
from osmem_server import OsmemClone

from collector.transforms.record import CollectedRecord, record_id
from sdk import schema


def make_record(n: int, source: str = "/var/log/cart.log", **fields: Any) -> CollectedRecord:
    """A schema-valid hop record, distinct per *n*."""
    doc: dict[str, Any] = {
        "@timestamp": f"2026-11-25T14:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000000:06d}Z",
        "log.level": "info",
        "message": f"request {n} handled",
        "service.name": "cart",
        "hopscope.schema_version": schema.SCHEMA_VERSION,
        "trace.id": f"{n:032x}",
        "span.id": f"{n + 1:016x}",
        "hopscope.hop.kind": "server",
        "http.request.method": "GET",
        "http.route": "/carts/{cart_id}",
        "url.path": f"/carts/{n}",
        "http.response.status_code": 200,
        "event.duration": 1_500_000 + n,
        "event.outcome": "success",
        "labels.tenant": "acme",
    }
    doc.update(fields)
    offset = n * 400
    return CollectedRecord(id=record_id(source, offset), doc=doc, source=source, offset=offset)


class Drop(Exception):
    """Raised by a fault to close the connection without an answer."""


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Exchange:
    """One request through the proxy; ``forward`` sends it (or another body) upstream."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    forward: Callable[[bytes | None], Reply]


Fault = Callable[[Exchange], Reply]


class FaultProxy:
    """Loopback HTTP proxy in front of the engine.

    ``fault`` decides each answer (default: forward). ``elasticsearch=True`` makes the
    engine look like Elasticsearch (``es_version``, 8 unless told) to the official client
    (product header, version, compatible-with media types).
    """

    def __init__(
        self, upstream: str, *, elasticsearch: bool = False, es_version: str = "8.15.0"
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.elasticsearch = elasticsearch
        self.es_version = es_version
        self.fault: Fault | None = None
        self.seen: list[Exchange] = []
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                command, path = self.command, self.path

                def forward(replacement: bytes | None) -> Reply:
                    return proxy._forward(command, path, headers, replacement, body)

                exchange = Exchange(command, path, headers, body, forward)
                proxy.seen.append(exchange)
                try:
                    reply = proxy.fault(exchange) if proxy.fault else exchange.forward(None)
                except Drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(reply.status)
                out_headers = {"content-type": "application/json", **reply.headers}
                if proxy.elasticsearch:
                    out_headers["x-elastic-product"] = "Elasticsearch"
                for key, value in out_headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, original: bytes
    ) -> Reply:
        sent = original if body is None else body
        content_type = headers.get("content-type", "application/json")
        # The engine speaks plain media types; Elasticsearch clients send versioned ones.
        content_type = content_type.replace("vnd.elasticsearch+", "").split(";")[0]
        host = self.upstream.hostname or "127.0.0.1"
        conn = http.client.HTTPConnection(host, self.upstream.port, timeout=30)
        try:
            forwarded = {"content-type": content_type}
            if "content-encoding" in headers:
                forwarded["content-encoding"] = headers["content-encoding"]
            conn.request(method, path, body=sent or None, headers=forwarded)
            response = conn.getresponse()
            reply = Reply(response.status, response.read())
        finally:
            conn.close()
        if self.elasticsearch and method == "GET" and path == "/" and reply.status == 200:
            info = reply.json()
            info["version"] = {"number": self.es_version, "build_flavor": "default"}
            info["tagline"] = "You Know, for Search"
            reply.body = orjson.dumps(info)
        return reply

    def bulk_bodies(self) -> list[bytes]:
        return [e.body for e in self.seen if e.path.startswith("/_bulk")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(engine: OsmemClone) -> Iterator[FaultProxy]:
    front = FaultProxy(engine.url)
    yield front
    front.close()


@pytest.fixture
def es_proxy(engine: OsmemClone) -> Iterator[FaultProxy]:
    front = FaultProxy(engine.url, elasticsearch=True)
    yield front
    front.close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def engine_request(engine: OsmemClone, method: str, path: str, body: Any = None) -> Any:
    """A request to the engine, answered as JSON (errors as JSON too)."""
    parts = urlsplit(engine.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        data = None if body is None else orjson.dumps(body)
        conn.request(method, path, body=data, headers={"content-type": "application/json"})
        return orjson.loads(conn.getresponse().read() or b"{}")
    finally:
        conn.close()


def count(engine: OsmemClone, query: dict[str, Any] | None = None) -> int:
    engine_request(engine, "POST", "/hopscope-records-*/_refresh")
    body = {"query": query or {"match_all": {}}}
    answer = engine_request(engine, "POST", "/hopscope-records-*/_count", body)
    total: int = answer["count"]
    return total
