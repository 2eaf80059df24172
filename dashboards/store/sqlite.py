"""The embedded store: the collector's SQLite file (layout in
:mod:`sdk.schema.sqlite_layout`), read through indexed columns; whole records come from the
``doc`` column.

SQL text here is assembled from constant fragments only; every value is a bound parameter
(hence the S608 waivers).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import orjson

from dashboards.records import FAILURE_STATUS, from_ns, read_ns, to_ns
from dashboards.store import cursor as cursors
from dashboards.store import sqlite_logs
from dashboards.store.base import (
    ALL_TIME,
    MAX_TRACE_RECORDS,
    DependencyGraph,
    LatencyStats,
    Page,
    RequestQuery,
    RequestSummary,
    StatsQuery,
    Store,
    StoreError,
    TimeRange,
    TraceRecords,
    callee_host,
    check_query,
    coerce_attribute,
    text_words,
)
from dashboards.store.logs import HistogramBar, LogContext, LogPage, LogQuery
from dashboards.store.percentiles import edge_rows, latency_rows
from dashboards.store.sqlite_parts import SideBySide
from sdk.log import hide_url
from sdk.schema.sqlite_layout import COLUMNS, UNINDEXED_SEP

#: SQL for "this row is a failed hop" (same rule as :func:`dashboards.records.is_failure`).
FAILED_SQL: Final = (
    "({t}.error_type IS NOT NULL OR {t}.outcome = 'failure' OR {t}.status >= "
    + str(FAILURE_STATUS)
    + ")"
)
#: A server hop whose caller's hop is not stored is a request's root ({t}: the row alias).
ROOT_SQL: Final = (
    "{t}.hop_kind = 'server' AND ({t}.parent_id IS NULL OR NOT EXISTS ("
    "SELECT 1 FROM records p WHERE p.span_id = {t}.parent_id AND p.hop_kind IS NOT NULL"
    " AND +p.trace_id = {t}.trace_id))"
)
#: A trace with several roots is listed once, by the root it meets first in the order:
#: no other matching root of the trace sorts before this one ({op}: ``>`` descending).
#: Only the trace id may pick an index for ``o`` (the other terms are written ``+o.``):
#: any other index would scan every server hop of the store per candidate.
FIRST_ROOT_SQL: Final = (
    "NOT EXISTS (SELECT 1 FROM records o WHERE o.trace_id = r.trace_id"
    " AND +o.hop_kind = 'server' AND o.rowid != r.rowid"
    " AND (COALESCE({col}, -1), o.rowid) {op} (COALESCE({rcol}, -1), r.rowid) AND {hop})"
)
#: Some record of the trace holds the words: the trace's own records, each checked
#: against the full-text index by rowid (cheap per candidate, whatever the word's
#: frequency). A rare word is better served by :data:`RARE_TEXT_SQL`.
TEXT_SQL: Final = (
    "EXISTS (SELECT 1 FROM records x WHERE x.trace_id = r.trace_id AND x.rowid IN ("
    "SELECT rowid FROM records_fts WHERE records_fts MATCH ? AND rowid = x.rowid))"
)
#: The same condition from the other side: every trace with a matching record, at once.
RARE_TEXT_SQL: Final = (
    "r.trace_id IN (SELECT x.trace_id FROM records_fts JOIN records x"
    " ON x.rowid = records_fts.rowid WHERE records_fts MATCH ?)"
)
#: Below this many matching records a word counts as rare.
RARE_TEXT_MATCHES: Final = 20_000
_HOP_KINDS: Final = ("server", "client", "internal")
_ORDER_SQL: Final = {
    "newest": ("r.ts_ns", "DESC"),
    "oldest": ("r.ts_ns", "ASC"),
    "slowest": ("r.duration_ns", "DESC"),
}
_REQUEST_COLUMNS: Final = (
    "r.rowid, r.ts_ns, r.trace_id, r.span_id, r.service, r.route, r.method, r.path,"
    " r.status, r.duration_ns, r.outcome, r.error_type, json_extract(r.doc, '$.\"event.start\"')"
)


class SqliteStore(Store):
    def __init__(self, path: Path, *, url: str | None = None) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        if not path.is_file():
            raise StoreError(
                f"no hopscope store at {path}: start the collector (hopscope collect) or "
                "pass another --store"
            )
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a hopscope SQLite store: {exc}") from exc
        if "records" not in tables:
            self._db.close()
            raise StoreError(f"{path} has no records table: not a hopscope store")
        # The file is the collector's: read it, never change it (its layout, indexes
        # included, is the writer's to keep; an older file gains new indexes when the
        # collector opens it).
        self._db.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()
        self._parts = SideBySide(path)

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        parts = urlsplit(url)
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc:
            raise StoreError(f"bad SQLite URL {hide_url(url)!r}: use sqlite:///relative/path.db")
        if not path:
            raise StoreError(f"bad SQLite URL {hide_url(url)!r}: no file path")
        return cls(Path(path), url=url)

    def close(self) -> None:
        self._parts.close()
        self._db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    def _iter(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows streamed in chunks (statistics read many rows; they need not sit in memory
        all at once)."""
        try:
            with self._lock:
                cursor = self._db.execute(sql, params)
                while chunk := cursor.fetchmany(10_000):
                    yield from chunk
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    # -- requests -------------------------------------------------------------------

    def find_requests(self, query: RequestQuery) -> Page[RequestSummary]:
        check_query(query)
        match = fts_query(query.text)
        text = None if match is None else (RARE_TEXT_SQL if self._rare(match) else TEXT_SQL, match)
        where, params = _request_filters(query, text)
        sort_column, direction = _ORDER_SQL[query.order]
        hop_where, hop_params = _hop_filters(query, "+o")
        where.append(
            FIRST_ROOT_SQL.format(
                col=sort_column.replace("r.", "o."),
                rcol=sort_column,
                op=">" if direction == "DESC" else "<",
                hop=" AND ".join(hop_where),
            )
        )
        params += hop_params
        if query.cursor is not None:
            value, rowid = cursors.decode(query.cursor, query.order)
            op = "<" if direction == "DESC" else ">"
            where.append(f"({sort_column}, r.rowid) {op} (?, ?)")
            params += [value, rowid]
        sql = (
            f"SELECT {_REQUEST_COLUMNS} FROM records r WHERE {' AND '.join(where)}"  # noqa: S608
            f" ORDER BY {sort_column} {direction}, r.rowid {direction} LIMIT ?"
        )
        rows = self._rows(sql, [*params, query.limit + 1])
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        next_cursor = None
        if more:
            last = rows[-1]
            value = last[1] if sort_column == "r.ts_ns" else last[9]
            next_cursor = cursors.encode(query.order, [value, last[0]])
        shapes = self._trace_shapes([r[2] for r in rows])
        seen: set[str] = set()
        items: list[RequestSummary] = []
        for row in rows:
            if row[2] in seen:
                continue  # a second parentless server hop of the same trace
            seen.add(row[2])
            items.append(_summary(row, shapes.get(row[2])))
        return Page(items, next_cursor)

    def _rare(self, match: str) -> bool:
        sql = "SELECT COUNT(*) FROM (SELECT 1 FROM records_fts WHERE records_fts MATCH ? LIMIT ?)"
        return int(self._rows(sql, (match, RARE_TEXT_MATCHES))[0][0]) < RARE_TEXT_MATCHES

    def _trace_shapes(self, trace_ids: list[str]) -> dict[str, tuple[int, tuple[str, ...], bool]]:
        if not trace_ids:
            return {}
        marks = ",".join("?" * len(trace_ids))
        sql = (
            "SELECT trace_id, COUNT(*), group_concat(DISTINCT service),"  # noqa: S608
            f" MAX({FAILED_SQL.format(t='records')}) FROM records"
            f" WHERE trace_id IN ({marks}) AND hop_kind IS NOT NULL GROUP BY trace_id"
        )
        return {
            row[0]: (row[1], tuple(sorted((row[2] or "").split(","))), bool(row[3]))
            for row in self._rows(sql, trace_ids)
        }

    # -- one trace --------------------------------------------------------------------

    def fetch_trace(self, trace_id: str) -> TraceRecords:
        marks = "unindexed" if self._marks_unindexed() else "NULL"
        rows = self._rows(
            f"SELECT doc, id, {marks} FROM records WHERE trace_id = ?"  # noqa: S608 - a name
            " ORDER BY ts_ns, rowid LIMIT ?",
            (trace_id, MAX_TRACE_RECORDS + 1),
        )
        loads = orjson.loads
        kept = rows[:MAX_TRACE_RECORDS]
        docs = [loads(row[0]) for row in kept]
        unindexed = {rid: tuple(fields.split(UNINDEXED_SEP)) for _, rid, fields in kept if fields}
        return TraceRecords(
            trace_id, docs, truncated=len(rows) > MAX_TRACE_RECORDS, unindexed=unindexed
        )

    def _marks_unindexed(self) -> bool:
        """Whether the file has the ``unindexed`` column (the collector adds it to older
        files when it opens them)."""
        columns = self._rows("PRAGMA table_info(records)")
        return any(column[1] == "unindexed" for column in columns)

    # -- statistics ---------------------------------------------------------------------

    def stats(self, query: StatsQuery) -> list[LatencyStats]:
        where, params = _time_filter("ts_ns", query.time)
        where.insert(0, "hop_kind = 'server'")
        if query.service is not None:
            where.append("service = ?")
            params.append(query.service)
        route = "route" if query.by_route else "NULL"
        if query.bucket_seconds:
            width = int(query.bucket_seconds * 1_000_000_000)
            bucket = f"(ts_ns / {width}) * {width}"
        else:
            bucket = "NULL"
        sql = (
            f"SELECT service, {route}, {bucket}, duration_ns, {FAILED_SQL.format(t='records')}"  # noqa: S608
            f" FROM records WHERE {' AND '.join(where)}"
        )
        return latency_rows(
            (service or "?", rt, b, d, bool(failed))
            for service, rt, b, d, failed in self._iter(sql, params)
        )

    def dependencies(self, time: TimeRange = ALL_TIME) -> DependencyGraph:
        where, params = _time_filter("ts_ns", time)
        where.insert(0, "hop_kind = 'client'")
        failed = FAILED_SQL.format(t="records")
        # Named callees come from indexed columns alone; only calls without a callee name
        # read the stored record, for the URL's host.
        named = (
            f"SELECT service, target_service, duration_ns, {failed} FROM records"  # noqa: S608
            f" WHERE {' AND '.join(where)} AND target_service IS NOT NULL"
        )
        unnamed = (
            "SELECT service, json_extract(doc, '$.\"url.full\"'), duration_ns,"  # noqa: S608
            f" {failed} FROM records WHERE {' AND '.join(where)} AND target_service IS NULL"
        )
        samples = chain(
            self._iter(named, params),
            (
                (caller, callee_host(url), d, bad)
                for caller, url, d, bad in self._iter(unnamed, params)
            ),
        )
        edges = edge_rows(
            (caller or "?", callee, duration, bool(bad))
            for caller, callee, duration, bad in samples
        )
        nodes = sorted({e.caller for e in edges} | {e.callee for e in edges})
        return DependencyGraph(tuple(nodes), tuple(edges))

    # -- log lines (in sqlite_logs) ----------------------------------------------------------

    def search_logs(self, query: LogQuery) -> LogPage:
        return sqlite_logs.search_logs(self._rows, query)

    def log_histogram(self, query: LogQuery, buckets: int) -> list[HistogramBar]:
        return sqlite_logs.log_histogram(self._rows, query, buckets, self._parts)

    def log_context(self, record_id: str, before: int, after: int) -> LogContext:
        return sqlite_logs.log_context(self._rows, record_id, before, after)

    # -- lists for pickers ----------------------------------------------------------------

    def services(self, time: TimeRange = ALL_TIME) -> list[str]:
        time_where, params = _time_filter("ts_ns", time)
        # One probe per (service, hop kind) on the service index, whose columns are
        # (service, hop_kind, ts_ns): equality on the first two lets the time range seek.
        probes = [
            f"SELECT 1 FROM records WHERE service = ? AND {kind} AND {' AND '.join(time_where)}"  # noqa: S608
            " LIMIT 1"
            for kind in (*(f"hop_kind = '{k}'" for k in _HOP_KINDS), "hop_kind IS NULL")
        ]
        return [
            service
            for service in self._distinct("service")
            if not time_where or any(self._rows(p, [service, *params]) for p in probes)
        ]

    def routes(self, service: str | None = None, time: TimeRange = ALL_TIME) -> list[str]:
        where, params = _time_filter("ts_ns", time)
        where.append("hop_kind = 'server'")
        if service is not None:
            where.append("service = ?")
            params.append(service)
        if len(where) > 2:
            # A time window: the hop statistics index holds (kind, time, service, route).
            sql = f"SELECT DISTINCT route FROM records WHERE {' AND '.join(where)}"  # noqa: S608
            return sorted(r[0] for r in self._rows(sql, params) if r[0] is not None)
        probe = f"SELECT 1 FROM records WHERE route = ? AND {' AND '.join(where)} LIMIT 1"  # noqa: S608
        return [r for r in self._distinct("route") if self._rows(probe, [r, *params])]

    def _distinct(self, column: str) -> list[str]:
        """Distinct values of an indexed column by skip-scan: one seek per value."""
        found: list[str] = []
        sql = f"SELECT MIN({column}) FROM records WHERE {column} > ?"  # noqa: S608
        while True:
            row = self._rows(sql, (found[-1] if found else "",))
            if not row or row[0][0] is None:
                return found
            found.append(row[0][0])


