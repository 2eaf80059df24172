"""The log-line questions of the store interface: the query, its result types and the rules
every implementation follows (the shared store tests check them).

- A *log line* is any stored record that is not a hop (``hopscope.hop.kind`` absent), the
  collector's unstructured records (plain text, tracebacks, invalid JSON) included; with
  ``include_hops`` the hop records count as lines too.
- ``words``: each entry is one word or a phrase of several; every entry must occur in the
  line's ``message``, a phrase as consecutive words. Matching is by whole words, case
  folded (the full-text tokenisation of each backend: ``declined`` matches "Declined," but
  not "undeclined").
- ``fields``: exact values of schema fields or ``labels.*``, typed as the schema types the
  field (``"502"`` matches the status 502); all must hold.
- ``min_level``: the line's ``log.level`` is that level or a more severe one (:data:`LEVELS`).
- Lines are ordered by ``@timestamp``; lines of the same instant keep one stable order per
  backend (SQLite: the order stored; search engine: the record id).
- The *context* of a line is the lines stored before and after it from the same source (the
  collector's source identity and byte offset), hops included, whatever the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from dashboards import records as f
from dashboards.store.errors import BadQuery
from sdk.schema import names

#: ``log.level`` values from the least to the most severe (the schema's enum).
LEVELS: Final = ("debug", "info", "warning", "error", "critical")

LineKind = Literal["structured", "unstructured", "both"]

#: Lines in one page at most (a bigger ``limit`` is refused).
MAX_LOG_LIMIT: Final = 10_000
#: Histogram buckets at most.
MAX_BUCKETS: Final = 1000
#: Context lines on either side at most.
MAX_CONTEXT: Final = 1000

REASON: Final = names.HOPSCOPE_UNSTRUCTURED_REASON
ORIGINAL: Final = names.EVENT_ORIGINAL
SOURCE: Final = names.HOPSCOPE_SOURCE_NAME
OFFSET: Final = names.HOPSCOPE_SOURCE_OFFSET


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which log lines to read. Times are Unix nanoseconds, half-open ``[since, until)``;
    ``None`` leaves that side open."""

    since_ns: int | None = None
    until_ns: int | None = None
    #: any of these services (empty: every service)
    services: tuple[str, ...] = ()
    #: this level or a more severe one
    min_level: str | None = None
    #: every entry must occur in the message: a word, or a phrase of words in a row
    words: tuple[str, ...] = ()
    #: (schema field or ``labels.*``, value) pairs, all must hold
    fields: tuple[tuple[str, str], ...] = ()
    trace_id: str | None = None
    kind: LineKind = "both"
    #: hop records count as lines too
    include_hops: bool = False
    newest_first: bool = True
    limit: int = 100
    #: opaque, from :attr:`LogPage.next_cursor` of the previous page of the same query
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    """One stored line, as the logs views show it."""

    record_id: str
    time_ns: int
    service: str
    level: str
    message: str
    trace_id: str | None
    span_id: str | None
    #: where the collector read it (path, ``stdin``, container) and the byte offset there
    source: str | None
    offset: int | None
    #: not a valid record: kept as the collector received it
    unstructured: bool
    #: the line as read (unstructured lines only)
    raw_text: str | None
    #: why it is unstructured ("not JSON", "not valid against schema v1: ...")
    reason: str | None
    #: the record exactly as stored
    doc: Mapping[str, Any] = field(repr=False)

    @property
    def is_hop(self) -> bool:
        return f.is_hop(self.doc)


@dataclass(frozen=True, slots=True)
class LogPage:
    """Lines in the query's order; ``next_cursor`` is ``None`` on the last page."""

    lines: list[LogLine]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class LogContext:
    """The lines around one line of a source, oldest first; ``line`` is ``None`` when the
    store holds no record of that id."""

    line: LogLine | None
    before: list[LogLine]
    after: list[LogLine]


#: One bar segment of a histogram: (bucket start ns, level, matching lines).
HistogramBar = tuple[int, str, int]

_LEVEL_ORDER: Final = {level: n for n, level in enumerate(LEVELS)}


def sort_bars(bars: list[HistogramBar]) -> list[HistogramBar]:
    """Bars by time, then levels from debug up (unknown levels last), as every backend gives
    them."""
    bars.sort(key=lambda bar: (bar[0], _LEVEL_ORDER.get(bar[1], len(LEVELS)), bar[1]))
    return bars


def matching_bounds(
    search: Callable[[LogQuery], LogPage], query: LogQuery
) -> tuple[int | None, int | None]:
    """The first and the last matching line's time, asked of a backend's ``search_logs``:
    an open side of a histogram's range is where its lines are."""
    times = []
    for newest in (False, True):
        page = search(replace(query, newest_first=newest, limit=1, cursor=None))
        times.append(page.lines[0].time_ns if page.lines else None)
    return times[0], times[1]


