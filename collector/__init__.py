"""The hopscope collector: ships services' JSON log lines to storage without losing any.

sources (stdin, files, Docker logs, a wrapped process) -> lines -> parse and validate ->
delivery (batches, disk buffer, dead letters, checkpoints) -> sinks (SQLite, Elasticsearch /
OpenSearch, Graylog).
"""

from collector.checkpoints import Checkpoints, pipeline_key
from collector.collect import Collector, CollectorOptions
from collector.counters import Counters
from collector.deadletters import DeadLetter, DeadLetters
from collector.lines import Line, LineSplitter
from collector.origin import Origin
from collector.parse import Parser
from collector.record import Record, record_id
from collector.retention import RetentionPolicy, apply_retention
from collector.sinks import DEFAULT_SINK_URL, SinkURLError, open_sink
from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.sinks.sqlite import SqliteSink
from collector.sources import FileSource, PipeSource, ProcessSource, Source, stdin_source
from collector.state import StateError, StateStore
from collector.validation import RecordValidator, record_validator

__all__ = [
    "DEFAULT_SINK_URL",
    "Checkpoints",
    "Collector",
    "CollectorOptions",
    "Counters",
    "DeadLetter",
    "DeadLetters",
    "FileSource",
    "Line",
    "LineSplitter",
    "Origin",
    "Parser",
    "PipeSource",
    "ProcessSource",
    "Record",
    "RecordValidator",
    "RetentionPolicy",
    "Sink",
    "SinkURLError",
    "SinkUnavailable",
    "Source",
    "SqliteSink",
    "StateError",
    "StateStore",
    "WriteResult",
    "apply_retention",
    "open_sink",
    "pipeline_key",
    "record_id",
    "record_validator",
    "stdin_source",
]
