"""Reading fields of stored records: the names the query side relies on, timestamps as
integer nanoseconds, and the one definition of a failed hop shared by every backend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sdk.timestamps import format_timestamp, parse_timestamp

Record = Mapping[str, Any]

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

#: A status at or above this marks a failed hop (client errors are the caller's fault and
#: are shown, not counted as failures of the hop).
FAILURE_STATUS: Final = 500

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: RFC 3339 text -> Unix nanoseconds, all nine fraction digits kept; a ValueError says why
#: text is refused. The collector stores ``@timestamp`` with the same rules, so a trace is
#: rebuilt from the times the store was given.
parse_ns: Final = parse_timestamp


def read_ns(value: object) -> int | None:
    """A stored time field as Unix nanoseconds, or ``None`` when it is absent or cannot be
    read (``2026-02-30``, a leap second: the collector refuses them now, but a store may hold
    older records, or another writer's). Callers place the hop as if the field were absent,
    so one bad record never breaks a trace, a request list or the statistics."""
    if not isinstance(value, str):
        return None
    try:
        return parse_ns(value)
    except ValueError:
        return None


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


def is_failure(record: Record) -> bool:
    """Whether a hop failed: an exception, an explicit failure outcome or a 5xx status."""
    if record.get(ERROR_TYPE) or record.get(OUTCOME) == "failure":
        return True
    status = record.get(STATUS)
    return isinstance(status, int) and status >= FAILURE_STATUS


def status_class(status: int | None) -> int | None:
    """``503`` -> ``5`` (the 5xx class)."""
    return None if status is None else status // 100
