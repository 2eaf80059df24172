"""The requests page's filters as plain values, and how they become a store query. No
Streamlit here: the page reads widgets into :class:`RequestFilters`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from dashboards.store import RequestQuery, TimeRange
from dashboards.store.base import AttributeValue, Order

#: Preset time ranges (URL value -> label, length); "custom" takes two datetimes.
TIME_RANGES: Final[dict[str, tuple[str, timedelta | None]]] = {
    "all": ("All time", None),
    "15m": ("Last 15 minutes", timedelta(minutes=15)),
    "1h": ("Last hour", timedelta(hours=1)),
    "6h": ("Last 6 hours", timedelta(hours=6)),
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "custom": ("Custom range (UTC)", None),
}
STATUS_CLASSES: Final = ("any", "2xx", "3xx", "4xx", "5xx")
METHODS: Final = ("any", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ORDERS: Final[tuple[Order, ...]] = ("newest", "oldest", "slowest")
ANY: Final = "any"


class FilterError(ValueError):
    """A filter typed in a way that cannot be run (said to the person as is)."""


@dataclass(frozen=True, slots=True)
class RequestFilters:
    time_range: str = "all"
    start: datetime | None = None
    end: datetime | None = None
    service: str = ANY
    route: str = ANY
    method: str = ANY
    status: str = ANY
    errors_only: bool = False
    min_ms: float | None = None
    max_ms: float | None = None
    text: str = ""
    trace_id: str = ""
    attributes: str = ""
    order: Order = "newest"


def time_range(filters: RequestFilters, now: datetime | None = None) -> TimeRange:
    if filters.time_range == "custom":
        return TimeRange(filters.start, filters.end)
    length = TIME_RANGES.get(filters.time_range, ("", None))[1]
    if length is None:
        return TimeRange()
    now = now or datetime.now(UTC)
    return TimeRange(now - length, None)


def parse_attributes(text: str) -> dict[str, AttributeValue]:
    """``"labels.tenant=acme; http.response.status_code=503"`` -> a dict (values as typed;
    the store converts them to the schema's types)."""
    out: dict[str, AttributeValue] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise FilterError(
                f"attribute filter {part.strip()!r} is not field=value "
                "(for example http.response.status_code=503)"
            )
        out[name.strip()] = value.strip()
    return out


def to_query(
    filters: RequestFilters, *, limit: int, cursor: str | None = None, now: datetime | None = None
) -> RequestQuery:
    if (
        filters.min_ms is not None
        and filters.max_ms is not None
        and (filters.min_ms > filters.max_ms)
    ):
        raise FilterError("the minimum duration is above the maximum")
    status = None if filters.status == ANY else int(filters.status[0])
    return RequestQuery(
        time=time_range(filters, now),
        service=None if filters.service == ANY else filters.service,
        route=None if filters.route == ANY else filters.route,
        method=None if filters.method == ANY else filters.method,
        status_class=status,
        errors_only=filters.errors_only,
        min_duration_ms=filters.min_ms,
        max_duration_ms=filters.max_ms,
        text=filters.text.strip() or None,
        trace_id=filters.trace_id.strip().lower() or None,
        attributes=parse_attributes(filters.attributes),
        order=filters.order,
        limit=limit,
        cursor=cursor,
    )
