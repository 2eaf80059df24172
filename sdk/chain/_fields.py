"""The record fields hop-chain reconstruction reads (short names for the schema's own
constants), and the one definition of a failed hop shared by the chain and every store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sdk.schema import format_timestamp, names, parse_timestamp

TRACE_ID: Final = names.TRACE_ID
SPAN_ID: Final = names.SPAN_ID
PARENT_ID: Final = names.PARENT_ID
HOP_KIND: Final = names.HOPSCOPE_HOP_KIND
ATTEMPT: Final = names.HOPSCOPE_HOP_ATTEMPT
TIMESTAMP: Final = names.TIMESTAMP
START: Final = names.EVENT_START
END: Final = names.EVENT_END
DURATION: Final = names.EVENT_DURATION
OUTCOME: Final = names.EVENT_OUTCOME
SERVICE: Final = names.SERVICE_NAME
TARGET: Final = names.SERVICE_TARGET_NAME
HOST: Final = names.HOST_NAME
NODE: Final = names.SERVICE_NODE_NAME
ROUTE: Final = names.HTTP_ROUTE
METHOD: Final = names.HTTP_REQUEST_METHOD
STATUS: Final = names.HTTP_RESPONSE_STATUS_CODE
URL_FULL: Final = names.URL_FULL
URL_PATH: Final = names.URL_PATH
MESSAGE: Final = names.MESSAGE
LEVEL: Final = names.LOG_LEVEL
ERROR_TYPE: Final = names.ERROR_TYPE
ERROR_MESSAGE: Final = names.ERROR_MESSAGE

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


def is_failure(record: Mapping[str, Any]) -> bool:
    """Whether a hop failed: an exception, an explicit failure outcome or a 5xx status."""
    if record.get(ERROR_TYPE) or record.get(OUTCOME) == "failure":
        return True
    status = record.get(STATUS)
    return isinstance(status, int) and status >= FAILURE_STATUS
