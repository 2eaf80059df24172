"""Log-line queries on the embedded SQLite store (rules in :mod:`dashboards.store.logs`).

The plans lean on four parts of the layout: the log-line index ``records_log_lines``
(service, level, time; lines only), the same lines keyed by rowid (``records_log_keys``,
which holds what the filters of a full-text match need, so a match is checked without
reading its row), the full-text table on ``message``, and the record id,
whose collector form is the source's digest then the byte offset in fixed-width hex, so the
lines of one source sort by offset on the id's own unique index (the context of a line is
two range reads there, with no index of its own to keep up at ingest). A histogram without
words is counted bucket by bucket on the log-line index, so its lines are never sorted.

SQL text is assembled from constant fragments only; every value is a bound parameter
(hence the S608 waivers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import pairwise
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
from dashboards.store.sqlite_parts import OneByOne, PartRows
from sdk.schema.sqlite_layout import COLUMNS

Rows = Callable[[str, Sequence[Any]], list[Any]]

_LINE_COLUMNS: Final = "r.rowid, r.ts_ns, r.id, r.source, r.offset, r.unstructured, r.doc"
#: Fewer full-text matches than this: read them all and filter (the words lead); more: walk
#: the time order and test each candidate line against the full-text index by rowid.
RARE_MATCHES: Final = 5_000
#: With more matches than that, and services and a minimum level, the page is first looked
#: for among the newest lines (the oldest, for oldest first) of each service-and-level range
#: holding lines, at most :data:`WINDOW_LINES` of each, against one list of the matches
#: between the window's lowest and highest rowid (on 10M records, 400,000 matches, 'cache'
#: in 3 services at debug and up: 74-104 ms against 223-226 ms; 'stock' in one service at
#: info and up, two ranges, a list each: 276 ms to 123 ms). When that window holds less
#: than a page: up to this many ranges, each is walked in time order against the list of
#: matches (one list a range); with more, every match is looked up on ``records_log_keys``
#: (3 services x 5 levels, 9 of them holding lines: 1.2 s against 0.23 s; one or two
#: ranges: 100-160 ms against about 0.2 s).
MATCH_LIST_ARMS: Final = 2
#: Lines of each range in that window at most.
WINDOW_LINES: Final = 4_000
#: A window whose lines lie more rowids apart than this: its newest lines are first tested
#: one by one on the full-text index by rowid, in growing batches (the first this big), up
#: to :data:`PROBED_LINES` of them, and the list of matches is read only if they hold less
#: than a page. A test costs 30-90 us; the list, one read per match between the window's
#: rowids, which on a file whose times are not in rowid order is nearly every match (on
#: 10M records: 'payment declined' 111 ms to 7 ms, 'stock' 73 to 25, 'cache' 79 to 23).
PROBE_SPAN: Final = 100_000
PROBE_BATCH: Final = 128
PROBED_LINES: Final = 1_024
#: The histogram of common words: fewer candidate lines (of its services and levels, in its
#: time range) than this, they are each probed against the list of matches; more, the
#: matches are each looked up on ``records_log_keys`` (on 10M records, 400,000 matches:
#: 57,000 candidates 160 ms against 250 ms, 400,000 candidates 280 ms against 230 ms).
MATCH_LIST_CANDIDATES: Final = 150_000
KEYS_INDEX: Final = "records_log_keys"
LINES_INDEX: Final = "records_log_lines"


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
    keyed = _keyed_match(rows, query)
    if keyed is not None:
        filled = _filled_arms(rows, query)
        recent = None if filled is None else _search_recent(rows, query, keyed, filled)
        if recent is not None:
            return recent
        if filled is None or len(filled) > MATCH_LIST_ARMS:
            return _search_by_keys(rows, query, keyed)
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
    return _page(rows(sql, [*params, query.limit + 1]), query)


def log_histogram(
    rows: Rows, query: LogQuery, buckets: int, parts: PartRows | None = None
) -> list[HistogramBar]:
    """The bars; the plans that read the most (no words: every line in range; common words
    over many lines: every match) are run in *parts* side by side."""
    parts = OneByOne(rows) if parts is None else parts
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
    if _counted_on_lines(query):
        both = replace(query, kind="both")
        bars = _bars(since, width, _bucket_counts(rows, parts, both, since, until, width))
        if query.kind == "both":
            return bars
        # Structured lines: every line less the unstructured ones, which their own
        # index holds (few; that index lacks nothing the histogram asks).
        aside = replace(query, kind="unstructured", since_ns=since, until_ns=until)
        unstructured = {(at, level): n for at, level, n in log_histogram(rows, aside, buckets)}
        return [
            (at, level, left)
            for at, level, n in bars
            if (left := n - unstructured.get((at, level), 0)) > 0
        ]
    keyed = _keyed_match(rows, query)
    if keyed is not None and _candidates(rows, query, since, until) >= MATCH_LIST_CANDIDATES:
        where, params = _key_filters(query)
        # The matches split by rowid: each part looks up its own.
        sql = (
            f"SELECT (k.ts_ns - ?) / {width}, k.level, COUNT(*) FROM {_KEYS_JOIN}"  # noqa: S608
            f" WHERE {' AND '.join(where)} AND k.ts_ns >= ? AND k.ts_ns < ?"
            " AND f.rowid >= ? AND f.rowid < ? GROUP BY 1, 2"
        )
        # Two subqueries: each is one seek, where MIN and MAX in one SELECT read every row.
        extent = "SELECT (SELECT MIN(rowid) FROM records), (SELECT MAX(rowid) FROM records)"
        low, high = rows(extent, [])[0]
        each = [
            [since, keyed, *params, since, until, first, stop]
            for first, stop in _cuts(low or 0, (high or 0) + 1, parts.parts)
        ]
        counted = [row for part in parts(sql, each) for row in part]
    else:
        where, params = _filters(rows, query, split=False)
        sql = (
            f"SELECT (r.ts_ns - ?) / {width}, r.level, COUNT(*) FROM records r"  # noqa: S608
            f" WHERE {' AND '.join(where)} AND r.ts_ns >= ? AND r.ts_ns < ? GROUP BY 1, 2"
        )
        counted = rows(sql, [since, *params, since, until])
    return _bars(since, width, counted)


def _bars(since: int, width: int, counted: Sequence[Sequence[Any]]) -> list[HistogramBar]:
    """(bucket number, level, lines) rows -> the bars, a line without a level counted as
    ``info``, as the other backends count it."""
    summed: dict[tuple[int, str], int] = {}
    for n, level, count in counted:
        key = (since + int(n) * width, str(level or "info"))
        summed[key] = summed.get(key, 0) + int(count)
    return sort_bars([(at, level, count) for (at, level), count in summed.items()])


def _counted_on_lines(query: LogQuery) -> bool:
    """Whether the log-line index answers *query*'s histogram: no words, and nothing asked
    of a line that index does not hold (structured lines are all less the unstructured)."""
    return (
        fts_match(query.words) is None
        and not query.fields
        and query.trace_id is None
        and not query.include_hops
        and query.kind != "unstructured"
    )


#: Each bucket of each (service, level) range counted on its own stretch of the log-line
#: index: the lines are walked once, in the index's order, and never sorted (grouping the
#: lines by an expression of their time sorts them all: 3.3M lines took 2.4 s where these
#: counts take 0.3 s).
_BUCKET_COUNTS: Final = f"""
WITH RECURSIVE edge(n, low, high) AS (
    SELECT ?, ?, MIN(? + ?, ?)
    UNION ALL SELECT n + 1, high, MIN(high + ?, ?) FROM edge WHERE n + 1 < ? AND high < ?
), arm(service, level) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
)
SELECT edge.n, arm.level, (
    SELECT COUNT(*) FROM records r INDEXED BY {LINES_INDEX}
    WHERE r.service IS arm.service AND r.level IS arm.level AND r.hop_kind IS NULL
    AND r.ts_ns >= edge.low AND r.ts_ns < edge.high
) FROM arm, edge
"""  # noqa: S608


def _bucket_counts(
    rows: Rows, parts: PartRows, query: LogQuery, since: int, until: int, width: int
) -> list[tuple[int, str | None, int]]:
    """(bucket number, level, lines) of each non-empty bucket of each range; the buckets
    split into runs, one a part."""
    arms = orjson.dumps(_ranges_on_lines(rows, query)).decode()
    if arms == "[]":
        return []
    each = []
    for first, stop in _cuts(0, -(-(until - since) // width), parts.parts):
        low = since + first * width
        each.append([first, low, low, width, until, width, until, stop, until, arms])
    counted = [row for part in parts(_BUCKET_COUNTS, each) for row in part]
    return [(n, level, count) for n, level, count in counted if count]


def _cuts(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """``[low, high)`` cut into at most *parts* non-empty runs of about equal length."""
    edges = [low + (high - low) * n // parts for n in range(parts + 1)]
    return [(a, b) for a, b in pairwise(edges) if a < b]


def _ranges_on_lines(rows: Rows, query: LogQuery) -> list[tuple[str | None, str | None]]:
    """The (service, level) ranges of the log-line index *query* spans: its services (else
    every service the index holds) by its levels (else every level each service has),
    found by one seek per value."""
    services: Sequence[str | None] = query.services or _distinct_on_lines(rows, "service", [])
    wanted = levels_from(query.min_level)
    ranges: list[tuple[str | None, str | None]] = []
    for service in dict.fromkeys(services):
        levels = wanted or _distinct_on_lines(rows, "level", [("service", service)])
        ranges += [(service, level) for level in levels]
    return ranges


def _distinct_on_lines(
    rows: Rows, column: str, equal: Sequence[tuple[str, str | None]]
) -> list[str | None]:
    """The distinct values of *column* (``None`` first, when held) among the lines of the
    log-line index with the columns of *equal* equal to theirs: a seek per value."""
    prefix = "".join(f" AND r.{name} IS ?" for name, _ in equal)
    params = [value for _, value in equal]
    base = f"FROM records r INDEXED BY {LINES_INDEX} WHERE r.hop_kind IS NULL{prefix}"
    found: list[str | None] = []
    if rows(f"SELECT 1 {base} AND r.{column} IS NULL LIMIT 1", params):
        found.append(None)
    value = rows(f"SELECT MIN(r.{column}) {base}", params)[0][0]
    after = f"SELECT MIN(r.{column}) {base} AND r.{column} > ?"
    while value is not None:
        found.append(value)
        value = rows(after, [*params, value])[0][0]
    return found


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


#: Full-text matches joined with their lines' keys (the rowid-keyed covering index).
_KEYS_JOIN: Final = (
    f"records_fts f JOIN records k INDEXED BY {KEYS_INDEX} ON k.rowid = f.rowid"
    " AND records_fts MATCH ?"
)


def _keyed_match(rows: Rows, query: LogQuery) -> str | None:
    """The full-text query when *query* has common words and asks nothing of a line that
    ``records_log_keys`` does not hold (and the file has that index): else ``None``."""
    match = fts_match(query.words)
    if match is None or query.fields or query.trace_id is not None or query.include_hops:
        return None
    listed = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN (?, ?)"
    if rows(listed, [KEYS_INDEX, LINES_INDEX])[0][0] < 2:
        return None  # a file from before the indexes: the other plans still answer
    return None if _rare(rows, match) else match


def _time_range(query: LogQuery, column: str) -> tuple[list[str], list[Any]]:
    """*query*'s time range as conditions on *column* (``r.ts_ns``; ``+k.ts_ns`` to keep it
    from choosing the plan), with their parameters."""
    where: list[str] = []
    params: list[Any] = []
    if query.since_ns is not None:
        where.append(f"{column} >= ?")
        params.append(query.since_ns)
    if query.until_ns is not None:
        where.append(f"{column} < ?")
        params.append(query.until_ns)
    return where, params


def _services_and_levels(query: LogQuery, prefix: str) -> tuple[list[str], list[Any]]:
    """*query*'s services and minimum level as ``IN`` conditions on ``<prefix>service`` and
    ``<prefix>level`` (``r.``; ``+k.`` to keep them from choosing the plan)."""
    where: list[str] = []
    params: list[Any] = []
    if query.services:
        where.append(f"{prefix}service IN ({','.join('?' * len(query.services))})")
        params += list(query.services)
    levels = levels_from(query.min_level)
    if levels is not None:
        where.append(f"{prefix}level IN ({','.join('?' * len(levels))})")
        params += list(levels)
    return where, params


def _key_filters(query: LogQuery) -> tuple[list[str], list[Any]]:
    """*query*'s conditions on the keys ``k`` (all of them, given :func:`_keyed_match`);
    ``+`` keeps them from choosing a plan: the matches lead."""
    times, params = _time_range(query, "+k.ts_ns")
    where = ["k.hop_kind IS NULL", *times]
    if query.kind != "both":
        where.append("+k.unstructured = ?")
        params.append(1 if query.kind == "unstructured" else 0)
    chosen, values = _services_and_levels(query, "+k.")
    return [*where, *chosen], [*params, *values]


def _search_by_keys(rows: Rows, query: LogQuery, match: str) -> LogPage:
    """The page from the matches' keys: the rows of the page alone are read whole."""
    desc = query.newest_first
    direction = "DESC" if desc else "ASC"
    where, params = _key_filters(query)
    if query.cursor is not None:
        ts_ns, rowid = cursors.decode(query.cursor, order_name(query))
        where.append(f"(k.ts_ns, k.rowid) {'<' if desc else '>'} (?, ?)")
        params += [ts_ns, rowid]
    keys = (
        f"SELECT k.rowid FROM {_KEYS_JOIN} WHERE {' AND '.join(where)}"  # noqa: S608
        f" ORDER BY k.ts_ns {direction}, k.rowid {direction} LIMIT ?"
    )
    sql = (
        f"SELECT {_LINE_COLUMNS} FROM records r WHERE r.rowid IN ({keys})"  # noqa: S608
        f" ORDER BY r.ts_ns {direction}, r.rowid {direction}"
    )
    return _page(rows(sql, [match, *params, query.limit + 1]), query)


