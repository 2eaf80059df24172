"""The hopscope collector: ships services' JSON log lines to storage without losing any.

sources (stdin, files, Docker logs, a wrapped process) -> lines -> parse and validate ->
delivery (batches, disk buffer, dead letters, checkpoints) -> sinks (SQLite, Elasticsearch /
OpenSearch, Graylog).
"""

from collector.collect import Collector, CollectorOptions
from collector.delivery.checkpoints import Checkpoints, pipeline_key
from collector.delivery.counters import Counters
from collector.delivery.deadletters import DeadLetter, DeadLetters
from collector.delivery.retention import RetentionPolicy, apply_retention
from collector.delivery.state import StateError, StateStore
from collector.sinks import DEFAULT_SINK_URL, SinkURLError, open_sink
from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.sinks.sqlite import SqliteSink
from collector.sources import FileSource, PipeSource, ProcessSource, Source, stdin_source
from collector.transforms.lines import Line, LineSplitter
from collector.transforms.origin import Origin
from collector.transforms.parse import Parser
from collector.transforms.record import CollectedRecord, record_id
from collector.transforms.validation import RecordValidator, record_validator

__all__ = [
    "DEFAULT_SINK_URL",
    "Checkpoints",
    "CollectedRecord",
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
