"""The trace page under ``AppTest``, on stores filled by the real collector: a trace
opened by URL, its chain, waterfall, failure, hop details and logs; hostile log content
shown literally; a 10,000-hop trace folded and paged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.dashboards import app_store
from tests.dashboards.app_driver import markdown_texts, of_type, run_app, spec, tables, texts


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.small_store(tmp_path_factory)


@pytest.fixture
def large(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.large_store(tmp_path_factory)


def bars(app: Any) -> dict[str, list[Any]]:
    """Waterfall bars per legend name: the row keys they stand for."""
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    return {t["name"]: t["customdata"] for t in figure["data"]}


def ticks(app: Any) -> list[str]:
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    return [a["text"] for a in figure["layout"]["annotations"]]


def test_a_trace_link_opens_the_chain_with_the_failure(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    assert [t.value for t in app.title] == ["Trace"]
    assert app.text_input(key="tr_id").value == app_store.CHECKOUT
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {
        "Duration": "400.0 ms",
        "Hops": "7",
        "Services": "3",
        "Result": "502 · failed",
    }
    code = texts(app, "code")
    assert any("path: gateway > orders > payments" in c for c in code)
    assert "The request failed. First failing hop:" in texts(app, "error")
    assert "payments POST /pay\npayments.GatewayTimeout: acquirer did not answer" in code
    assert app.query_params["page"] == "trace"
    assert app.query_params["trace"] == app_store.CHECKOUT


def test_the_hop_chain_graph_has_each_call_with_its_latency(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    (dot,) = spec(app, "graphviz_chart")
    assert '__request__ -> "gateway" [label="POST /checkout\\n400.0 ms"' in dot
    assert '"gateway" -> "orders" [label="380.0 ms\\n1 failed"' in dot
    assert '"orders" -> "payments" [label="2 calls\\navg 140.0 ms, max 160.0 ms\\n2 failed"' in dot
    assert '"payments" [color="#d62728"' in dot


def test_the_waterfall_marks_failures_and_the_critical_path(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    labels = ticks(app)
    assert [t.strip("\u2003") for t in labels] == [
        "gateway POST /checkout",
        "gateway → orders POST /orders",
        "orders POST /orders",
        "orders → payments POST /pay (2 attempts)",
        "orders → payments POST /pay",
        "payments POST /pay",
        "orders → payments POST /pay (attempt 2)",
        "payments POST /pay",
    ]
    by_name = bars(app)
    # Every hop of the chain failed (502/503 all the way up): all bars are red.
    assert len(by_name["failed"]) == 8
    assert "critical path" not in by_name


def test_the_ok_trace_shows_its_critical_path(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.SEARCH)
    assert set(bars(app)) == {"critical path"}
    assert not texts(app, "error")
    assert {m.label: m.value for m in app.metric}["Result"] == "200 · ok"


def test_the_first_failure_is_shown_in_detail(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    hop = app.selectbox(key="tr_hop")
    assert hop.options[hop.index].strip() == "payments POST /pay"
    assert app.query_params.get("hop") is None  # the default choice stays out of the URL
    code = texts(app, "code")
    assert "payments.GatewayTimeout: acquirer did not answer — status 503" in code
    assert app_store.STACK in code
    assert '{"amount": 1999, "currency": "EUR"}' in code
    assert "This hop failed." in texts(app, "error")
    logs = [t for t in tables(app) if "message" in t]
    assert logs[0]["message"] == ["charging card ending 4242", app_store.HOSTILE]
    assert logs[0]["level"] == ["info", "warning"]


def test_choosing_another_hop_shows_its_own_logs_in_order(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    hop = app.selectbox(key="tr_hop")
    (orders,) = [n for n, o in enumerate(hop.options) if o.strip() == "orders POST /orders"]
    hop.select_index(orders).run()
    logs = [t for t in tables(app) if "message" in t]
    assert logs[0]["message"] == ["reserving stock", "payment failed after 2 attempts"]
    assert logs[0]["level"] == ["info", "error"]
    assert "This hop failed." in texts(app, "error")  # orders answered 502
    assert app.query_params["hop"] == app.session_state["tr_hop"]


def test_log_content_is_never_rendered_as_markdown_or_html(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    shown_literally = [
        cell for table in tables(app) for column in table.values() for cell in column
    ]
    assert app_store.HOSTILE in shown_literally
    (records,) = [json.loads(t) for t in texts(app, "json")]
    assert app_store.HOSTILE in [r["message"] for r in records]
    assert not of_type(app, "html")
    for text in markdown_texts(app):
        for fragment in ("<script", "onerror", "evil.example", "**bold**", ":red["):
            assert fragment not in text


def test_a_missing_trace_says_so(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace="0" * 32)
    assert texts(app, "warning") == ["The store has no record of this trace."]
    assert not spec(app, "plotly_chart")


def test_a_malformed_trace_id_says_so(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace="<b>nope</b>")
    assert texts(app, "warning") == ["That is not a trace id (32 hex digits)."]
    assert "<b>nope</b>" in texts(app, "code")


def test_the_skew_toggle_moves_hops_of_a_fast_clock(
    monkeypatch: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = app_store.skewed_store(tmp_path_factory)
    app = run_app(monkeypatch, store, trace=app_store.SKEWED)
    assert "skew" not in app.query_params
    # As recorded, inventory answered after the call to it had ended.
    assert sorted(b for bases in starts(app).values() for b in bases) == [0.0, 10.0, 100.0]
    app.toggle(key="tr_skew").set_value(True).run()
    assert app.query_params["skew"] == "1"
    assert sorted(b for bases in starts(app).values() for b in bases) == [0.0, 10.0, 20.0]
    hop = app.selectbox(key="tr_hop")
    (inventory,) = [n for n, o in enumerate(hop.options) if o.strip() == "inventory GET /stock"]
    hop.select_index(inventory).run()
    (facts,) = [t for t in tables(app) if "field" in t]
    assert dict(zip(facts["field"], facts["value"], strict=True))["clock skew adjustment"] == (
        "-80.0 ms"
    )


def starts(app: Any) -> dict[str, list[float]]:
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    return {t["name"]: t["base"] for t in figure["data"]}


def test_the_trace_json_download_is_offered(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    (button,) = of_type(app, "download_button")
    assert button.label == "Download trace JSON"


def test_a_10000_hop_trace_folds_repeats(monkeypatch: Any, large: str) -> None:
    app = run_app(monkeypatch, large, trace=app_store.LARGE)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Hops"], metrics["Result"]) == ("10,000", "200 · a hop failed")
    assert [t.strip("\u2003") for t in ticks(app)] == [
        "gateway GET /report",
        "gateway render report",
        f"\u00d7 {app_store.LARGE_CALLS} calls to cart GET /item",
    ]
    # The folded run holds the failed call: its row is red, and the failure is chosen.
    assert len(bars(app)["failed"]) == 1
    assert "cart.OutOfStock: item 1234 is gone — status 500" in texts(app, "code")
    (dot,) = spec(app, "graphviz_chart")
    assert f'"gateway" -> "cart" [label="{app_store.LARGE_CALLS} calls' in dot


def test_a_10000_hop_trace_unfolded_is_paged_to_the_failure(monkeypatch: Any, large: str) -> None:
    app = run_app(monkeypatch, large, trace=app_store.LARGE, fold="0")
    (pager,) = of_type(app, "pagination")
    failing_row = 2 + app_store.LARGE_FAILING_CALL * 2 + 1
    assert pager.value == failing_row // 100 + 1
    assert app.query_params["wpage"] == str(pager.value)
    assert len(ticks(app)) == 100
    pager.set_value(1).run()
    assert [t.strip("\u2003") for t in ticks(app)][:3] == [
        "gateway GET /report",
        "gateway render report",
        "gateway → cart GET /item",
    ]
    assert "wpage" not in app.query_params


def test_a_hop_link_opens_that_hop(monkeypatch: Any, store: str) -> None:
    (orders,) = [
        r["span.id"]
        for r in app_store.small_records()
        if r.get("hopscope.hop.kind") == "server" and r["service.name"] == "orders"
    ]
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT, hop=orders)
    assert app.selectbox(key="tr_hop").value == orders
    logs = [t for t in tables(app) if "message" in t]
    assert logs[0]["message"] == ["reserving stock", "payment failed after 2 attempts"]
    assert app.query_params["hop"] == orders


def test_a_waterfall_page_link_opens_that_page(monkeypatch: Any, large: str) -> None:
    app = run_app(monkeypatch, large, trace=app_store.LARGE, fold="0", wpage="3")
    (pager,) = of_type(app, "pagination")
    assert pager.value == 3
    assert len(ticks(app)) == 100
    # The failure is on another page; it stays chosen and listed first.
    hop = app.selectbox(key="tr_hop")
    assert hop.index == 0
    assert hop.options[0].startswith("cart GET /item")


def test_a_folded_run_is_shown_as_a_whole(monkeypatch: Any, large: str) -> None:
    app = run_app(monkeypatch, large, trace=app_store.LARGE)
    hop = app.selectbox(key="tr_hop")
    (run,) = [n for n, o in enumerate(hop.options) if o.strip().startswith("\u00d7 ")]
    hop.select_index(run).run()
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["calls"], metrics["failed"]) == (f"{app_store.LARGE_CALLS:,}", "1")
    (calls,) = [t for t in tables(app) if "span" in t]
    assert len(calls["span"]) == 1000
    assert calls["failed"].count(True) == 1
    # Unfolding drops the folded row; the choice falls back to the first failure.
    app.toggle(key="tr_fold").set_value(False).run()
    assert "cart.OutOfStock: item 1234 is gone — status 500" in texts(app, "code")


def test_the_request_hop_shows_its_query_parameters(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.SEARCH)
    # No failure: the root is chosen.
    assert app.selectbox(key="tr_hop").options[app.selectbox(key="tr_hop").index] == (
        "gateway GET /search"
    )
    assert {"name": ["q"], "value": ["shoes"]} in tables(app)
