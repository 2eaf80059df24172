"""Reading fields of stored records: the names the query side relies on and timestamps as
integer nanoseconds. The one definition of a failed hop, shared by every backend and the hop
chain, lives beside the chain (:mod:`sdk.chain`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

# Re-exported: the store backends import them from here beside the field names.
from sdk.chain import FAILURE_STATUS as FAILURE_STATUS
from sdk.chain import Record as Record
from sdk.chain import is_failure as is_failure
from sdk.chain import read_ns as read_ns

# The field names the chain reads are defined once, beside it; the query side adds its own.
from sdk.chain._fields import (
    ATTEMPT,
    DURATION,
    END,
    ERROR_MESSAGE,
    ERROR_TYPE,
    HOP_KIND,
    HOST,
    LEVEL,
    MESSAGE,
    METHOD,
    NODE,
    OUTCOME,
    PARENT_ID,
    ROUTE,
    SERVICE,
    SPAN_ID,
    START,
    STATUS,
    TARGET,
    TIMESTAMP,
    TRACE_ID,
    URL_FULL,
    URL_PATH,
    format_ns,
)
from sdk.schema import names, parse_timestamp

RECORD_ID: Final = names.HOPSCOPE_RECORD_ID
#: The search sink's root mark on a server hop (:mod:`dashboards.store.search_roots`).
ROOT: Final = names.HOPSCOPE_HOP_ROOT
ORIGIN: Final = names.SERVICE_ORIGIN_NAME

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: RFC 3339 text -> Unix nanoseconds, all nine fraction digits kept; a ValueError says why
#: text is refused. The collector stores ``@timestamp`` with the same rules, so a trace is
#: rebuilt from the times the store was given.
parse_ns: Final = parse_timestamp


def to_ns(moment: datetime) -> int:
    """A datetime (naive = UTC) -> Unix nanoseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def from_ns(ns: int) -> datetime:
    """Unix nanoseconds -> an aware UTC datetime (microsecond precision)."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def is_hop(record: Mapping[str, Any]) -> bool:
    return record.get(HOP_KIND) is not None


def status_class(status: int | None) -> int | None:
    """``503`` -> ``5`` (the 5xx class)."""
    return None if status is None else status // 100


__all__ = [
    "ATTEMPT",
    "DURATION",
    "END",
    "ERROR_MESSAGE",
    "ERROR_TYPE",
    "FAILURE_STATUS",
    "HOP_KIND",
    "HOST",
    "LEVEL",
    "MESSAGE",
    "METHOD",
    "NODE",
    "ORIGIN",
    "OUTCOME",
    "PARENT_ID",
    "RECORD_ID",
    "ROOT",
    "ROUTE",
    "SERVICE",
    "SPAN_ID",
    "START",
    "STATUS",
    "TARGET",
    "TIMESTAMP",
    "TRACE_ID",
    "URL_FULL",
    "URL_PATH",
    "Record",
    "format_ns",
    "from_ns",
    "is_failure",
    "is_hop",
    "parse_ns",
    "read_ns",
    "status_class",
    "to_ns",
]
