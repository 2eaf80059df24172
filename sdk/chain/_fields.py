"""The record fields hop-chain reconstruction reads, and the one definition of a failed hop
shared by the chain and every store backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sdk.timestamps import format_timestamp, parse_timestamp

Record = Mapping[str, Any]

TRACE_ID: Final = "trace.id"
SPAN_ID: Final = "span.id"
PARENT_ID: Final = "parent.id"
HOP_KIND: Final = "hopscope.hop.kind"
ATTEMPT: Final = "hopscope.hop.attempt"
TIMESTAMP: Final = "@timestamp"
START: Final = "event.start"
END: Final = "event.end"
DURATION: Final = "event.duration"
OUTCOME: Final = "event.outcome"
SERVICE: Final = "service.name"
TARGET: Final = "service.target.name"
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

#: Unix nanoseconds -> RFC 3339 UTC with microseconds: the SDK's own formatter, so a time
#: is shown as the service wrote it.
format_ns: Final = format_timestamp


def read_ns(value: object) -> int | None:
    """A stored time field as Unix nanoseconds, or ``None`` when it is absent or cannot be
    read (``2026-02-30``, a leap second: the collector refuses them now, but a store may hold
    older records, or another writer's). Callers place the hop as if the field were absent,
    so one bad record never breaks a trace, a request list or the statistics."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def is_failure(record: Record) -> bool:
    """Whether a hop failed: an exception, an explicit failure outcome or a 5xx status."""
    if record.get(ERROR_TYPE) or record.get(OUTCOME) == "failure":
        return True
    status = record.get(STATUS)
    return isinstance(status, int) and status >= FAILURE_STATUS
