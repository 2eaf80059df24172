from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.delivery.retention import RetentionPolicy, apply_retention
from collector.sinks import SinkURLError, open_sink
from collector.sinks.base import SinkUnavailable
from collector.sinks.sqlite import SqliteSink
from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.parse import Parser
from collector.transforms.record import CollectedRecord

ORIGIN = Origin("file:abc", "app.log", None, resumable=True)


def records(helpers: Any, count: int, start: int = 0, **extra: Any) -> list[CollectedRecord]:
    lines = [
        Line(n * 10, n * 10 + 10, helpers.valid_line(n, **extra), False)
        for n in range(start, start + count)
    ]
    return Parser().parse(ORIGIN, lines).records


def test_writes_columns_doc_and_full_text(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db")
    batch = records(
        helpers,
        3,
        **{
            "trace.id": "a" * 32,
            "http.route": "/carts/{id}",
            "http.response.status_code": 503,
            "error.type": "Boom",
        },
    )
    batch[1].doc["message"] = "payment declined by the bank"
    result = sink.write(batch)
    assert result.stored == 3
    assert result.rejected == []
    rows = helpers.stored_rows(
        tmp_path / "s.db",
        "SELECT trace_id, route, status, error_type,"
        " service, ts_ns, doc FROM records ORDER BY offset",
    )
    assert rows[0][:5] == ("a" * 32, "/carts/{id}", 503, "Boom", "cart")
    assert rows[0][5] == 1714557600_000000000  # 2024-05-01T10:00:00.000000Z
    assert orjson.loads(rows[1][6])["labels.n"] == 1
    found = helpers.stored_rows(
        tmp_path / "s.db",
        "SELECT r.offset FROM records_fts f JOIN records"
        " r ON r.rowid = f.rowid WHERE records_fts MATCH 'declined'",
    )
    assert found == [(10,)]
    mode = helpers.stored_rows(tmp_path / "s.db", "PRAGMA journal_mode")
    assert mode == [("wal",)]


def test_inserts_are_idempotent(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db")
    batch = records(helpers, 5)
    sink.write(batch)
    again = sink.write(batch[2:] + records(helpers, 2, start=5))
    assert again.stored == 5  # duplicates count as stored: they are
    assert helpers.stored_numbers(tmp_path / "s.db") == list(range(7))


def test_unreal_timestamp_is_rejected_not_lost(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db")
    batch = records(helpers, 3)
    batch[1].doc["@timestamp"] = "2024-13-45T10:00:00Z"  # passes the pattern, not a date
    result = sink.write(batch)
    assert result.stored == 2
    assert [(r.id, "not a real date" in reason) for r, reason in result.rejected] == [
        (batch[1].id, True)
    ]


def test_locked_database_makes_the_sink_unavailable(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db", busy_timeout_seconds=0.1)
    other = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(SinkUnavailable, match="locked"):
        sink.write(records(helpers, 2))
    other.execute("ROLLBACK")
    assert sink.write(records(helpers, 2)).stored == 2


def test_reader_sees_committed_batches_while_writer_writes(tmp_path: Path, helpers: Any) -> None:
    path = tmp_path / "s.db"
    sink = SqliteSink(path)
    sink.write(records(helpers, 1))
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        reader = sqlite3.connect(path)
        while not done.is_set():
            seen.append(reader.execute("SELECT count(*) FROM records").fetchone()[0])
        reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    for start in range(1, 2001, 200):
        sink.write(records(helpers, 200, start=start))
    done.set()
    thread.join()
    assert seen == sorted(seen)  # never a half-written batch, never going back
    assert all((count - 1) % 200 == 0 for count in seen)
    assert helpers.stored_rows(path, "SELECT count(*) FROM records") == [(2001,)]


def test_retention_by_age_and_size(tmp_path: Path, helpers: Any) -> None:
    path = tmp_path / "s.db"
    sink = SqliteSink(path)
    for start in range(0, 3000, 500):
        sink.write(records(helpers, 500, start=start))
    db = sqlite3.connect(path, isolation_level=None)
    # records are at 2024-05-01T10:MM:SS: keep the last 10 minutes of that hour
    now_ns = 1714557600_000000000 + 50 * 60 * 1_000_000_000
    deleted = apply_retention(db, RetentionPolicy(max_age_seconds=600), now_ns=now_ns)
    remaining = [orjson.loads(d)["@timestamp"] for (d,) in db.execute("SELECT doc FROM records")]
    assert deleted > 0
    assert all(ts >= "2024-05-01T10:40" for ts in remaining)
    assert helpers.stored_rows(path, "SELECT count(*) FROM records_fts")[0][0] == len(remaining)
    apply_retention(db, RetentionPolicy(max_bytes=100 * 1024))
    from collector.delivery.retention import used_bytes

    assert used_bytes(db) <= 100 * 1024
    db.close()


def test_open_sink_urls(tmp_path: Path) -> None:
    sink = open_sink(f"sqlite:///{tmp_path}/x.db")
    assert isinstance(sink, SqliteSink)
    assert sink.path == tmp_path / "x.db"
    sink.close()
    for url, message in [
        ("ftp://x", "unknown scheme 'ftp'"),
        ("nowhere", "no scheme"),
        ("sqlite://", "expected sqlite:///"),
        ("gelf+tcp://", "no host"),
    ]:
        with pytest.raises(SinkURLError, match=message):
            open_sink(url)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SinkURLError, match="cannot create"):
        open_sink(f"sqlite:///{blocker}/sub/x.db")


def test_the_sink_applies_its_retention_while_writing(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db", retention=RetentionPolicy(max_age_seconds=3600))
    old = records(helpers, 3)  # 2024: far older than an hour
    fresh = records(helpers, 2, start=10)
    for record in fresh:
        record.doc["@timestamp"] = "2200-01-01T00:00:00.000000Z"
    sink.write(old + fresh)
    assert helpers.stored_numbers(tmp_path / "s.db") == [10, 11]


def test_values_past_64_bits_are_stored_clamped_and_marked(tmp_path: Path, helpers: Any) -> None:
    sink = SqliteSink(tmp_path / "s.db")
    batch = records(helpers, 5)
    batch[1].doc["@timestamp"] = "2999-01-01T00:00:00.000000Z"  # past 2262 in nanoseconds
    batch[2].doc["event.duration"] = 2**63 + 5  # valid JSON and schema; orjson reads it as int
    batch[3].doc["@timestamp"] = "1500-01-01T00:00:00.000000Z"  # before 1677
    batch[3].doc["event.duration"] = 2**63
    result = sink.write(batch)
    assert (result.stored, result.rejected) == (5, [])
    rows = {
        rid: (ts_ns, duration, unindexed, orjson.loads(doc))
        for rid, ts_ns, duration, unindexed, doc in helpers.stored_rows(
            tmp_path / "s.db", "SELECT id, ts_ns, duration_ns, unindexed, doc FROM records"
        )
    }
    top, bottom = 2**63 - 1, -(2**63)
    assert rows[batch[1].id][:3] == (top, None, "@timestamp")
    assert rows[batch[2].id][1:3] == (top, "event.duration")
    assert rows[batch[3].id][:3] == (bottom, top, "@timestamp,event.duration")
    assert [rows[b.id][2] for b in (batch[0], batch[4])] == [None, None]
    for record in batch:  # the documents as written
        assert rows[record.id][3] == record.doc
    assert rows[batch[2].id][3]["event.duration"] == 2**63 + 5
    assert helpers.stored_numbers(tmp_path / "s.db") == [0, 1, 2, 3, 4]