Arm = tuple[str, str | None]


def _filled_arms(rows: Rows, query: LogQuery) -> list[Arm] | None:
    """*query*'s (service, level) ranges of the log-line index that hold a line in its time
    range (one probe each); ``None`` without services (the lines are then no such range)."""
    if not query.services:
        return None
    levels: Sequence[str | None] = levels_from(query.min_level) or (None,)
    in_range, times = _time_range(query, "r.ts_ns")
    probe = " AND ".join(
        ["SELECT 1 FROM records r WHERE r.service = ?", "r.hop_kind IS NULL", *in_range]
    )
    filled: list[Arm] = []
    for service in dict.fromkeys(query.services):
        for level in levels:
            sql = probe + (" LIMIT 1" if level is None else " AND r.level = ? LIMIT 1")
            if rows(sql, [service, *times] if level is None else [service, *times, level]):
                filled.append((service, level))
    return filled


def _search_recent(rows: Rows, query: LogQuery, match: str, filled: list[Arm]) -> LogPage | None:
    """The page from the lines nearest its start (the newest, or the oldest): a window of at
    most :data:`WINDOW_LINES` lines of each range, read in one statement against one list of
    matches. ``None`` when the window holds less than a page and more lines lie past it."""
    if query.min_level is None or query.kind != "both":
        return None  # ranges by service alone, or a condition off the log-line index
    if not filled:
        return LogPage([], None)  # no line of these services and levels in the time range
    desc = query.newest_first
    direction = "DESC" if desc else "ASC"
    times, params = _time_range(query, "r.ts_ns")
    where = ["r.hop_kind IS NULL", *times]
    if query.cursor is not None:
        ts_ns, rowid = cursors.decode(query.cursor, order_name(query))
        where.append(f"(r.ts_ns, r.rowid) {'<' if desc else '>'} (?, ?)")
        params += [ts_ns, rowid]
    order = f" ORDER BY r.ts_ns {direction}, r.rowid {direction}"
    # Where each range's WINDOW_LINES-th line lies; the window ends at the one nearest the
    # start, so no range has more lines in it.
    edge = (
        f"SELECT r.ts_ns FROM records r INDEXED BY {LINES_INDEX}"  # noqa: S608
        f" WHERE r.service = ? AND r.level = ? AND {' AND '.join(where)}{order}"
        " LIMIT 1 OFFSET ?"
    )
    edges = [
        found[0][0]
        for service, level in filled
        if (found := rows(edge, [service, level, *params, WINDOW_LINES - 1]))
    ]
    if edges:
        where.append(f"r.ts_ns {'>=' if desc else '<='} ?")
        params.append(max(edges) if desc else min(edges))
    services = sorted({service for service, _ in filled})
    levels = sorted({level for _, level in filled if level is not None})
    where.append(f"r.service IN ({','.join('?' * len(services))})")
    where.append(f"r.level IN ({','.join('?' * len(levels))})")
    params += [*services, *levels]
    # The window's lines lie between two rowids: only the matches between them are listed
    # (the lines are stored about in time order, so a window of recent lines spans few
    # rowids: on 10M records, 'stock' lists 400,000 matches in 100 ms, a window's in 1 ms).
    extent = f"SELECT MIN(r.rowid), MAX(r.rowid) FROM records r INDEXED BY {LINES_INDEX}"  # noqa: S608
    low, high = rows(f"{extent} WHERE {' AND '.join(where)}", params)[0]
    if low is None:
        return LogPage([], None)  # no line in the window: none past it either
    listed = _probed(rows, query, where, params, match) if high - low > PROBE_SPAN else None
    if listed is None:
        where.append(
            "+r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?"
            " AND rowid >= ? AND rowid <= ?)"
        )
        sql = (
            f"SELECT {_LINE_COLUMNS} FROM records r INDEXED BY {LINES_INDEX}"  # noqa: S608
            f" WHERE {' AND '.join(where)}{order} LIMIT ?"
        )
        listed = rows(sql, [*params, match, low, high, query.limit + 1])
    if len(listed) <= query.limit and edges:
        return None
    return _page(listed, query)


