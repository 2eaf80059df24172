"""Sentry through the real sentry-sdk: a service started with ``SENTRY_DSN`` posts its
events to a tiny ingest endpoint in this test, which decodes the envelopes."""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hopscope_testing import sdk_service
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from sdk.log import Redactor
from sdk.sentry import scrub

from ..conftest import parse_lines

Record = dict[str, Any]


harness = sdk_service("harness")
SERVICE_TOKEN = "svc-sentry-test-token-8d1e77"
QUERY_SECRET = "qp-secret-5512"
COOKIE_SECRET = "cookie-secret-0a9b"
TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"
PARENT = "051581bf3cb55c13"


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


def sentry_service(ingest: Ingest, tmp_path: Path, module: str = "chain_app") -> Any:
    """Service c of the chain (or the app of another *module*), reporting to *ingest*."""
    service = harness.Service("c", tmp_path)
    return service.start(
        harness.uvicorn_argv(module),
        {
            "CHAIN_ROLE": "c",
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{ingest.port}/1",
            "HOPSCOPE_SERVICE_VERSION": "3.1.4",
            "HOPSCOPE_ENVIRONMENT": "staging",
        },
    )


def exception_events(ingest: Ingest) -> list[Record]:
    return [e for e in ingest.events() if e.get("exception")]


def test_an_exception_reaches_sentry_tagged_with_its_trace_and_scrubbed(
    ingest: Ingest, tmp_path: Path
) -> None:
    service = sentry_service(ingest, tmp_path)
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
    events = exception_events(ingest)
    assert len(events) == 1, events  # no second event from the logging integration
    event = events[0]
    assert ingest.paths[0] == "/api/1/envelope/"
    assert_reported(event, "cannot work on boom", hop["trace.id"])
    assert_secrets_kept_out(ingest, service)


