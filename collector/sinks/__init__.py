"""Sinks: where records go. ``open_sink(url)`` picks the implementation from the URL.

- ``sqlite:///path/to/file.db`` - the embedded store (default
  :data:`sdk.store._location.DEFAULT_STORE_URL`, ``sqlite:///.hopscope/hopscope.db``)
- ``http(s)://host:port``, ``elasticsearch+http(s)://...``, ``opensearch+http(s)://...``
- ``gelf://host:port`` (HTTP), ``gelf+udp://host:port``, ``gelf+tcp://host:port``,
  ``gelf+http(s)://host:port/gelf``
"""

from __future__ import annotations

import importlib
from typing import Final
from urllib.parse import urlsplit

from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from sdk.log import hide_url
from sdk.store import DEFAULT_STORE_URL

#: the state file itself, so a one-machine setup has one file to look after
DEFAULT_SINK_URL: Final = DEFAULT_STORE_URL

#: URL scheme -> (module, class); imported only when a URL asks for it
SCHEMES: Final[dict[str, tuple[str, str]]] = {
    "sqlite": ("collector.sinks.sqlite", "SqliteSink"),
    "http": ("collector.sinks.search", "SearchSink"),
    "https": ("collector.sinks.search", "SearchSink"),
    "elasticsearch+http": ("collector.sinks.search", "SearchSink"),
    "elasticsearch+https": ("collector.sinks.search", "SearchSink"),
    "opensearch+http": ("collector.sinks.search", "SearchSink"),
    "opensearch+https": ("collector.sinks.search", "SearchSink"),
    "gelf": ("collector.sinks.gelf", "GelfSink"),
    "gelf+udp": ("collector.sinks.gelf", "GelfSink"),
    "gelf+tcp": ("collector.sinks.gelf", "GelfSink"),
    "gelf+http": ("collector.sinks.gelf", "GelfSink"),
    "gelf+https": ("collector.sinks.gelf", "GelfSink"),
}


class SinkURLError(ValueError):
    """A sink URL that cannot be used; the message is one line for people."""


def open_sink(url: str) -> Sink:
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket: "http://[::1"
        raise SinkURLError(f"bad sink URL {hide_url(url)!r}: {exc}") from None
    scheme = parts.scheme.lower() if "://" in url else ""
    if scheme not in SCHEMES:
        known = (
            "sqlite:///FILE, http(s)://, elasticsearch+http(s)://, opensearch+http(s)://, "
            "gelf://, gelf+udp://, gelf+tcp://, gelf+http(s)://"
        )
        what = f"unknown scheme {scheme!r}" if scheme else "no scheme"
        raise SinkURLError(f"bad sink URL {hide_url(url)!r}: {what} (expected {known})")
    if scheme != "sqlite" and not parts.hostname:
        raise SinkURLError(f"bad sink URL {hide_url(url)!r}: no host")
    module_name, class_name = SCHEMES[scheme]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SinkURLError(f"sink for {scheme}:// is not available: {exc}") from None
    factory = getattr(module, class_name)
    try:
        sink: Sink = factory.from_url(url)
    except SinkURLError:
        raise
    except ValueError as exc:
        raise SinkURLError(f"bad sink URL {hide_url(url)!r}: {exc}") from None
    return sink


__all__ = [
    "DEFAULT_SINK_URL",
    "Sink",
    "SinkURLError",
    "SinkUnavailable",
    "WriteResult",
    "open_sink",
]
