"""Log-line queries on the embedded SQLite store (rules in :mod:`dashboards.store.logs`).

The plans lean on three parts of the layout: the log-line index ``records_log_lines``
(service, level, time; lines only), the full-text table on ``message``, and the record id,
whose collector form is the source's digest then the byte offset in fixed-width hex, so the
lines of one source sort by offset on the id's own unique index (the context of a line is
two range reads there, with no index of its own to keep up at ingest).

SQL text is assembled from constant fragments only; every value is a bound parameter
(hence the S608 waivers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import orjson

from dashboards.store import cursor as cursors
from dashboards.store.base import coerce_attribute
from dashboards.store.logs import (
    HistogramBar,
    LogContext,
    LogLine,
    LogPage,
    LogQuery,
    bucket_width,
    check_context,
    check_histogram,
    check_log_query,
    levels_from,
    line_from_doc,
    matching_bounds,
    order_name,
    sort_bars,
    source_id_range,
    word_tokens,
)
from sdk.schema.sqlite_layout import COLUMNS

Rows = Callable[[str, Sequence[Any]], list[Any]]

_LINE_COLUMNS: Final = "r.rowid, r.ts_ns, r.id, r.source, r.offset, r.unstructured, r.doc"
#: Fewer full-text matches than this: read them all and filter (the words lead); more: walk
#: the time order and test each candidate line against the full-text index by rowid.
RARE_MATCHES: Final = 5_000


def fts_match(words: Sequence[str]) -> str | None:
    """``words`` entries -> one FTS5 query: every entry required, each a quoted phrase
    (so no entry is read as an operator)."""
    phrases = [" ".join(word_tokens(entry)) for entry in words]
    quoted = ['"' + p + '"' for p in phrases if p]
    return " AND ".join(quoted) or None


def search_logs(rows: Rows, query: LogQuery) -> LogPage:
    check_log_query(query)
    desc = query.newest_first
    direction = "DESC" if desc else "ASC"
    arms, params_per_arm = _arms(rows, query)
    after: list[Any] = []
    cursor_sql = ""
    if query.cursor is not None:
        ts_ns, rowid = cursors.decode(query.cursor, order_name(query))
        cursor_sql = f" AND (r.ts_ns, r.rowid) {'<' if desc else '>'} (?, ?)"
        after = [ts_ns, rowid]
    order = f" ORDER BY r.ts_ns {direction}, r.rowid {direction} LIMIT ?"
    selects = [
        f"SELECT {_LINE_COLUMNS} FROM records r WHERE {arm}{cursor_sql}"  # noqa: S608
        for arm in arms
    ]
    params: list[Any] = []
    if len(selects) == 1:
        sql = selects[0] + order
        params = [*params_per_arm[0], *after]
    else:
        # Each arm reads at most a page from its own index range in time order; the
        # page is the first of their union.
        sql = " UNION ALL ".join(f"SELECT * FROM ({s}{order})" for s in selects)  # noqa: S608
        sql = f"SELECT * FROM ({sql}) r{order}"  # noqa: S608
        for arm_params in params_per_arm:
            params += [*arm_params, *after, query.limit + 1]
    found = rows(sql, [*params, query.limit + 1])
    more = len(found) > query.limit
    found = found[: query.limit]
    lines = [_line(row) for row in found]
    next_cursor = None
    if more:
        last = found[-1]
        next_cursor = cursors.encode(order_name(query), [last[1], last[0]])
    return LogPage(lines, next_cursor)


def log_histogram(rows: Rows, query: LogQuery, buckets: int) -> list[HistogramBar]:
    check_log_query(query)
    check_histogram(buckets)
    since, until = query.since_ns, query.until_ns
    if since is None or until is None:
        first, last = matching_bounds(lambda q: search_logs(rows, q), query)
        if first is None or last is None:
            return []
        since = first if since is None else since
        until = last + 1 if until is None else until
    width = bucket_width(since, until, buckets)
    where, params = _filters(rows, query, split=False)
    sql = (
        f"SELECT (r.ts_ns - ?) / {width}, r.level, COUNT(*) FROM records r"  # noqa: S608
        f" WHERE {' AND '.join(where)} AND r.ts_ns >= ? AND r.ts_ns < ? GROUP BY 1, 2"
    )
    counted = rows(sql, [since, *params, since, until])
    bars = [
        (since + int(n) * width, str(level or "info"), int(count)) for n, level, count in counted
    ]
    return sort_bars(bars)


def log_context(rows: Rows, record_id: str, before: int, after: int) -> LogContext:
    check_context(before, after)
    found = rows(f"SELECT {_LINE_COLUMNS} FROM records r WHERE r.id = ?", [record_id])  # noqa: S608
    if not found:
        return LogContext(None, [], [])
    row = found[0]
    line = _line(row)
    rid, source, offset = row[2], row[3], row[4]
    ids = source_id_range(rid, offset)
    if ids is not None:
        # The id orders the source's lines by offset: read either side on its index.
        low, high = ids
        side = f"SELECT {_LINE_COLUMNS} FROM records r WHERE r.id {{op}} ? AND r.id {{bound}} ?"  # noqa: S608
        earlier = rows(
            side.format(op="<", bound=">=") + " ORDER BY r.id DESC LIMIT ?", [rid, low, before]
        )
        later = rows(
            side.format(op=">", bound="<=") + " ORDER BY r.id ASC LIMIT ?", [rid, high, after]
        )
    else:
        # Another writer's ids: the source's lines by offset, without an index to lean on.
        side = f"SELECT {_LINE_COLUMNS} FROM records r WHERE r.source IS ? AND r.offset {{op}} ?"  # noqa: S608
        earlier = rows(
            side.format(op="<") + " ORDER BY r.offset DESC LIMIT ?", [source, offset, before]
        )
        later = rows(
            side.format(op=">") + " ORDER BY r.offset ASC LIMIT ?", [source, offset, after]
        )
    return LogContext(line, [_line(r) for r in reversed(earlier)], [_line(r) for r in later])


def _arms(rows: Rows, query: LogQuery) -> tuple[list[str], list[list[Any]]]:
    """The query's conditions as one or several arms: with services (and levels) named,
    one per service and level, each a range of the log-line index in time order."""
    where, params = _filters(rows, query, split=True)
    levels = levels_from(query.min_level)
    if not query.services or query.trace_id is not None or query.include_hops:
        if query.services:
            where.append(f"r.service IN ({','.join('?' * len(query.services))})")
            params += list(query.services)
        if levels is not None:
            where.append(f"r.level IN ({','.join('?' * len(levels))})")
            params += list(levels)
        return [" AND ".join(where)], [params]
    arms: list[str] = []
    arm_params: list[list[Any]] = []
    for service in dict.fromkeys(query.services):
        for level in levels or (None,):
            own = ["r.service = ?"]
            values: list[Any] = [service]
            if level is not None:
                own.append("r.level = ?")
                values.append(level)
            arms.append(" AND ".join([*own, *where]))
            arm_params.append([*values, *params])
    return arms, arm_params


def _filters(rows: Rows, query: LogQuery, *, split: bool) -> tuple[list[str], list[Any]]:
    """Conditions of *query*; with ``split`` the services and levels are left to
    :func:`_arms`."""
    where: list[str] = []
    params: list[Any] = []
    if query.since_ns is not None:
        where.append("r.ts_ns >= ?")
        params.append(query.since_ns)
    if query.until_ns is not None:
        where.append("r.ts_ns < ?")
        params.append(query.until_ns)
    if not query.include_hops:
        where.append("r.hop_kind IS NULL")
    if query.kind != "both":
        where.append("r.unstructured = ?")
        params.append(1 if query.kind == "unstructured" else 0)
    if query.trace_id is not None:
        where.append("r.trace_id = ?")
        params.append(query.trace_id)
    for name, raw in query.fields:
        value = coerce_attribute(name, raw)
        column = COLUMNS.get(name)
        if column is not None:
            where.append(f"r.{column} = ?")
        else:
            where.append("json_extract(r.doc, ?) = ?")
            params.append(f'$."{name}"')
        params.append(int(value) if isinstance(value, bool) else value)
    if not split:
        if query.services:
            where.append(f"r.service IN ({','.join('?' * len(query.services))})")
            params += list(query.services)
        levels = levels_from(query.min_level)
        if levels is not None:
            where.append(f"r.level IN ({','.join('?' * len(levels))})")
            params += list(levels)
    match = fts_match(query.words)
    if match is not None:
        if _rare(rows, match):
            where.append("r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)")
        else:
            # The index range leads (``+`` keeps the rowid from choosing the plan) and the
            # matching rowids are read once into a list: a full-text probe per candidate
            # is far dearer where few candidates match (on 10M records, 400,000 matches,
            # none at the level asked: 0.3 s against 8 s).
            where.append("+r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)")
        params.append(match)
    if not where:
        where.append("1")
    return where, params


def _rare(rows: Rows, match: str) -> bool:
    sql = "SELECT COUNT(*) FROM (SELECT 1 FROM records_fts WHERE records_fts MATCH ? LIMIT ?)"
    return int(rows(sql, (match, RARE_MATCHES))[0][0]) < RARE_MATCHES


def _line(row: Sequence[Any]) -> LogLine:
    _, ts_ns, rid, source, offset, unstructured, doc = row
    return line_from_doc(
        orjson.loads(doc),
        ts_ns,
        record_id=rid,
        source=source,
        offset=offset,
        unstructured=bool(unstructured),
    )
