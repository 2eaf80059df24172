"""Store URLs: by default the dashboards read the file the collector writes by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.sinks import DEFAULT_SINK_URL, open_sink
from dashboards.store.url import STORE_ENV, default_store_url, open_store
from tests.dashboards.conftest import TraceBuilder, with_ids


def test_the_default_store_is_where_the_collector_writes_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(STORE_ENV, raising=False)
    trace = TraceBuilder()
    trace.server("cart", "/checkout", 0, 12)
    sink = open_sink(DEFAULT_SINK_URL)
    try:
        assert sink.write(with_ids(trace.records)).stored == 1
    finally:
        sink.close()

    assert default_store_url() == DEFAULT_SINK_URL
    with open_store() as store:
        found = store.fetch_trace(trace.trace_id).records
    assert [r["span.id"] for r in found] == [r["span.id"] for r in trace.records]
    assert (tmp_path / ".hopscope" / "hopscope.db").is_file()
