"""The SQLite store reads the collector's file and never changes it: the layout, indexes
included, is the writer's (:mod:`sdk.schema.sqlite_layout`); the log-line questions run on
the index the writer keeps for them."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashboards import RequestQuery, open_store
from dashboards.store import LogQuery, sqlite_logs
from dashboards.store.logs import LineKind, bucket_width, levels_from, sort_bars
from dashboards.store.sqlite_logs import RARE_MATCHES, log_histogram, search_logs
from tests.dashboards.conftest import T0
from tests.dashboards.log_lines import write_sqlite_lines


def _layout(path: Path) -> list[tuple[str, str, str | None]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        db.close()


@pytest.fixture
def older_file(tmp_path: Path) -> Path:
    """A store the collector wrote before some of today's indexes existed."""
    path = tmp_path / "hopscope.db"
    write_sqlite_lines(path)
    db = sqlite3.connect(path)
    db.execute("DROP INDEX IF EXISTS records_log_lines")
    db.execute("DROP INDEX records_ts")
    db.close()
    return path


def test_reading_leaves_the_writers_layout_as_it_is(older_file: Path) -> None:
    before = _layout(older_file)
    with open_store(f"sqlite:///{older_file}") as store:
        assert store.find_requests(RequestQuery()).items
        assert store.search_logs(LogQuery(services=("cart",), min_level="warning")).lines
        store.services()
    assert _layout(older_file) == before
    assert "records_log_lines" not in {name for _, name, _ in before}


def test_service_and_level_searches_use_the_writers_log_line_index(tmp_path: Path) -> None:
    path = tmp_path / "hopscope.db"
    write_sqlite_lines(path)
    db = sqlite3.connect(path)
    plans: list[str] = []

    def rows(sql: str, params: object) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    try:
        page = search_logs(rows, LogQuery(services=("cart", "payments"), min_level="warning"))
    finally:
        db.close()
    assert page.lines
    assert {line.service for line in page.lines} <= {"cart", "payments"}
    assert any("USING INDEX records_log_lines" in plan for plan in plans), plans


def test_common_words_are_read_once_not_probed_per_line(tmp_path: Path) -> None:
    """More matches than the rare-word plan takes: the log-line index leads and the
    matching rows come from the full-text index once, as a list, not one probe a line."""
    path = tmp_path / "hopscope.db"
    write_sqlite_lines(path)
    db = sqlite3.connect(path, isolation_level=None)
    extra = [
        (f"x{n:027x}", T0 + n, "cart", "debug", "cache miss", f'{{"message": "cache miss {n}"}}')
        for n in range(RARE_MATCHES)
    ]
    db.executemany(
        "INSERT INTO records (id, ts_ns, service, level, message, doc) VALUES (?, ?, ?, ?, ?, ?)",
        extra,
    )
    db.execute("INSERT INTO records_fts (records_fts) VALUES ('rebuild')")
    plans: list[str] = []

    def rows(sql: str, params: object) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    query = LogQuery(words=("cache",), services=("cart",), min_level="debug")
    try:
        page = search_logs(rows, query)
        bars = log_histogram(rows, replace(query, since_ns=T0, until_ns=T0 + 10**12), 10)
    finally:
        db.close()
    assert len(page.lines) == 100
    assert sum(count for _, _, count in bars) >= RARE_MATCHES
    assert any("USING INDEX records_log_lines" in plan for plan in plans), plans
    assert not any("CORRELATED" in plan for plan in plans), plans


