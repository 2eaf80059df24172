"""The three ways a GELF message travels to Graylog.

- UDP: compressed (zlib by default, or gzip, or none) and cut into chunks per the GELF
  spec: magic ``0x1e 0x0f``, an 8-byte message id, the chunk's sequence number and the
  chunk count, at most 128 chunks. A message too large even then is refused, with that
  reason. UDP cannot tell whether anything arrived.
- TCP: one uncompressed message per frame, each ended by a null byte. The kernel
  accepting the bytes is all it confirms.
- HTTP: one message per ``POST`` to ``/gelf``, answered ``202 Accepted`` by Graylog: the
  only transport that confirms delivery, hence the default.
"""

from __future__ import annotations

import gzip
import os
import socket
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import httpx

#: Chunk payload size: fits a 1500-byte MTU after IP/UDP and chunk headers.
DEFAULT_CHUNK_SIZE: Final = 1420
MAX_CHUNKS: Final = 128
CHUNK_MAGIC: Final = b"\x1e\x0f"
COMPRESSIONS: Final = ("zlib", "gzip", "none")


class TransportDown(Exception):
    """The receiver cannot be reached or refuses every message now."""


class MessageRefused(Exception):
    """This one message cannot be delivered, ever (too large, refused by the receiver)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one message: ``None`` when sent, else why it was refused."""

    refused: str | None = None


def compress(payload: bytes, method: str) -> bytes:
    if method == "zlib":
        return zlib.compress(payload, 6)
    if method == "gzip":
        return gzip.compress(payload, 6, mtime=0)
    return payload


def chunk(payload: bytes, message_id: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[bytes]:
    """*payload* as GELF chunks (or as itself, when one datagram carries it)."""
    if len(payload) <= chunk_size:
        return [payload]
    count = -(-len(payload) // chunk_size)
    if count > MAX_CHUNKS:
        raise MessageRefused(
            f"message too large for GELF UDP: {len(payload)} bytes compressed need {count} "
            f"chunks of {chunk_size} bytes, at most {MAX_CHUNKS} allowed"
        )
    return [
        CHUNK_MAGIC + message_id + bytes((seq, count)) + payload[start : start + chunk_size]
        for seq, start in enumerate(range(0, len(payload), chunk_size))
    ]


class GelfTransport(ABC):
    name: str
    #: each message travels alone and is confirmed alone
    one_per_request: bool = False

    @abstractmethod
    def send(self, messages: Sequence[bytes]) -> list[Delivery]:
        """Send JSON-encoded messages; one :class:`Delivery` each, in order.
        Raise :class:`TransportDown` when none can be sent now."""

    def close(self) -> None:  # noqa: B027 - UDP holds nothing worth releasing early
        """Release the connection."""


class UdpTransport(GelfTransport):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        compression: str = "zlib",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}")
        self.name = f"gelf+udp://{host}:{port}"
        self.compression = compression
        self.chunk_size = chunk_size
        self._address = (host, port)
        self._socket: socket.socket | None = None

    def _open(self) -> socket.socket:
        if self._socket is None:
            try:
                info = socket.getaddrinfo(*self._address, type=socket.SOCK_DGRAM)[0]
            except OSError as exc:
                raise TransportDown(f"{self.name}: {exc}") from None
            self._socket = socket.socket(info[0], socket.SOCK_DGRAM)
            self._address = (str(info[4][0]), int(info[4][1]))
        return self._socket

    def datagrams(self, message: bytes) -> list[bytes]:
        payload = compress(message, self.compression)
        return chunk(payload, os.urandom(8), self.chunk_size)

    def send(self, messages: Sequence[bytes]) -> list[Delivery]:
        sock = self._open()
        out: list[Delivery] = []
        for message in messages:
            try:
                grams = self.datagrams(message)
            except MessageRefused as exc:
                out.append(Delivery(str(exc)))
                continue
            try:
                for gram in grams:
                    sock.sendto(gram, self._address)
            except OSError as exc:
                raise TransportDown(f"{self.name}: {exc}") from None
            out.append(Delivery())
        return out

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class TcpTransport(GelfTransport):
    def __init__(self, host: str, port: int, *, timeout_s: float = 10.0) -> None:
        self.name = f"gelf+tcp://{host}:{port}"
        self._address = (host, port)
        self._timeout_s = timeout_s
        self._socket: socket.socket | None = None

    def send(self, messages: Sequence[bytes]) -> list[Delivery]:
        frames = b"".join(m + b"\0" for m in messages)
        for attempt in (1, 2):
            try:
                if self._socket is None:
                    self._socket = socket.create_connection(self._address, self._timeout_s)
                self._socket.sendall(frames)
                return [Delivery() for _ in messages]
            except OSError as exc:
                # A connection the receiver closed while idle fails on first use: reconnect
                # once before calling the receiver down.
                self.close()
                if attempt == 2:
                    raise TransportDown(f"{self.name}: {exc}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class HttpTransport(GelfTransport):
    """``POST`` per message; 202 (any 2xx) is delivered, 400/413/422 refused, others down.

    With *bulk_bytes*, messages go newline-separated in requests of up to that size, for a
    Graylog input with "Enable Bulk Receiving" on; a refused request is sent again one
    message per request, so only the messages at fault are refused.
    """

    def __init__(
        self,
        url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: dict[str, str] | None = None,
        gzip_body: bool = False,
        timeout_s: float = 10.0,
        verify: bool = True,
        bulk_bytes: int | None = None,
    ) -> None:
        self.name = url
        self._url = url
        self._gzip = gzip_body
        self._bulk_bytes = bulk_bytes
        self.one_per_request = not bulk_bytes
        base_headers = {"content-type": "application/json", **(headers or {})}
        if gzip_body:
            base_headers["content-encoding"] = "gzip"
        self._client = httpx.Client(
            auth=auth, headers=base_headers, timeout=timeout_s, verify=verify
        )

    def send(self, messages: Sequence[bytes]) -> list[Delivery]:
        if not self._bulk_bytes:
            return [self._post(m) for m in messages]
        out: list[Delivery] = []
        for group in _groups(messages, self._bulk_bytes):
            answer = self._post(b"\n".join(group))
            if answer.refused is None:
                out.extend(answer for _ in group)
            elif len(group) == 1:
                out.append(answer)
            else:
                out.extend(self._post(m) for m in group)
        return out

    def _post(self, body: bytes) -> Delivery:
        if self._gzip:
            body = gzip.compress(body, 6, mtime=0)
        try:
            response = self._client.post(self._url, content=body)
        except httpx.HTTPError as exc:
            raise TransportDown(f"{self.name}: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status < 300:
            return Delivery()
        if status in (400, 413, 422):
            return Delivery(f"{status} {response.text[:300].strip()}".rstrip())
        raise TransportDown(f"{self.name}: answered {status}")

    def close(self) -> None:
        self._client.close()


def _groups(messages: Sequence[bytes], max_bytes: int) -> Iterator[list[bytes]]:
    group: list[bytes] = []
    size = 0
    for message in messages:
        if group and size + len(message) + 1 > max_bytes:
            yield group
            group, size = [], 0
        group.append(message)
        size += len(message) + 1
    if group:
        yield group