def _probed(
    rows: Rows, query: LogQuery, where: list[str], params: list[Any], match: str
) -> list[Any] | None:
    """The rows of the window's first ``limit + 1`` matching lines (all its matches, if it
    holds fewer), found by testing its lines in order on the full-text index by rowid;
    ``None`` when that would take more than :data:`PROBED_LINES` tests."""
    wanted = query.limit + 1
    if wanted > PROBED_LINES:
        return None
    direction = "DESC" if query.newest_first else "ASC"
    order = f" ORDER BY r.ts_ns {direction}, r.rowid {direction}"
    listed = (
        f"SELECT r.rowid FROM records r INDEXED BY {LINES_INDEX}"  # noqa: S608
        f" WHERE {' AND '.join(where)}{order} LIMIT ?"
    )
    lines = [row[0] for row in rows(listed, [*params, PROBED_LINES + 1])]
    tests = min(len(lines), PROBED_LINES)
    matched: list[int] = []
    tested, batch = 0, PROBE_BATCH
    while len(matched) < wanted and tested < tests:
        if tested * wanted > PROBED_LINES * len(matched):
            return None  # at this rate the page would take more tests than that
        part = lines[tested : min(tested + batch, tests)]
        marks = ",".join("?" * len(part))
        test = f"SELECT rowid FROM records_fts WHERE records_fts MATCH ? AND rowid IN ({marks})"  # noqa: S608
        hits = {row[0] for row in rows(test, [match, *part])}
        matched += [rowid for rowid in part if rowid in hits]
        tested += len(part)
        batch *= 2
    if len(matched) < wanted and len(lines) > tests:
        return None  # more of the window is left than the tests may take
    page = matched[:wanted]
    if not page:
        return []
    sql = f"SELECT {_LINE_COLUMNS} FROM records r WHERE r.rowid IN ({','.join('?' * len(page))})"  # noqa: S608
    return rows(sql + order, page)


