"""Sentry through the real sentry-sdk: a service started with ``SENTRY_DSN`` posts its
events to a tiny ingest endpoint in this test, which decodes the envelopes."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from hopscope_testing import sdk_service

Record = dict[str, Any]


harness = sdk_service("harness")
SERVICE_TOKEN = "svc-sentry-test-token-8d1e77"
QUERY_SECRET = "qp-secret-5512"
COOKIE_SECRET = "cookie-secret-0a9b"


class Ingest:
    """Collects the raw envelopes sentry-sdk posts to ``/api/<project>/envelope/``."""

    def __init__(self) -> None:
        self.envelopes: list[bytes] = []
        self.paths: list[str] = []
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                encoding = self.headers.get("content-encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli  # type: ignore[import-not-found]

                    body = brotli.decompress(body)
                ingest.envelopes.append(body)
                ingest.paths.append(self.path)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[Record]:
        found = []
        for envelope in self.envelopes:
            for kind, payload in items_of(envelope):
                if kind == "event":
                    found.append(json.loads(payload))
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def items_of(envelope: bytes) -> Iterator[tuple[str, bytes]]:
    """(type, payload) of each item: a header line, then ``length`` bytes or one line."""
    _, _, rest = envelope.partition(b"\n")
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        yield header["type"], payload


@pytest.fixture
def ingest() -> Iterator[Ingest]:
    running = Ingest()
    yield running
    running.close()


def test_an_exception_reaches_sentry_tagged_with_its_trace_and_scrubbed(
    ingest: Ingest, tmp_path: Path
) -> None:
    service = harness.Service("c", tmp_path)
    service.start(
        harness.uvicorn_argv("chain_app"),
        {
            "CHAIN_ROLE": "c",
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{ingest.port}/1",
            "HOPSCOPE_SERVICE_VERSION": "3.1.4",
            "HOPSCOPE_ENVIRONMENT": "staging",
        },
    )
    try:
        service.wait_ready()
        response = httpx.get(
            f"{service.url}/work/boom?password={QUERY_SECRET}",
            headers={"authorization": f"Bearer {SERVICE_TOKEN}", "cookie": COOKIE_SECRET},
        )
        assert response.status_code == 500
        assert harness.poll(ingest.events)
    finally:
        service.stop()  # sentry-sdk flushes what is left at exit
    hop = next(r for r in harness.hops(service.lines(), "server") if r["url.path"] == "/work/boom")
    events = [e for e in ingest.events() if e.get("exception")]
    assert len(events) == 1, events  # no second event from the logging integration
    event = events[0]
    assert ingest.paths[0] == "/api/1/envelope/"
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["exception"]["values"][-1]["value"] == "cannot work on boom"
    assert event["tags"]["trace.id"] == hop["trace.id"]
    assert event["tags"]["service.name"] == "c"
    assert event["release"] == "3.1.4"
    assert event["environment"] == "staging"
    raw = b"".join(ingest.envelopes)
    for secret in (SERVICE_TOKEN, QUERY_SECRET, COOKIE_SECRET):
        assert secret.encode() not in raw
        assert secret.encode() not in service.output()
