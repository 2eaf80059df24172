"""Real servers on loopback inside the test process (a thread each), for tests that read
the SDK's lines from memory: uvicorn for ASGI apps, werkzeug for WSGI apps."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from werkzeug.serving import make_server


def _socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_asgi(app: Any, **options: Any) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of uvicorn serving ``app`` until the block ends;
    ``options`` go to ``uvicorn.Config`` (with ``ssl_certfile``, the URL is ``https://``)."""
    sock = _socket()
    config = uvicorn.Config(app, log_config=None, lifespan="off", ws="websockets-sansio", **options)
    scheme = "https" if options.get("ssl_certfile") else "http"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serve_wsgi(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def wait_for(take: Callable[[], list[dict[str, Any]]], count: int = 1) -> list[dict[str, Any]]:
    """Records from ``take()`` until ``count`` hop records are among them (a hop is written
    just after the response went out, so it can trail the client's read by a moment)."""
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        records += take()
        if sum(1 for r in records if "hopscope.hop.kind" in r) >= count:
            return records
        time.sleep(0.02)
    raise AssertionError(f"expected {count} hop records, got {records}")
