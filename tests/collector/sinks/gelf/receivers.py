"""GELF receivers for the tests: Graylog's GELF HTTP input in miniature."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from graylog_rules import problems, refusal


def decode_payload(payload: bytes) -> dict[str, Any]:
    """A complete GELF payload, whichever compression the sender chose."""
    if payload[:2] == b"\x1f\x8b":
        payload = gzip.decompress(payload)
    elif payload[:1] == b"\x78":
        payload = zlib.decompress(payload)
    decoded: dict[str, Any] = json.loads(payload)
    return decoded


class Inbox:
    """Messages received, in order; ``ids`` counts them by record id (duplicates show).

    Each message is held against Graylog's rules: one its GELF decoder refuses is lost, as in
    Graylog (``refused``); every other rule broken is noted (``problems``)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refused: list[tuple[str, dict[str, Any]]] = []
        self.problems: list[str] = []
        self._cond = threading.Condition()

    def add(self, message: dict[str, Any]) -> None:
        with self._cond:
            refused = refusal(message)
            if refused is not None:
                self.refused.append((refused, message))
                return
            self.problems.extend(problems(message))
            self.messages.append(message)
            self._cond.notify_all()

    def assert_graylog_stores_all(self) -> None:
        """No message was one Graylog refuses or stores without some of its fields."""
        assert self.refused == [], self.refused[:5]
        assert self.problems == [], self.problems[:5]

    def ids(self) -> Counter[str]:
        with self._cond:
            return Counter(str(m.get("_hopscope_record_id")) for m in self.messages)

    def wait_for(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class HttpReceiver(Inbox):
    """Graylog's GELF HTTP input in miniature: ``POST /gelf`` -> 202, empty body."""

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        self.status_for: Callable[[dict[str, Any]], int] = lambda message: 202
        self.headers: list[dict[str, str]] = []
        self.bulk = False
        self.requests = 0
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", interface="asgi3")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]})
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)

    async def app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.headers.append(headers)
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        status = 404
        if scope["path"] == "/gelf" and scope["method"] == "POST":
            self.requests += 1
            # Bulk receiving: newline-separated messages, all accepted or none.
            messages = [json.loads(x) for x in body.split(b"\n") if x.strip()]
            if len(messages) > 1 and not self.bulk:
                status = 400
            else:
                status = max((self.status_for(m) for m in messages), default=400)
            if status == 202:
                for message in messages:
                    self.add(message)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"" if status == 202 else b"nope"})

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