def _time_filter(column: str, time: TimeRange) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if time.start is not None:
        where.append(f"{column} >= ?")
        params.append(to_ns(time.start))
    if time.end is not None:
        where.append(f"{column} < ?")
        params.append(to_ns(time.end))
    return where, params


def fts_query(text: str | None) -> str | None:
    """Free text -> an FTS5 query with every word required (quoted: no operators)."""
    words = text_words(text or "")
    if not words:
        return None
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


def _hop_filters(query: RequestQuery, t: str) -> tuple[list[str], list[Any]]:
    """The conditions on the root hop itself (row alias *t*; ``+o`` keeps the terms from
    choosing an index): a root, and the filters that differ from hop to hop of one trace."""
    time_where, params = _time_filter(f"{t}.ts_ns", query.time)
    where = [ROOT_SQL.format(t=t), *time_where]
    for column, equal in (
        ("service", query.service),
        ("route", query.route),
        ("method", query.method.upper() if query.method else None),
        ("trace_id", query.trace_id),
    ):
        if equal is not None:
            where.append(f"{t}.{column} = ?")
            params.append(equal)
    if query.status_class is not None:
        where.append(f"{t}.status >= ? AND {t}.status < ?")
        params += [query.status_class * 100, query.status_class * 100 + 100]
    if query.min_duration_ms is not None:
        where.append(f"{t}.duration_ns >= ?")
        params.append(int(query.min_duration_ms * 1e6))
    if query.max_duration_ms is not None:
        where.append(f"{t}.duration_ns <= ?")
        params.append(int(query.max_duration_ms * 1e6))
    return where, params


