"""The GELF sink against receivers on loopback: UDP (chunk reassembly per the GELF spec),
TCP (null-byte frames) and HTTP (a uvicorn server answering 202 like Graylog)."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.sinks.base import SinkUnavailable
from collector.sinks.gelf.sink import GelfSink
from collector.sinks.gelf.transport import MAX_CHUNKS, UdpTransport
from collector.transforms.record import CollectedRecord, record_id
from tests.collector.sinks.gelf.receivers import HttpReceiver, Inbox, decode_payload


class UdpReceiver(Inbox):
    """Reassembles chunked messages: any order, keyed by message id, per the spec."""

    def __init__(self) -> None:
        super().__init__()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.partial: dict[bytes, dict[int, bytes]] = {}
        self.datagrams = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                gram = self.sock.recv(65535)
            except OSError:
                return
            self.datagrams += 1
            if gram[:2] != b"\x1e\x0f":
                self.add(decode_payload(gram))
                continue
            message_id, seq, count = gram[2:10], gram[10], gram[11]
            assert count <= 128
            parts = self.partial.setdefault(message_id, {})
            parts[seq] = gram[12:]
            if len(parts) == count:
                del self.partial[message_id]
                self.add(decode_payload(b"".join(parts[i] for i in range(count))))

    def close(self) -> None:
        self.sock.close()


class TcpReceiver(Inbox):
    def __init__(self) -> None:
        super().__init__()
        inbox = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                buffer = b""
                while chunk := self.request.recv(65536):
                    buffer += chunk
                    *frames, buffer = buffer.split(b"\0")
                    for frame in frames:
                        inbox.add(json.loads(frame))

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def udp() -> Iterator[UdpReceiver]:
    receiver = UdpReceiver()
    yield receiver
    receiver.close()
    receiver.assert_graylog_stores_all()


@pytest.fixture
def tcp() -> Iterator[TcpReceiver]:
    receiver = TcpReceiver()
    yield receiver
    receiver.close()
    receiver.assert_graylog_stores_all()


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()
    receiver.assert_graylog_stores_all()


def make_record(n: int, **extra: Any) -> CollectedRecord:
    doc = {
        "@timestamp": f"2026-11-25T14:41:{n % 60:02d}.250000Z",
        "log.level": "warning",
        "message": f"slow call {n}",
        "service.name": "checkout",
        "hopscope.schema_version": "1",
        "trace.id": f"{n:032x}",
        "http.response.status_code": 200 + n,
        "hopscope.truncated": True,
        **extra,
    }
    return CollectedRecord(
        id=record_id("checkout.log", n * 100), doc=doc, source="checkout.log", offset=n * 100
    )


def expected(n: int, **extra: Any) -> dict[str, Any]:
    """The GELF message Graylog should receive for ``make_record(n)``, spelled out."""
    return {
        "version": "1.1",
        "host": "checkout",
        "short_message": f"slow call {n}",
        "timestamp": 1795617660 + n % 60 + 0.25,
        "level": 4,
        "_service_name": "checkout",
        "_hopscope_schema_version": "1",
        "_trace_id": f"{n:032x}",
        "_http_response_status_code": 200 + n,
        "_hopscope_truncated": "true",
        "_hopscope_record_id": record_id("checkout.log", n * 100),
        **extra,
    }


def by_message(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(messages, key=lambda m: str(m["short_message"]))


def test_http_delivers_and_confirms(http: HttpReceiver) -> None:
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}")
    result = sink.write([make_record(n) for n in range(5)])
    assert (result.stored, result.rejected) == (5, [])
    assert http.messages == [expected(n) for n in range(5)]
    sink.close()


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"], ids=repr)
def test_a_blank_message_is_stored_by_graylog(http: HttpReceiver, blank: str) -> None:
    # Graylog's input answers 202 and then refuses a blank short_message: lost, unless
    # the sink never sends one
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}")
    result = sink.write([make_record(1, message=blank), make_record(2, **{"labels.x": " "})])
    sink.close()
    assert (result.stored, result.rejected) == (2, [])
    assert http.refused == []
    assert by_message(http.messages) == [
        expected(1, short_message="(blank message)", _hopscope_original_message=json.dumps(blank)),
        expected(2, _labels_x='" "'),
    ]


def test_http_is_the_default_and_sends_credentials(
    http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = GelfSink.from_url(f"gelf://shipper:t0ps3cret@127.0.0.1:{http.port}")
    assert "t0ps3cret" not in sink.name
    assert sink.name == f"gelf http://127.0.0.1:{http.port}/gelf"
    assert sink.write([make_record(1)]).stored == 1
    # base64("shipper:t0ps3cret")
    assert http.headers[-1]["authorization"] == "Basic c2hpcHBlcjp0MHBzM2NyZXQ="

    monkeypatch.setenv("HOPSCOPE_GELF_AUTHORIZATION", "Token abc")
    from_env = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}/gelf?gzip=true")
    assert from_env.write([make_record(2)]).stored == 1
    assert http.headers[-1]["authorization"] == "Token abc"
    assert http.headers[-1]["content-encoding"] == "gzip"
    assert http.messages == [expected(1), expected(2)]


def test_http_refusal_is_rejected_and_outage_is_unavailable(http: HttpReceiver) -> None:
    http.status_for = lambda m: 400 if m["short_message"] == "slow call 1" else 202
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}")
    result = sink.write([make_record(n) for n in range(3)])
    assert result.stored == 2
    assert [(r.doc["message"], why) for r, why in result.rejected] == [("slow call 1", "400 nope")]

    http.status_for = lambda m: 503
    with pytest.raises(SinkUnavailable, match="answered 503"):
        sink.write([make_record(4)])


def test_http_unreachable_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = GelfSink.from_url(f"gelf+http://user:pw-secret@127.0.0.1:{port}")
    with pytest.raises(SinkUnavailable) as raised:
        sink.write([make_record(1)])
    assert "pw-secret" not in str(raised.value)


def test_tcp_null_byte_frames(tcp: TcpReceiver) -> None:
    sink = GelfSink.from_url(f"gelf+tcp://127.0.0.1:{tcp.port}")
    records = [make_record(n, message=f"slow call {n}\nsecond line") for n in range(30)]
    result = sink.write(records)
    assert result.stored == 30
    got = tcp.wait_for(30)
    assert got == [expected(n, short_message=f"slow call {n}\nsecond line") for n in range(30)]
    sink.close()


def test_tcp_unreachable_is_unavailable(tcp: TcpReceiver) -> None:
    port = tcp.port
    tcp.close()
    sink = GelfSink.from_url(f"gelf+tcp://127.0.0.1:{port}")
    with pytest.raises(SinkUnavailable, match="gelf\\+tcp"):
        sink.write([make_record(1)])


@pytest.mark.parametrize("compression", ["zlib", "gzip", "none"])
def test_udp_messages_and_chunks(udp: UdpReceiver, compression: str) -> None:
    sink = GelfSink.from_url(f"gelf+udp://127.0.0.1:{udp.port}?compress={compression}&chunk=300")
    big_text = random.Random(7).randbytes(3000).hex()  # compresses to about half
    records = [make_record(n) for n in range(10)]
    records.append(make_record(10, **{"error.stack_trace": big_text}))
    result = sink.write(records)
    assert (result.stored, result.rejected) == (11, [])
    got = by_message(udp.wait_for(11))
    assert got == by_message(
        [expected(n) for n in range(10)] + [expected(10, full_message=big_text)]
    )
    assert udp.datagrams > 11  # the big one travelled in chunks


def test_udp_refuses_a_message_beyond_128_chunks(udp: UdpReceiver) -> None:
    sink = GelfSink.from_url(f"gelf+udp://127.0.0.1:{udp.port}?chunk=200")
    huge = random.Random(3).randbytes(40_000).hex()
    records = [make_record(0), make_record(1, **{"error.stack_trace": huge}), make_record(2)]
    result = sink.write(records)
    assert result.stored == 2
    assert len(result.rejected) == 1
    refused, reason = result.rejected[0]
    assert refused is records[1]
    assert reason.startswith("message too large for GELF UDP")
    assert f"at most {MAX_CHUNKS} allowed" in reason
    assert by_message(udp.wait_for(2)) == [expected(0), expected(2)]


def test_udp_chunks_reassemble_out_of_order(udp: UdpReceiver) -> None:
    transport = UdpTransport("127.0.0.1", udp.port, chunk_size=100)
    text = random.Random(11).randbytes(1500).hex()
    message = {"version": "1.1", "host": "h", "short_message": text}
    grams = transport.datagrams(json.dumps(message).encode())
    assert 2 < len(grams) <= MAX_CHUNKS
    assert {g[11] for g in grams} == {len(grams)}
    assert sorted(g[10] for g in grams) == list(range(len(grams)))
    random.Random(5).shuffle(grams)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for gram in grams:
            sender.sendto(gram, ("127.0.0.1", udp.port))
    assert udp.wait_for(1) == [message]
    assert udp.partial == {}


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("gelf+sctp://h:12201", "GELF address must be"),
        ("syslog://h:514", "GELF address must be"),
        ("gelf+udp://h", "needs a host and a port"),
        ("gelf+udp://h:12201?gzip=true", "unknown option"),
        ("gelf+udp://h:12201?compress=brotli", "compression must be one of"),
    ],
)
def test_bad_addresses(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        GelfSink.from_url(url)


async def test_sink_is_usable_from_a_worker_thread(http: HttpReceiver) -> None:
    # The collector runs sinks off the event loop; a blocking write must work there.
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}")
    result = await asyncio.to_thread(sink.write, [make_record(9)])
    assert result.stored == 1
    assert http.messages == [expected(9)]


def test_http_bulk_batches_and_isolates_a_refused_message(http: HttpReceiver) -> None:
    http.bulk = True
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}?bulk=true")
    result = sink.write([make_record(n) for n in range(5)])
    assert (result.stored, result.rejected, http.requests) == (5, [], 1)
    assert http.messages == [expected(n) for n in range(5)]

    http.status_for = lambda m: 400 if m["short_message"] == "slow call 7" else 202
    result = sink.write([make_record(n) for n in range(5, 9)])
    assert result.stored == 3
    assert [r.doc["message"] for r, _ in result.rejected] == ["slow call 7"]
    assert http.requests == 1 + 1 + 4  # the refused batch, then one message at a time
    assert http.messages == [expected(n) for n in (0, 1, 2, 3, 4, 5, 6, 8)]


def test_http_custom_auth_header(http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOPSCOPE_GELF_AUTHORIZATION", "s3cret-token")
    monkeypatch.setenv("HOPSCOPE_GELF_AUTH_HEADER", "X-Graylog-Token")
    sink = GelfSink.from_url(f"gelf+http://127.0.0.1:{http.port}")
    assert sink.write([make_record(1)]).stored == 1
    assert http.headers[-1]["x-graylog-token"] == "s3cret-token"
    assert "authorization" not in http.headers[-1]


def test_collect_command_ships_to_graylog(http: HttpReceiver, tmp_path: Path) -> None:
    records = [make_record(n) for n in range(4)]
    log = tmp_path / "checkout.log"
    log.write_bytes(b"".join(orjson.dumps(r.doc) + b"\n" for r in records))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stack.cli",
            "collect",
            str(log),
            "--sink",
            f"gelf://127.0.0.1:{http.port}",
            "--state-dir",
            str(tmp_path / "state"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = http.wait_for(4)
    # The collector adds where it read each line; everything else is the mapping above.
    for n, message in enumerate(got):
        assert message.pop("_hopscope_source_name") == str(log)
        assert message.pop("_hopscope_source_offset") == sum(
            len(orjson.dumps(r.doc)) + 1 for r in records[:n]
        )
        record_id = message["_hopscope_record_id"]
        assert message == expected(n, _hopscope_record_id=record_id)
