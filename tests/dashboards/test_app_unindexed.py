"""Records with values the SQLite store cannot index (an ``@timestamp`` past 2262, an
``event.duration`` of 2^63 ns or more) are stored by the collector all the same: the trace
page and ``hopscope trace`` show them, and say that the store sorts them by the nearest value
it can hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sdk.schema import parse_timestamp
from tests.dashboards.app_driver import run_app
from tests.dashboards.conftest import TraceBuilder, write_sqlite

FUTURE = "f0" * 16
SLOW = "b1" * 16


def unindexed_records() -> list[dict[str, Any]]:
    future = TraceBuilder(FUTURE, t0_ns=parse_timestamp("2300-01-01T00:00:00Z"))
    root = future.server("gateway", "/future", 0, 100)
    future.log("gateway", root, 5, "from the future")
    slow = TraceBuilder(SLOW)
    slow.server("gateway", "/slow", 0, 100)
    slow.records[0]["event.duration"] = 2**63
    return future.records + slow.records


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "hopscope.db"
    write_sqlite(path, unindexed_records())  # every record stored, none refused
    return f"sqlite:///{path}"


def test_the_trace_page_shows_a_trace_past_2262(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="trace", trace=FUTURE)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Duration"], metrics["Hops"]) == ("100.0 ms", "1")
    (note,) = [i.value for i in app.info if "cannot index" in i.value]
    assert note.startswith("2 record(s) of this trace")
    assert "@timestamp" in note


def test_hopscope_trace_shows_a_duration_past_64_bits(store: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack.cli", "trace", SLOW, "--store", store],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "GET /slow" in result.stdout
    assert "9223372036854.8 ms" in result.stdout  # the duration as written
    assert "1 record(s) of this trace hold a value the store cannot index" in result.stderr
    assert "event.duration" in result.stderr
