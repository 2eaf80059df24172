"""Reading fields of stored records: the names the query side relies on, timestamps as
integer nanoseconds, and the one definition of a failed hop shared by every backend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final

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
_EPOCH_DAY: Final = date(1970, 1, 1)


def parse_ns(value: str) -> int:
    """RFC 3339 text -> Unix nanoseconds, keeping all nine fraction digits.

    >>> parse_ns("2026-01-01T00:00:00.123456789Z") % 1_000_000_000
    123456789
    """
    # Fast path for the SDK's own form (UTC, ``Z``): a trace rebuild parses two per hop.
    if len(value) >= 20 and value[-1] == "Z" and value[10] == "T" and value[19] in ".Z":
        try:
            clock = int(value[11:13]) * 3600 + int(value[14:16]) * 60 + int(value[17:19])
            fraction = int(value[20:-1][:9].ljust(9, "0")) if value[19] == "." else 0
            return _day_ns(value[:10]) + clock * 1_000_000_000 + fraction
        except ValueError:
            pass  # not the simple form after all: parse it in full below
    return _parse_full(value)


@lru_cache(maxsize=1024)
def _day_ns(day: str) -> int:
    return (date.fromisoformat(day) - _EPOCH_DAY).days * 86_400 * 1_000_000_000


def _parse_full(value: str) -> int:
    text = value.strip()
    tz = ""
    if text.endswith(("Z", "z")):
        text, tz = text[:-1], "+00:00"
    elif len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        text, tz = text[:-6], text[-6:]
    fraction = 0
    if "." in text:
        text, digits = text.split(".", 1)
        fraction = int(digits[:9].ljust(9, "0"))
    moment = datetime.fromisoformat(text + (tz or "+00:00"))
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + fraction


def format_ns(ns: int) -> str:
    """Unix nanoseconds -> RFC 3339 UTC with microseconds (the SDK's form)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{rest // 1000:06d}Z"


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