def levels_from(min_level: str | None) -> tuple[str, ...] | None:
    """The levels a minimum admits (``None``: no level filter)."""
    if min_level is None:
        return None
    return LEVELS[LEVELS.index(min_level) :]


def order_name(query: LogQuery) -> str:
    """What a cursor of this query was made for."""
    return "logs-newest" if query.newest_first else "logs-oldest"


def check_log_query(query: LogQuery) -> None:
    """Refuse what no backend can run, with the same message everywhere."""
    if query.min_level is not None and query.min_level not in LEVELS:
        raise BadQuery(f"unknown level {query.min_level!r}: use one of {', '.join(LEVELS)}")
    if query.kind not in ("structured", "unstructured", "both"):
        raise BadQuery(f"unknown kind {query.kind!r}: use structured, unstructured or both")
    if not 1 <= query.limit <= MAX_LOG_LIMIT:
        raise BadQuery(f"limit must be 1 to {MAX_LOG_LIMIT}, got {query.limit}")
    since, until = query.since_ns, query.until_ns
    if since is not None and until is not None and until <= since:
        raise BadQuery("the time range is empty: 'until' is not after 'since'")
    for word in query.words:
        if not word_tokens(word):
            raise BadQuery(f"{word!r} has no word to search for (letters or digits)")
    for name, _ in query.fields:
        if not name or any(ch in name for ch in "\"'`\\"):
            raise BadQuery(f"bad field name {name!r}")


def word_tokens(entry: str) -> list[str]:
    """The words of one ``words`` entry, as both backends' full-text indexes split them."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in entry)
    return cleaned.split()


#: The collector's record id: source digest (16 hex digits), then the offset (12).
_COLLECTOR_ID: Final = re.compile(r"[0-9a-f]{28}")


def source_id_range(record_id: str, offset: int | None) -> tuple[str, str] | None:
    """The lowest and highest id of *record_id*'s source when it is the collector's id
    for *offset*: its source's ids then sort as their offsets. ``None`` for another
    writer's ids."""
    if offset is None or not _COLLECTOR_ID.fullmatch(record_id):
        return None
    if int(record_id[16:], 16) != offset:
        return None
    return record_id[:16] + "0" * 12, record_id[:16] + "f" * 12


def check_histogram(buckets: int) -> None:
    if not 1 <= buckets <= MAX_BUCKETS:
        raise BadQuery(f"buckets must be 1 to {MAX_BUCKETS}, got {buckets}")


def check_context(before: int, after: int) -> None:
    for name, count in (("before", before), ("after", after)):
        if not 0 <= count <= MAX_CONTEXT:
            raise BadQuery(f"context {name} must be 0 to {MAX_CONTEXT}, got {count}")


def bucket_width(since_ns: int, until_ns: int, buckets: int) -> int:
    """Nanoseconds per bucket: whole milliseconds (the search engine's time resolution),
    enough for *buckets* of them to cover ``[since, until)``."""
    span = max(until_ns - since_ns, 1)
    width = -(-span // buckets)
    return -(-width // 1_000_000) * 1_000_000


def line_from_doc(
    doc: Mapping[str, Any],
    time_ns: int,
    *,
    record_id: str | None = None,
    source: str | None = None,
    offset: int | None = None,
    unstructured: bool | None = None,
) -> LogLine:
    """A :class:`LogLine` from a stored record; the arguments override what the record
    says of itself (a backend that keeps them beside the record knows them better)."""
    reason = doc.get(REASON)
    is_plain = reason is not None if unstructured is None else unstructured
    trace = doc.get(f.TRACE_ID)
    span = doc.get(f.SPAN_ID)
    stored_offset = doc.get(OFFSET)
    return LogLine(
        record_id=str(record_id or doc.get(f.RECORD_ID) or ""),
        time_ns=time_ns,
        service=str(doc.get(f.SERVICE) or "?"),
        level=str(doc.get(f.LEVEL) or "info"),
        message=str(doc.get(f.MESSAGE) or ""),
        trace_id=trace if isinstance(trace, str) else None,
        span_id=span if isinstance(span, str) else None,
        source=source if source is not None else _text_or_none(doc.get(SOURCE)),
        offset=offset
        if offset is not None
        else (stored_offset if isinstance(stored_offset, int) else None),
        unstructured=is_plain,
        raw_text=_text_or_none(doc.get(ORIGINAL)) if is_plain else None,
        reason=_text_or_none(reason) if is_plain else None,
        doc=doc,
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
