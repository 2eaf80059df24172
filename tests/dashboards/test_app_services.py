"""The services page under ``AppTest``, on a store filled by the real collector: the
dependency map with per-edge counts, error rate and p95, per-service statistics and
per-route latency percentiles over time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboards.records import from_ns
from tests.dashboards import app_store
from tests.dashboards.app_driver import run_app, spec, tables
from tests.dashboards.conftest import T0


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.small_store(tmp_path_factory)


def table_with(app: Any, column: str, *, without: str | None = None) -> dict[str, list[Any]]:
    (table,) = [t for t in tables(app) if column in t and (without is None or without not in t)]
    return table


def test_the_dependency_map_has_counts_errors_and_p95(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="services")
    assert [t.value for t in app.title] == ["Services"]
    (dot,) = spec(app, "graphviz_chart")
    assert '"orders" -> "payments" [label="2 calls\\n100.0% errors\\np95 160.0 ms"' in dot
    assert '"gateway" -> "cart" [label="1 call\\n0.0% errors\\np95 40.0 ms"' in dot
    edges = table_with(app, "caller")
    assert list(
        zip(edges["caller"], edges["callee"], edges["calls"], edges["errors"], strict=True)
    ) == [
        ("gateway", "cart", 1, 0),
        ("gateway", "orders", 1, 1),
        ("gateway", "search", 1, 0),
        ("orders", "payments", 2, 2),
    ]
    assert edges["p95 ms"][3] == 160.0


def test_service_statistics(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="services")
    services = table_with(app, "requests", without="route")
    assert services["service"] == ["cart", "gateway", "orders", "payments", "search"]
    assert services["requests"] == [1, 4, 1, 2, 1]
    assert services["errors"] == [0, 1, 1, 2, 0]
    assert services["error rate"] == [0.0, 25.0, 100.0, 100.0, 0.0]


def test_route_latency_over_time(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="services", service="gateway", pct="p99")
    assert app.selectbox(key="sv_service").value == "gateway"
    routes = table_with(app, "route")
    assert routes["route"] == ["/cart", "/checkout", "/items/{id}", "/search"]
    assert routes["p95 ms"] == [50.0, 400.0, 5.0, 900.0]
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    lines = {t["name"]: t["y"] for t in figure["data"]}
    assert lines == {
        "gateway /cart": [50.0],
        "gateway /checkout": [400.0],
        "gateway /items/{id}": [5.0],
        "gateway /search": [900.0],
    }
    assert figure["layout"]["yaxis"]["title"]["text"] == "p99 latency (ms)"
    assert app.query_params == {"page": "services", "service": "gateway", "pct": "p99"}


def test_an_empty_time_range_says_so(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="services", range="15m")
    # The test data is from a fixed day; it is in the last 15 minutes only on that day.
    newest = from_ns(T0 + 4_000_000_000)
    in_range = datetime.now(UTC) - timedelta(minutes=15) <= newest
    infos = [i.value for i in app.info]
    assert bool(spec(app, "graphviz_chart")) is in_range
    assert ("No service called another in this time range." in infos) is not in_range
    assert app.query_params["range"] == "15m"
