"""Histograms run in parts side by side, each on a read connection of its own: the bars are
those of the parts run one by one on the store's connection, whatever the number of parts."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashboards.store import LogQuery, StoreError, sqlite_logs
from dashboards.store.sqlite_logs import log_histogram
from dashboards.store.sqlite_parts import MAX_PARTS, OneByOne, SideBySide
from tests.dashboards.conftest import T0
from tests.dashboards.store.test_sqlite_layout import _common_words_store


class Recorded(SideBySide):
    """:class:`SideBySide` that keeps what each part was given and the thread it ran on."""

    def __init__(self, path: Path, parts: int) -> None:
        super().__init__(path, parts)
        self.calls: list[tuple[str, int]] = []
        self.threads: set[int] = set()

    def __call__(self, sql: str, each: Any) -> list[list[Any]]:
        self.calls.append((sql, len(each)))
        return super().__call__(sql, each)

    def _run(self, sql: str, params: Any) -> list[Any]:
        self.threads.add(threading.get_ident())
        return super()._run(sql, params)


@pytest.mark.parametrize("parts", [2, 3, 4])
def test_histograms_in_parts_are_the_histograms_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int
) -> None:
    services = ("cart", "payments", "search")
    path = tmp_path / "hopscope.db"
    monkeypatch.setattr(sqlite_logs, "RARE_MATCHES", 500)
    expected = _common_words_store(path, services, common=500)
    # More candidates than this: every match is looked up on the keys index, in parts.
    monkeypatch.setattr(sqlite_logs, "MATCH_LIST_CANDIDATES", 100)
    queries = [
        LogQuery(words=("cache",), services=services, min_level="debug"),
        LogQuery(words=("cache",), services=services[:2], min_level="warning"),
        LogQuery(words=("cache",), kind="structured"),
        LogQuery(),
        LogQuery(services=("cart",)),
        LogQuery(min_level="error", services=services),
    ]
    db = sqlite3.connect(path, check_same_thread=False)
    side = Recorded(path, parts)

    def rows(sql: str, params: Any) -> list[Any]:
        return db.execute(sql, params).fetchall()

    try:
        for query in queries:
            for since, until, buckets in ((T0, T0 + 10**11, 10), (T0 + 10**7, T0 + 7 * 10**7, 60)):
                bounded = replace(query, since_ns=since, until_ns=until)
                alone = log_histogram(rows, bounded, buckets, OneByOne(rows))
                assert log_histogram(rows, bounded, buckets, side) == alone, query
        everything = log_histogram(
            rows, replace(queries[0], since_ns=T0, until_ns=T0 + 10**11), 10, side
        )
    finally:
        side.close()
        db.close()
    assert sum(count for _, _, count in everything) == len(expected)
    assert {n for _, n in side.calls} == {parts}
    assert len(side.threads) > 1


def test_a_part_that_fails_says_which_store(tmp_path: Path) -> None:
    path = tmp_path / "hopscope.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    side = SideBySide(path, 2)
    try:
        with pytest.raises(StoreError, match=r"SQLite store .*hopscope\.db: no such table"):
            side("SELECT * FROM nowhere WHERE ? = ?", [[1, 1], [2, 2]])
        # The connections stay usable after a failed part.
        assert side("SELECT count(*) FROM t WHERE ? = ?", [[1, 1], [1, 2]]) == [[(0,)], [(0,)]]
    finally:
        side.close()


def test_parts_read_only_connections_and_are_at_most_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "hopscope.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    assert SideBySide(path, 64).parts == MAX_PARTS
    assert SideBySide(path, 0).parts == 1
    side = SideBySide(path, 2)
    try:
        with pytest.raises(StoreError, match="readonly"):
            side("INSERT INTO t VALUES (?)", [[1], [2]])
    finally:
        side.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone() == (0,)