def _page(found: list[Any], query: LogQuery) -> LogPage:
    """*found* (up to ``limit + 1`` rows in the query's order) as a page and its cursor."""
    more = len(found) > query.limit
    found = found[: query.limit]
    next_cursor = None
    if more:
        last = found[-1]
        next_cursor = cursors.encode(order_name(query), [last[1], last[0]])
    return LogPage([_line(row) for row in found], next_cursor)


def _candidates(rows: Rows, query: LogQuery, since: int, until: int) -> int:
    """Lines of *query*'s services and levels in ``[since, until)``, counted up to
    :data:`MATCH_LIST_CANDIDATES` on the log-line index."""
    where = ["r.hop_kind IS NULL", "r.ts_ns >= ?", "r.ts_ns < ?"]
    params: list[Any] = [since, until]
    chosen, values = _services_and_levels(query, "r.")
    where += chosen
    params += values
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM records r WHERE {' AND '.join(where)}"  # noqa: S608
        " LIMIT ?)"
    )
    return int(rows(sql, [*params, MATCH_LIST_CANDIDATES])[0][0])


def _arms(rows: Rows, query: LogQuery) -> tuple[list[str], list[list[Any]]]:
    """The query's conditions as one or several arms: with services (and levels) named,
    one per service and level, each a range of the log-line index in time order."""
    where, params = _filters(rows, query, split=True)
    levels = levels_from(query.min_level)
    if (
        not query.services
        or query.trace_id is not None
        or query.include_hops
        or query.kind == "unstructured"
    ):
        chosen, chosen_params = _services_and_levels(query, _service_prefix(query))
        return [" AND ".join([*where, *chosen])], [[*params, *chosen_params]]
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


def _service_prefix(query: LogQuery) -> str:
    """How the service and level conditions name their columns: ``+r.`` for unstructured
    lines, so that their own index leads (they are few; a service's lines are many)."""
    return "+r." if query.kind == "unstructured" else "r."


def _filters(rows: Rows, query: LogQuery, *, split: bool) -> tuple[list[str], list[Any]]:
    """Conditions of *query*; with ``split`` the services and levels are left to
    :func:`_arms`."""
    where, params = _time_range(query, "r.ts_ns")
    if not query.include_hops:
        where.append("r.hop_kind IS NULL")
    if query.kind != "both":
        # A constant, not a parameter: the planner takes the partial index
        # records_unstructured only for a condition it can see implies the index's own.
        where.append(f"r.unstructured = {1 if query.kind == 'unstructured' else 0}")
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
        chosen, values = _services_and_levels(query, _service_prefix(query))
        where += chosen
        params += values
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
