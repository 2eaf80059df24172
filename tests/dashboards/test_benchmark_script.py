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
from hopscope_testing import load_module

from dashboards import build_tree, open_store, summarize
from sdk import schema

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboard_queries.py"


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
