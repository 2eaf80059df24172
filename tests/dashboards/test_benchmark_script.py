"""The dashboard queries benchmark stays runnable, and what it generates is real data: every
generated document is valid against the record schema and rebuilds into the intended shape.
(No timing is asserted here; the figures belong to the benchmark itself.)"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import orjson
import pytest
from hopscope_testing import load_module

from collector.transforms.record import record_id
from dashboards import build_tree, open_store, summarize
from sdk import schema

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboard_queries.py"
LOGS_SCRIPT = SCRIPT.with_name("logs_queries.py")


def load_script() -> ModuleType:
    return load_module(SCRIPT, "dashboard_queries")


def test_generated_store_is_schema_valid_with_big_traces(tmp_path: Path) -> None:
    bench = load_script()
    path = tmp_path / "store.db"
    bench.generate(path, 6000)
    db = sqlite3.connect(path)
    docs = [orjson.loads(row[0]) for row in db.execute("SELECT doc FROM records")]
    assert 5000 <= len(docs) <= 7000
    for doc in docs:
        schema.validate(doc)
    db.close()
    with open_store(f"sqlite:///{path}") as store:
        (big,) = bench.big_traces(store)
        tree = build_tree(store.fetch_trace(big).records)
    summary = summarize(tree)
    assert summary.hop_count == 1 + 2 * bench.BIG_CALLS
    assert summary.root_service == "gateway"
    assert not tree.unattached_logs


@pytest.mark.slow
def test_benchmark_runs_and_prints_the_figures(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--records",
            "6000",
            "--repeat",
            "1",
            "--skip-search",
            "--cache",
            str(tmp_path),
        ],
        capture_output=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "fetch + rebuild 1201-hop trace" in out
    assert "requests search, latest 50 (50 rows)" in out
    assert "faster than Jaeger's ~1.3 s" in out
    assert (tmp_path / "store-6000.db").is_file()


def test_generated_records_are_the_raw_lines_with_the_collectors_ids(tmp_path: Path) -> None:
    bench = load_script()
    path = tmp_path / "store.db"
    bench.generate(path, 3000)
    raw = bench.raw_lines(path).read_bytes()
    db = sqlite3.connect(path)
    rows = db.execute("SELECT id, source, offset, doc FROM records ORDER BY offset").fetchall()
    db.close()
    assert len(rows) == raw.count(b"\n")
    for rid, source, offset, doc in rows:
        stored = orjson.loads(doc)
        line = raw[offset : raw.index(b"\n", offset)]
        added = {
            "hopscope.record.id": rid,
            "hopscope.source.name": source,
            "hopscope.source.offset": offset,
        }
        assert stored == orjson.loads(line) | added
        assert rid == record_id(source, offset)


@pytest.mark.slow
def test_logs_benchmark_runs_and_prints_the_figures(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(LOGS_SCRIPT),
            "--records",
            "6000",
            "--repeat",
            "1",
            "--scan-repeat",
            "1",
            "--follow-lines",
            "2",
            "--skip-search",
            "--cache",
            str(tmp_path),
        ],
        capture_output=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "newest 100 lines, 'payment declined', payments, >= warning" in out
    assert "context of a line, 50 + 50" in out
    assert "histogram over 24 h, no filter" in out
    assert "one trace's lines, 1,201-hop trace, all its lines" in out
    assert "grep -c -i -F 'payment declined'" in out
    assert "--follow, stored -> printed" in out