def _request_filters(
    query: RequestQuery, text: tuple[str, str] | None
) -> tuple[list[str], list[Any]]:
    """The root-hop filters and the trace filters; *text* is the words' condition (one of
    :data:`TEXT_SQL`, :data:`RARE_TEXT_SQL`) and its FTS query, if any."""
    where, params = _hop_filters(query, "r")
    if query.errors_only:
        failed = FAILED_SQL.format(t="e")
        where.append(f"EXISTS (SELECT 1 FROM records e WHERE e.trace_id = r.trace_id AND {failed})")  # noqa: S608
    if text is not None:
        text_sql, match = text
        where.append(text_sql)
        params.append(match)
    for name, raw in query.attributes.items():
        value = coerce_attribute(name, raw)
        mapped = COLUMNS.get(name)
        expr = f"a.{mapped}" if mapped else "json_extract(a.doc, ?)"
        if not mapped:
            params.append(f'$."{name}"')
        where.append(f"EXISTS (SELECT 1 FROM records a WHERE a.trace_id = r.trace_id AND {expr}=?)")  # noqa: S608
        params.append(int(value) if isinstance(value, bool) else value)
    return where, params


def _summary(row: Sequence[Any], shape: tuple[int, tuple[str, ...], bool] | None) -> RequestSummary:
    (
        _,
        ts_ns,
        trace_id,
        span_id,
        service,
        route,
        method,
        path,
        status,
        duration,
        outcome,
        error_type,
        start_text,
    ) = row
    duration = duration or 0
    start_ns = read_ns(start_text)
    if start_ns is None:  # absent, or a time that cannot be read
        start_ns = ts_ns - duration
    failed = bool(error_type) or outcome == "failure" or (status or 0) >= FAILURE_STATUS
    hop_count, services, has_errors = shape or (1, (service,), failed)
    return RequestSummary(
        trace_id=trace_id,
        span_id=span_id,
        service=service or "?",
        route=route,
        method=method,
        path=path,
        status_code=status,
        start=from_ns(start_ns),
        duration_ms=duration / 1e6,
        failed=failed,
        has_errors=has_errors or failed,
        hop_count=hop_count,
        services=services,
    )
