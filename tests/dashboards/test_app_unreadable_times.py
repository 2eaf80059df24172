"""The dashboard's pages on a store holding hops whose ``event.start``/``event.end`` name
no real moment (an impossible day, a leap second, stored before the collector refused
them): every page draws, and shows those hops where their other times place them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboards.app_driver import run_app, tables
from tests.dashboards.store.test_unreadable_times import TRACE, sqlite_store


@pytest.fixture
def store(tmp_path: Any) -> str:
    return sqlite_store(tmp_path)


def test_the_trace_page_shows_every_hop(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="trace", trace=TRACE)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Duration"] == "100.0 ms"
    assert metrics["Hops"] == "3"
    assert metrics["Services"] == "2"


def test_the_requests_page_lists_the_request(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store)
    (table,) = [t for t in tables(app) if "trace_id" in t]
    assert table["trace_id"] == [TRACE]
    assert table["duration_ms"] == [100.0]
    assert table["hops"] == [3]


def test_the_services_page_counts_the_hops(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="services")
    (services,) = [t for t in tables(app) if "requests" in t and "route" not in t]
    assert services["service"] == ["gateway", "orders"]
    assert services["requests"] == [1, 1]
