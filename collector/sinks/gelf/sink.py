"""Graylog sink: records as GELF 1.1 messages over HTTP (default), TCP or UDP.

Addresses::

    gelf://host:12201                   HTTP (the default: only HTTP confirms delivery)
    gelf+http(s)://host:12201[/gelf]    HTTP, path /gelf unless given; ?gzip=true compresses,
                                        ?bulk=true sends newline-separated batches (a Graylog
                                        input with "Enable Bulk Receiving"), ?verify=false
    gelf+tcp://host:12201               TCP, null-byte framed
    gelf+udp://host:12201               UDP; ?compress=zlib|gzip|none, ?chunk=1420 bytes

HTTP credentials come from the URL userinfo (basic auth), or else from
``HOPSCOPE_GELF_USERNAME`` / ``HOPSCOPE_GELF_PASSWORD``, or else from
``HOPSCOPE_GELF_AUTHORIZATION``: the value of a header that a Graylog input checks, named
``Authorization`` unless ``HOPSCOPE_GELF_AUTH_HEADER`` names another.

The field mapping lives in :mod:`sdk.schema.gelf_fields`. GELF has no idempotent
write: the collector sends each record once (see :mod:`collector.delivery.spool`); each
message carries ``_hopscope_record_id``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import httpx
import orjson

from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.sinks.gelf.transport import (
    DEFAULT_CHUNK_SIZE,
    GelfTransport,
    HttpTransport,
    TcpTransport,
    TransportDown,
    UdpTransport,
)
from collector.sinks.url_options import flag
from collector.transforms.record import CollectedRecord
from sdk.schema.gelf_fields import gelf_message

ENV_USERNAME: Final = "HOPSCOPE_GELF_USERNAME"
ENV_PASSWORD: Final = "HOPSCOPE_GELF_PASSWORD"  # noqa: S105 - a variable name
ENV_AUTHORIZATION: Final = "HOPSCOPE_GELF_AUTHORIZATION"
ENV_AUTH_HEADER: Final = "HOPSCOPE_GELF_AUTH_HEADER"
BULK_BYTES: Final = 1024 * 1024
DEFAULT_PATH: Final = "/gelf"
WRITE_LIMIT: Final = 200

_OPTIONS: Final = {
    "udp": {"compress", "chunk"},
    "tcp": {"timeout"},
    "http": {"gzip", "timeout", "verify", "bulk"},
    "https": {"gzip", "timeout", "verify", "bulk"},
}


def encode(record: CollectedRecord) -> bytes:
    return orjson.dumps(gelf_message(record))


class GelfSink(Sink):
    #: Graylog keeps whatever it gets
    idempotent = False

    def __init__(self, transport: GelfTransport) -> None:
        self.transport = transport
        self.name = f"gelf {transport.name}"
        # one request per message over HTTP: one message at a time is all that can be in
        # doubt; the other transports send many per write
        self.write_limit = 1 if transport.one_per_request else WRITE_LIMIT

    @classmethod
    def from_url(cls, url: str) -> GelfSink:
        return cls(transport_from_url(url))

    def write(self, records: Sequence[CollectedRecord]) -> WriteResult:
        result = WriteResult()
        if not records:
            return result
        try:
            deliveries = self.transport.send([encode(r) for r in records])
        except TransportDown as exc:
            raise SinkUnavailable(str(exc)) from None
        for record, delivery in zip(records, deliveries, strict=True):
            if delivery.refused is None:
                result.stored += 1
            else:
                result.rejected.append((record, delivery.refused))
        return result

    def close(self) -> None:
        self.transport.close()


def transport_from_url(url: str) -> GelfTransport:
    parts = urlsplit(url)
    scheme = parts.scheme
    kind = "http" if scheme == "gelf" else scheme.removeprefix("gelf+")
    if not scheme.startswith("gelf") or kind not in _OPTIONS:
        raise ValueError(
            "GELF address must be gelf://, gelf+http(s)://, gelf+tcp:// or gelf+udp://host:port"
        )
    if not parts.hostname or parts.port is None:
        raise ValueError("GELF address needs a host and a port, e.g. gelf+udp://graylog:12201")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - _OPTIONS[kind]
    if unknown:
        raise ValueError(f"unknown option(s) for GELF {kind}: {', '.join(sorted(unknown))}")
    host, port = parts.hostname, parts.port
    if kind == "udp":
        return UdpTransport(
            host,
            port,
            compression=query.get("compress", "zlib"),
            chunk_size=int(query.get("chunk", str(DEFAULT_CHUNK_SIZE))),
        )
    if kind == "tcp":
        return TcpTransport(host, port, timeout_s=float(query.get("timeout", "10")))
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    path = parts.path if parts.path not in ("", "/") else DEFAULT_PATH
    target = urlunsplit((kind, netloc, path, "", ""))
    username = unquote(parts.username) if parts.username else os.environ.get(ENV_USERNAME)
    password = unquote(parts.password) if parts.password else os.environ.get(ENV_PASSWORD)
    auth = httpx.BasicAuth(username, password or "") if username else None
    header = os.environ.get(ENV_AUTHORIZATION)
    header_name = os.environ.get(ENV_AUTH_HEADER) or "authorization"
    headers = {header_name.lower(): header} if header and auth is None else None
    return HttpTransport(
        target,
        auth=auth,
        headers=headers,
        gzip_body=flag(query.get("gzip", "false")),
        timeout_s=float(query.get("timeout", "10")),
        verify=flag(query.get("verify", "true")),
        bulk_bytes=BULK_BYTES if flag(query.get("bulk", "false")) else None,
    )
