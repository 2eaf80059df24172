"""Reading fields of stored records: the names the query side relies on and timestamps as
integer nanoseconds. The one definition of a failed hop, shared by every backend and the hop
chain, lives beside the chain (:mod:`sdk.chain`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

# Re-exported: the store backends import them from here beside the field names.
from sdk.chain import FAILURE_STATUS as FAILURE_STATUS
from sdk.chain import Record as Record
from sdk.chain import is_failure as is_failure
from sdk.chain import read_ns as read_ns
from sdk.timestamps import format_timestamp, parse_timestamp

TRACE_ID: Final = "trace.id"
SPAN_ID: Final = "span.id"
PARENT_ID: Final = "parent.id"
HOP_KIND: Final = "hopscope.hop.kind"
ATTEMPT: Final = "hopscope.hop.attempt"
RECORD_ID: Final = "hopscope.record.id"
TIMESTAMP: Final = "@timestamp"
START: Final = "event.start"
END: Final = "event.end"
DURATION: Final = "event.duration"
OUTCOME: Final = "event.outcome"
SERVICE: Final = "service.name"
TARGET: Final = "service.target.name"
ORIGIN: Final = "service.origin.name"
HOST: Final = "host.name"
NODE: Final = "service.node.name"
ROUTE: Final = "http.route"
METHOD: Final = "http.request.method"
STATUS: Final = "http.response.status_code"
URL_FULL: Final = "url.full"
URL_PATH: Final = "url.path"
MESSAGE: Final = "message"
LEVEL: Final = "log.level"
ERROR_TYPE: Final = "error.type"
ERROR_MESSAGE: Final = "error.message"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: RFC 3339 text -> Unix nanoseconds, all nine fraction digits kept; a ValueError says why
#: text is refused. The collector stores ``@timestamp`` with the same rules, so a trace is
#: rebuilt from the times the store was given.
parse_ns: Final = parse_timestamp

#: Unix nanoseconds -> RFC 3339 UTC with microseconds: the SDK's own formatter, so a time
#: is shown as the service wrote it.
format_ns: Final = format_timestamp


def to_ns(moment: datetime) -> int:
    """A datetime (naive = UTC) -> Unix nanoseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def from_ns(ns: int) -> datetime:
    """Unix nanoseconds -> an aware UTC datetime (microsecond precision)."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def is_hop(record: Record) -> bool:
    return record.get(HOP_KIND) is not None


def status_class(status: int | None) -> int | None:
    """``503`` -> ``5`` (the 5xx class)."""
    return None if status is None else status // 100
