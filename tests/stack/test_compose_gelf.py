"""The compose stack's GELF path: the Graylog input the content pack creates takes every
request the collector's GELF sink sends, up to the longest line the collector keeps.

Graylog's GELF HTTP input refuses a request body (after ``Content-Encoding``) longer than
its ``max_chunk_size`` with 413 (Netty's ``HttpObjectAggregator``), and the sink turns a
413 into a dead letter. The stand-in below applies the pack's limit the same way."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from compose_stack import container_argv, resolved_config, services
from hopscope_testing import load_module

from collector.sinks.gelf.sink import BULK_BYTES
from collector.transforms.lines import DEFAULT_MAX_LINE_BYTES
from stack.provision.resources import graylog_content_pack

receivers = load_module(
    Path(__file__).resolve().parents[1] / "collector" / "sinks" / "gelf" / "receivers.py",
    "hopscope_gelf_receivers",
)


def _input_configuration() -> dict[str, Any]:
    (entity,) = graylog_content_pack()["entities"]
    return {key: value["@value"] for key, value in entity["data"]["configuration"].items()}


class GraylogInput(receivers.HttpReceiver):  # type: ignore[misc, name-defined]
    """The GELF HTTP input with Graylog's size limit: 413 above ``max_chunk_size``."""

    def __init__(self, max_chunk_size: int) -> None:
        self.max_chunk_size = max_chunk_size
        self.largest = 0
        super().__init__()

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = dict(scope["headers"])
        plain = gzip.decompress(body) if headers.get(b"content-encoding") == b"gzip" else body
        self.largest = max(self.largest, len(plain))
        if len(plain) > self.max_chunk_size:
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await super().app(scope, replay, send)


@pytest.fixture
def graylog() -> Iterator[GraylogInput]:
    receiver = GraylogInput(_input_configuration()["max_chunk_size"])
    yield receiver
    receiver.close()


def _longest_lines() -> bytes:
    """Lines of the longest size the collector keeps, in the encodings that grow most as
    GELF JSON: control characters (``\\u0001``, six bytes each) in a traceback (its text is
    sent twice, as ``full_message`` and as ``_event_original``), and bytes that are not
    UTF-8 (shown as ``\\xNN``)."""
    size = DEFAULT_MAX_LINE_BYTES
    head = b"Traceback (most recent call last):"
    traceback = head + b"\x01" * (size - len(head))
    not_utf8 = b"\xff" * size
    return not_utf8 + b"\n" + traceback + b"\n"


def _gelf_sink(port: int, query: str = "") -> str:
    compose = services(resolved_config())
    argv = container_argv(compose["collector"]["command"])
    (gelf,) = [
        argv[i + 1] for i, word in enumerate(argv) if word == "--sink" and "gelf" in argv[i + 1]
    ]
    parts = urlsplit(gelf)
    assert parts.hostname == "graylog"
    return urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, query or parts.query, ""))


@pytest.mark.slow
@pytest.mark.parametrize("query", ["", "bulk=true&gzip=true"])
def test_graylog_takes_the_longest_lines_the_collector_keeps(
    graylog: GraylogInput, tmp_path: Path, query: str
) -> None:
    log = tmp_path / "service.log"
    log.write_bytes(_longest_lines())
    state = tmp_path / "state"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "stack.cli", "collect", str(log), "--state-dir", str(state)),
            *("--sink", _gelf_sink(graylog.port, query), "--drain-timeout", "20"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "stack.cli",
            "deadletters",
            "list",
            "--state-dir",
            str(state),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    refused = [json.loads(line)["reason"] for line in listed.stdout.splitlines()]
    assert refused == []
    assert len(graylog.messages) == 2
    print(f"largest request {graylog.largest} bytes, limit {graylog.max_chunk_size}")


def test_the_input_limit_covers_the_sinks_batches() -> None:
    configuration = _input_configuration()
    assert configuration["max_chunk_size"] >= BULK_BYTES
    # a GELF payload compressed inside the body is bounded by its own setting
    assert configuration["decompress_size_limit"] >= configuration["max_chunk_size"]