def _common_words_store(
    path: Path, services: tuple[str, ...], common: int
) -> list[tuple[int, int, str]]:
    """:func:`write_sqlite_lines` and more than *common* lines mentioning
    ``cache`` spread over *services* and every level (some unstructured, some hops, some
    without the word): the matching lines as (time, rowid, level)."""
    write_sqlite_lines(path)
    db = sqlite3.connect(path, isolation_level=None)
    levels = ("debug", "info", "warning", "error", "critical")
    extra = []
    for n in range(common + 600):
        service, level = services[n % len(services)], levels[n // 7 % len(levels)]
        message = "cache miss" if n % 11 else "stock low"
        hop = "server" if n % 13 == 0 else None
        at = T0 + (n * 7919) % 100_000 * 1000  # not in the order stored
        doc = f'{{"message": "{message} {n}"}}'
        extra.append((f"x{n:027x}", at, service, level, message, hop, n % 5 == 0, doc))
    db.executemany(
        "INSERT INTO records (id, ts_ns, service, level, message, hop_kind, unstructured, doc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        extra,
    )
    db.execute("INSERT INTO records_fts (records_fts) VALUES ('rebuild')")
    found = db.execute(
        "SELECT ts_ns, rowid, level, service FROM records"
        " WHERE hop_kind IS NULL AND message LIKE '%cache%'"
    ).fetchall()
    db.close()
    return [(ns, rowid, level) for ns, rowid, level, service in found if service in services]


@pytest.mark.parametrize(
    ("window", "probed"), [(5, False), (50, False), (10_000, False), (50, True), (10_000, True)]
)
def test_common_words_in_many_ranges_are_looked_up_on_the_keys_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int, probed: bool
) -> None:
    """Common words over more service-and-level ranges than a list of matches per range
    pays for: the page is looked for among each range's newest *window* lines (with
    *probed*, their newest lines tested one by one first, as for a window spread over many
    rowids), else the matches lead, each checked on ``records_log_keys`` (not its row); the
    pages, cursors and bars are those of the plans a file without that index gets."""
    services = ("cart", "payments", "search")
    path = tmp_path / "hopscope.db"
    # Words are common from 500 matches on here (5,000 in use): the plans are the same,
    # and paging through a tenth of the lines twice for each plan is a tenth of the time.
    monkeypatch.setattr(sqlite_logs, "RARE_MATCHES", 500)
    expected = _common_words_store(path, services, common=500)
    monkeypatch.setattr(sqlite_logs, "MATCH_LIST_CANDIDATES", 100)
    monkeypatch.setattr(sqlite_logs, "WINDOW_LINES", window)
    if probed:
        monkeypatch.setattr(sqlite_logs, "PROBE_SPAN", 0)
        monkeypatch.setattr(sqlite_logs, "PROBE_BATCH", 8)
        monkeypatch.setattr(sqlite_logs, "PROBED_LINES", 200)
    query = LogQuery(words=("cache",), services=services, min_level="debug", limit=70)
    queries = [
        query,
        replace(query, newest_first=False),
        replace(query, min_level="warning", kind="structured"),
        replace(query, since_ns=T0 + 20_000_000, until_ns=T0 + 60_000_000),
        replace(query, words=("stock",), min_level="info"),
        replace(query, words=("stock",), newest_first=False, limit=20),
        # No line of the service, or none at the levels asked: an empty page, not an error.
        replace(query, services=("nobody",)),
        replace(query, services=("cart", "nobody"), min_level="critical", kind="structured"),
    ]

    def answers(db: sqlite3.Connection, plans: list[str]) -> list[Any]:
        def rows(sql: str, params: object) -> list[object]:
            explained = db.execute(f"EXPLAIN QUERY PLAN {sql}", params)  # type: ignore[arg-type]
            plans.extend(str(row[-1]) for row in explained)
            tested[0] += "records_fts MATCH ? AND rowid IN (" in sql
            return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

        out: list[Any] = []
        for each in queries:
            pages = [search_logs(rows, each)]
            while pages[-1].next_cursor is not None:
                pages.append(search_logs(rows, replace(each, cursor=pages[-1].next_cursor)))
            out.append([(line.record_id, line.time_ns) for page in pages for line in page.lines])
            since = T0 if each.since_ns is None else each.since_ns
            until = T0 + 10**11 if each.until_ns is None else each.until_ns
            out.append(log_histogram(rows, replace(each, since_ns=since, until_ns=until), 10))
        return out

    tested = [0]
    keyed: list[str] = []
    db = sqlite3.connect(path)
    try:
        with_keys = answers(db, keyed)
        db.execute("DROP INDEX records_log_keys")
        listed: list[str] = []
        without = answers(db, listed)
    finally:
        db.close()
    assert any("COVERING INDEX records_log_keys" in plan for plan in keyed), keyed
    assert not any("records_log_keys" in plan for plan in listed), listed
    assert with_keys == without
    assert bool(tested[0]) == probed
    newest = sorted(expected, reverse=True)
    assert [ns for _, ns in with_keys[0]] == [ns for ns, _, _ in newest]
    assert sum(count for _, _, count in with_keys[1]) == len(expected)


