"""The Graylog sink: GELF messages over HTTP, TCP or UDP."""

from collector.sinks.gelf.sink import GelfSink

__all__ = ["GelfSink"]