def test_a_websocket_exception_reaches_sentry_tagged_with_its_trace_and_scrubbed(
    ingest: Ingest, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    service = sentry_service(ingest, tmp_path)
    headers = {
        "authorization": f"Bearer {SERVICE_TOKEN}",
        "cookie": COOKIE_SECRET,
        "traceparent": f"00-{TRACE}-{PARENT}-01",
    }
    try:
        service.wait_ready()
        url = f"ws://127.0.0.1:{service.port}/ws/boom?password={QUERY_SECRET}"
        with connect(url, additional_headers=headers) as ws:
            ws.send("hello")
            with pytest.raises(ConnectionClosedError):  # the server ended it abnormally
                ws.recv()
        assert harness.poll(lambda: exception_events(ingest))
    finally:
        service.stop()  # sentry-sdk flushes what is left at exit
    events = exception_events(ingest)
    assert len(events) == 1, events  # no second event from the logging integration
    event = events[0]
    assert_reported(event, "cannot stream boom", TRACE)  # the handshake's trace, continued
    # the failure leaves a line in the connection's trace, as a failed request's hop does
    lines = parse_lines(service.stdout_path.read_bytes(), validator)
    (failure,) = [r for r in lines if r.get("trace.id") == TRACE and "error.type" in r]
    assert failure["log.level"] == "error"
    assert failure["url.path"] == "/ws/boom"
    assert failure["http.route"] == "/ws/{item}"
    assert failure["span.id"] != PARENT
    assert failure["error.type"] == "ValueError"
    assert failure["error.message"] == "cannot stream boom"
    assert "in echo" in failure["error.stack_trace"]  # the handler's frame
    assert "hopscope.hop.kind" not in failure  # a websocket has no hop
    assert_secrets_kept_out(ingest, service)


def assert_reported(event: Record, message: str, trace_id: str) -> None:
    """*event* reports c's ValueError *message*, tagged with *trace_id* and c's release."""
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["exception"]["values"][-1]["value"] == message
    assert event["tags"]["trace.id"] == trace_id
    assert event["tags"]["service.name"] == "c"
    assert event["release"] == "3.1.4"
    assert event["environment"] == "staging"


def assert_secrets_kept_out(ingest: Ingest, service: Any) -> None:
    raw = b"".join(ingest.envelopes)
    for secret in (SERVICE_TOKEN, QUERY_SECRET, COOKIE_SECRET):
        assert secret.encode() not in raw
        assert secret.encode() not in service.output()


def test_a_websocket_closed_normally_by_its_client_is_no_failure(
    ingest: Ingest, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    service = sentry_service(ingest, tmp_path)
    try:
        service.wait_ready()
        with connect(f"ws://127.0.0.1:{service.port}/ws/listen") as ws:
            ws.send("hello")
            assert ws.recv() == "echo hello"
        # the handler sees the close as Starlette's WebSocketDisconnect(1000) and lets it
        # through; a failing connection afterwards marks when the server got that far
        with connect(f"ws://127.0.0.1:{service.port}/ws/boom") as ws:
            ws.send("hello")
            with pytest.raises(ConnectionClosedError):
                ws.recv()
        assert harness.poll(lambda: exception_events(ingest))
    finally:
        service.stop()
    assert [e["exception"]["values"][-1]["type"] for e in exception_events(ingest)] == [
        "ValueError"
    ]
    lines = parse_lines(service.stdout_path.read_bytes(), validator)
    ours = [r["message"] for r in lines if r["message"].startswith("WEBSOCKET")]
    assert ours == ["WEBSOCKET /ws/{item} failed: ValueError"]  # (uvicorn logs both anyway)


#: secret header values that no free-text rule recognises: only their names say they are secret
COOKIE_SID = "ck-5c1e9a77"
AUTH_TOKEN = "at-77e0c2f4d1"
API_KEY = "ak-3f9b6d20e8"
SECRET_HEADERS = {
    "cookie": f"theme=dark; sid={COOKIE_SID}",
    "authorization": f"Token {AUTH_TOKEN}",
    "x-api-key": API_KEY,
}


def frame_vars(event: Record, function: str) -> Record:
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    found: Record = next(f["vars"] for f in frames if f["function"] == function)
    return found


def test_secret_headers_held_as_asgi_pairs_in_a_frame_never_reach_sentry(
    ingest: Ingest, tmp_path: Path
) -> None:
    service = sentry_service(ingest, tmp_path, "headers_app")
    try:
        service.wait_ready()
        response = httpx.get(f"{service.url}/refuse", headers=SECRET_HEADERS)
        assert response.status_code == 500
        assert harness.poll(lambda: exception_events(ingest))
    finally:
        service.stop()  # sentry-sdk flushes what is left at exit
    raw = b"".join(ingest.envelopes)
    for secret in (COOKIE_SID, AUTH_TOKEN, API_KEY):
        assert secret.encode() not in raw
        assert secret.encode() not in service.output()
    (event,) = exception_events(ingest)
    assert event["exception"]["values"][-1]["type"] == "PermissionError"
    # the header list did reach the event, within sentry-sdk's limits, as name/value pairs
    pairs = dict(frame_vars(event, "check_caller")["headers"])
    for name in SECRET_HEADERS:
        assert pairs[f"b'{name}'"] == "[REDACTED]"
    assert pairs["b'user-agent'"].startswith("b'python-httpx/")  # no secret: kept
    # and starting Sentry left no warning line (sentry-sdk deprecates send_default_pii)
    assert not [r for r in service.lines() if r.get("log.logger") == "py.warnings"]


def test_header_pairs_are_scrubbed_wherever_an_event_holds_them() -> None:
    """As sentry-sdk hands an event to ``before_send``: bytes already printed as text."""
    pairs = [["b'accept'", "b'*/*'"], ["b'cookie'", f"b'sid={COOKIE_SID}'"]]
    event = {
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"headers": pairs}}]}}]},
        "request": {"data": {"raw": [["authorization", f"Token {AUTH_TOKEN}"]]}},
        "breadcrumbs": {"values": [{"data": {"headers": [("x-api-key", API_KEY)]}}]},
        "extra": {"scope": {"headers": [(b"cookie", COOKIE_SID.encode())]}},
        "contexts": {"asgi": {"headers": f"[(b'x-api-key', b'{API_KEY}')]"}},
    }
    scrubbed = json.dumps(scrub(event, Redactor()), default=repr)
    for secret in (COOKIE_SID, AUTH_TOKEN, API_KEY):
        assert secret not in scrubbed
    assert scrubbed.count("[REDACTED]") == 5
    assert "b'*/*'" in scrubbed


def test_starting_sentry_warns_of_nothing_and_keeps_pii_off(
    ingest: Ingest,
    run_python: Callable[..., subprocess.CompletedProcess[bytes]],
    validator: jsonschema.Draft202012Validator,
) -> None:
    """In a fresh interpreter, so that no warning was already shown once by another test."""
    code = (
        "import sys\n"
        "import sentry_sdk\n"
        "import sdk\n"
        f"sdk.configure(sentry_dsn='http://publickey@127.0.0.1:{ingest.port}/1')\n"
        "client = sentry_sdk.get_client()\n"
        "collection = client.options.get('data_collection') or {}\n"
        "print(client.should_send_default_pii(), collection.get('user_info', False),\n"
        "      type(client.options['event_scrubber']).__name__, file=sys.stderr)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    lines = parse_lines(done.stdout, validator)
    assert not [r for r in lines if r["log.level"] != "info" or "warn" in r["message"].lower()]
    assert b"Warning" not in done.stdout + done.stderr
    # no PII: neither the old switch nor the options that replace it turn any on, and
    # sentry-sdk's own scrubber still runs before the SDK's
    assert done.stderr.split() == [b"False", b"False", b"EventScrubber"]
