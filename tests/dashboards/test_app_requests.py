"""The requests page under ``AppTest``, on a store filled by the real collector: the
table, filters from the URL and from the widgets (written back to the URL), paging,
opening a trace from a row, and clear errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashboards.ui import requests_page
from tests.dashboards import app_store
from tests.dashboards.app_driver import run_app, spec, tables, texts

NEWEST_FIRST = [app_store.MISSING, app_store.SEARCH, app_store.CART, app_store.CHECKOUT]


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.small_store(tmp_path_factory)


def requests_table(app: Any) -> dict[str, list[Any]]:
    (table,) = [t for t in tables(app) if "trace_id" in t]
    return table


def test_the_table_lists_every_request_newest_first(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store)
    assert [t.value for t in app.title] == ["Requests"]
    table = requests_table(app)
    assert table["trace_id"] == NEWEST_FIRST
    assert table["request"] == ["GET /items/{id}", "GET /search", "GET /cart", "POST /checkout"]
    assert table["duration_ms"] == [5.0, 900.0, 50.0, 400.0]
    assert table["status"] == [404, 200, 200, 502]
    assert table["errors"] == ["", "", "", "failed"]
    assert table["hops"] == [1, 3, 3, 7]
    assert table["services"][3] == "gateway, orders, payments"
    assert table["link"][0] == f"?page=trace&trace={app_store.MISSING}"
    assert app.query_params == {"page": "requests"}


def test_the_latency_histogram_has_every_duration(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store)
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    assert sorted(figure["data"][0]["x"]) == [5.0, 50.0, 400.0, 900.0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"errors": "1"}, [app_store.CHECKOUT]),
        ({"status": "4xx"}, [app_store.MISSING]),
        ({"route": "/search"}, [app_store.SEARCH]),
        ({"method": "POST"}, [app_store.CHECKOUT]),
        ({"min": "100", "max": "500"}, [app_store.CHECKOUT]),
        ({"q": "reserving stock"}, [app_store.CHECKOUT]),
        ({"tid": app_store.CART}, [app_store.CART]),
        ({"attr": "url.query=q=shoes"}, [app_store.SEARCH]),
        (
            {"order": "slowest"},
            [app_store.SEARCH, app_store.CHECKOUT, app_store.CART, app_store.MISSING],
        ),
        (
            {"range": "custom", "from": "2026-11-25T12:00:00.500", "to": "2026-11-25T12:00:03"},
            [app_store.SEARCH, app_store.CART],
        ),
    ],
)
def test_filters_come_from_the_url(
    monkeypatch: Any, store: str, params: dict[str, str], expected: list[str]
) -> None:
    app = run_app(monkeypatch, store, **params)
    assert requests_table(app)["trace_id"] == expected


def test_the_service_filter_lists_the_store_services(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, service="search")
    service = app.selectbox(key="rq_service")
    assert service.options == ["any", "cart", "gateway", "orders", "payments", "search"]
    assert service.value == "search"
    # No request starts at the search service: its hops are all inside gateway's requests.
    assert texts(app, "info") == ["No request matches these filters."]


def test_widgets_write_the_filters_to_the_url(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store)
    app.checkbox(key="rq_errors").check().run()
    app.selectbox(key="rq_method").select("POST").run()
    app.text_input(key="rq_text").input("reserving").run()
    assert requests_table(app)["trace_id"] == [app_store.CHECKOUT]
    assert app.query_params == {
        "page": "requests",
        "errors": "1",
        "method": "POST",
        "q": "reserving",
    }


def test_picking_a_row_opens_its_trace(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store)
    app.session_state[requests_page.TABLE_KEY] = {
        "selection": {"rows": [3], "columns": [], "cells": []}
    }
    app.run()
    assert [t.value for t in app.title] == ["Trace"]
    assert app.query_params["trace"] == app_store.CHECKOUT
    assert app.query_params["page"] == "trace"
    assert "The request failed. First failing hop:" in texts(app, "error")


def test_pages_of_requests_follow_the_cursor(monkeypatch: Any, store: str) -> None:
    monkeypatch.setattr(requests_page, "PAGE_SIZE", 3)
    app = run_app(monkeypatch, store)
    assert requests_table(app)["trace_id"] == NEWEST_FIRST[:3]
    (forward,) = [b for b in app.button if b.label == "Next page →"]
    forward.click().run()
    assert requests_table(app)["trace_id"] == NEWEST_FIRST[3:]
    assert not [b for b in app.button if b.label == "Next page →"]
    (back,) = [b for b in app.button if b.label == "← Previous page"]
    back.click().run()
    assert requests_table(app)["trace_id"] == NEWEST_FIRST[:3]


def test_a_bad_attribute_filter_is_explained(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, attr="no.such.field=1")
    assert texts(app, "warning") == ["A filter cannot be used as typed."]
    assert any("no.such.field" in c for c in texts(app, "code"))
    app = run_app(monkeypatch, store, attr="just words")
    assert any("is not field=value" in c for c in texts(app, "code"))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://nowhere:1", "unknown store URL"),
        ("sqlite:////nonexistent/dir/x.db", "no hopscope store at /nonexistent/dir/x.db"),
        ("opensearch+http://127.0.0.1:1", "ConnectionError"),
    ],
)
def test_an_unusable_store_is_explained(monkeypatch: Any, url: str, reason: str) -> None:
    for page in ("requests", "trace", "services"):
        app = run_app(monkeypatch, url, page=page, trace=app_store.CART)
        assert texts(app, "error") == ["The store cannot be opened."]
        assert any(reason in c for c in texts(app, "code"))


def test_the_store_password_is_never_shown(monkeypatch: Any) -> None:
    app = run_app(monkeypatch, "opensearch+http://admin:s3cret@127.0.0.1:1")
    shown = texts(app, "code")
    assert "opensearch+http://admin:***@127.0.0.1:1" in shown  # the sidebar's store
    assert texts(app, "error") == ["The store cannot be opened."]
    assert not any("s3cret" in text for text in shown)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("opensearch+http://TOKEN-S3CRET@127.0.0.1:1", "opensearch+http://***@127.0.0.1:1"),
        ("sqlite://user:s3cret@host/x.db", "sqlite://user:***@host/x.db"),
        ("redis://user:s3cret@nowhere:1/?token=s3cret", "redis://user:***@nowhere:1/?token=***"),
    ],
)
def test_no_store_secret_is_shown_in_the_box_or_the_error(
    monkeypatch: Any, url: str, shown: str
) -> None:
    app = run_app(monkeypatch, url)
    codes = texts(app, "code")
    assert shown in codes  # the sidebar's store
    assert texts(app, "error") == ["The store cannot be opened."]
    assert not any("S3CRET" in text.upper() for text in codes)
