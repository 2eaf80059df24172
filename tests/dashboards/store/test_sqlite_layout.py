"""The SQLite store reads the collector's file and never changes it: the layout, indexes
included, is the writer's (:mod:`sdk.schema.sqlite_layout`); the log-line questions run on
the index the writer keeps for them."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from dashboards import RequestQuery, open_store
from dashboards.store import LogQuery
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