@pytest.mark.parametrize("kind", ["both", "structured", "unstructured"])
def test_histograms_without_words_count_each_bucket_on_the_log_line_index(
    tmp_path: Path, kind: LineKind
) -> None:
    """A histogram without words (the Logs page as it opens) counts the lines of each bucket
    of each service-and-level range on ``records_log_lines``: nothing read from the rows and
    the lines never sorted (on 10M records the sort alone took 2.4 s, and the plan the
    planner chose read every row: 56 s). A line without a level counts as info, in the same
    bar as the info lines; lines without a service, and levels another writer used, count.
    Unstructured lines are read on their own index (``records_unstructured``), and the
    structured ones are all the lines less those (on 10M records: 11 s to 36 ms)."""
    path = tmp_path / "hopscope.db"
    write_sqlite_lines(path)
    db = sqlite3.connect(path, isolation_level=None)
    services = ("cart", "payments", None)
    levels = ("debug", "info", "warning", "error", "critical", None, "notice")
    extra = []
    for n in range(3000):
        service, level = services[n % 3], levels[n // 5 % len(levels)]
        hop = "server" if n % 17 == 0 else None
        at = T0 + (n * 7919) % 100_000 * 1000
        doc = '{"message": "x"}'
        extra.append((f"y{n:027x}", at, service, level, f"line {n}", hop, n % 11 == 0, doc))
    db.executemany(
        "INSERT INTO records (id, ts_ns, service, level, message, hop_kind, unstructured, doc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        extra,
    )
    lines = db.execute(
        "SELECT ts_ns, service, level, unstructured FROM records WHERE hop_kind IS NULL"
    ).fetchall()
    assert {unstructured for *_, unstructured in lines} == {0, 1}
    plans: list[str] = []

    def rows(sql: str, params: object) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[arg-type]
        return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def expected(query: LogQuery, since: int, until: int, buckets: int) -> list[Any]:
        width = bucket_width(since, until, buckets)
        allowed = levels_from(query.min_level)
        wanted = {"both": {0, 1}, "structured": {0}, "unstructured": {1}}[query.kind]
        counts: dict[tuple[int, str], int] = {}
        for ts_ns, service, level, unstructured in lines:
            if not since <= ts_ns < until or unstructured not in wanted:
                continue
            if query.services and service not in query.services:
                continue
            if allowed is not None and level not in allowed:
                continue
            key = (since + (ts_ns - since) // width * width, level or "info")
            counts[key] = counts.get(key, 0) + 1
        return sort_bars([(at, level, n) for (at, level), n in counts.items()])

    queries = [
        LogQuery(kind=kind),
        LogQuery(services=("cart",), kind=kind),
        LogQuery(services=("payments", "cart"), min_level="warning", kind=kind),
        LogQuery(min_level="error", kind=kind),
        LogQuery(services=("nobody",), kind=kind),
    ]
    try:
        for query in queries:
            for since, until, buckets in (
                (T0, T0 + 10**8, 7),
                (T0 + 3 * 10**7, T0 + 6 * 10**7 + 1, 60),
                (T0 - 10**9, T0 + 10**12, 1),
            ):
                bounded = replace(query, since_ns=since, until_ns=until)
                bars = log_histogram(rows, bounded, buckets)
                assert bars == expected(query, since, until, buckets), (query, since, buckets)
    finally:
        db.close()
    read = [plan for plan in plans if plan.startswith(("SEARCH r ", "SCAN r "))]
    assert read, plans
    on_lines = [plan for plan in read if "INDEX records_log_lines" in plan]
    on_unstructured = [plan for plan in read if "INDEX records_unstructured" in plan]
    assert len(on_lines) + len(on_unstructured) == len(read), read
    assert bool(on_lines) == (kind != "unstructured"), read
    assert bool(on_unstructured) == (kind != "both"), read
    if kind == "both":
        assert not any("TEMP B-TREE" in plan for plan in plans), plans


def test_unstructured_lines_are_read_on_their_own_index(tmp_path: Path) -> None:
    """``hopscope logs --unstructured`` (with services too) walks the few unstructured lines
    on ``records_unstructured``, not every line of the service (on 10M records without one:
    16.8 s, 1.5 s with a service)."""
    path = tmp_path / "hopscope.db"
    write_sqlite_lines(path)
    db = sqlite3.connect(path)
    expected = db.execute(
        "SELECT id FROM records WHERE unstructured = 1 AND hop_kind IS NULL AND service = 'cart'"
        " ORDER BY ts_ns DESC, rowid DESC"
    ).fetchall()
    plans: list[str] = []

    def rows(sql: str, params: object) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[arg-type]
        return db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    try:
        cart = search_logs(rows, LogQuery(kind="unstructured", services=("cart", "payments")))
        every = search_logs(rows, LogQuery(kind="unstructured"))
    finally:
        db.close()
    assert expected
    assert [line.record_id for line in cart.lines if line.service == "cart"] == [
        rid for (rid,) in expected
    ]
    assert every.lines
    assert all(line.unstructured for line in every.lines)
    read = [plan for plan in plans if plan.startswith(("SEARCH r ", "SCAN r "))]
    assert read, plans
    assert all("INDEX records_unstructured" in plan for plan in read), read
