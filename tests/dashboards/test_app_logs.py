"""The logs page under ``AppTest``, on a store filled by the real collector (JSON records,
a plain-text line and a traceback, shipped as Docker json-file output): every filter from
the URL and from the widgets (written back to the URL), the level histogram and a click on
a bar, paging, a picked line with its fields, context and trace, unstructured lines with
their raw text and reason, hostile text shown literally, and the links from the requests
and trace pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dashboards.store import LogLine, LogQuery, Store, open_store
from dashboards.ui import logs_page
from sdk import schema
from tests.dashboards import app_store
from tests.dashboards.app_driver import markdown_texts, run_app, spec, tables, texts

CRASH_MESSAGE = "ValueError: settlement <script>window.__hostile_ran = 1</script> refused"
CHECKOUT_LINES = [
    "payment failed after 2 attempts",
    app_store.HOSTILE,
    "charging card ending 4242",
    app_store.HOSTILE,
    "charging card ending 4242",
    "reserving stock",
    "checkout started for cart 42",
]
LOOSE = [
    "health check answered",
    "acquirer latency high: timeout after 2000 ms",
    "cache warmed in 12 ms",
]
#: Every line but the hops, newest first.
NEWEST_FIRST = [CRASH_MESSAGE, app_store.PLAIN, *LOOSE, *CHECKOUT_LINES]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.logs_store(tmp_path_factory)


@pytest.fixture(scope="module")
def opened(store: str) -> Iterator[Store]:
    with open_store(store) as handle:
        yield handle


def lines_table(app: Any) -> dict[str, list[Any]]:
    (table,) = [t for t in tables(app) if "trace" in t and "kind" in t]
    return table


def line(opened: Store, message: str) -> LogLine:
    """The stored line with *message* (the newest of them)."""
    page = opened.search_logs(LogQuery(limit=1000, include_hops=True))
    return next(x for x in page.lines if x.message == message)


def test_the_page_lists_every_line_newest_first(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs")
    assert [t.value for t in app.title] == ["Logs"]
    table = lines_table(app)
    assert table["message"] == NEWEST_FIRST
    assert table["service"][:5] == ["payments", "payments", "gateway", "payments", "cart"]
    assert table["level"][:3] == ["error", "info", "debug"]
    assert table["kind"][:3] == ["unstructured", "unstructured", ""]
    assert table["time"][0] == "2026-11-25T12:00:09.000000Z"
    # Lines of a request link to its trace, on the hop that wrote them.
    assert [x for x in table["trace"][:5] if isinstance(x, str)] == []  # no trace: empty
    assert table["trace"][5].startswith(f"?page=trace&trace={app_store.CHECKOUT}&hop=")
    assert app.query_params == {"page": "logs"}
    assert "Lines 1 to 12, newest first. Pick a line to see all of it." in texts(app, "caption")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"words": "timeout"}, [LOOSE[1]]),
        ({"words": '"card ending" 4242'}, [CHECKOUT_LINES[2], CHECKOUT_LINES[4]]),
        ({"words": "ending card"}, [CHECKOUT_LINES[2], CHECKOUT_LINES[4]]),
        ({"words": '"ending card"'}, []),
        ({"services": "cart,gateway"}, [LOOSE[0], LOOSE[2], CHECKOUT_LINES[6]]),
        (
            {"level": "warning"},
            [CRASH_MESSAGE, LOOSE[1], *CHECKOUT_LINES[:2], CHECKOUT_LINES[3]],
        ),
        ({"level": "error"}, [CRASH_MESSAGE, CHECKOUT_LINES[0]]),
        (
            {"since": "2026-11-25T12:00:05Z", "until": "2026-11-25T12:00:08Z"},
            LOOSE,
        ),
        ({"fields": "service.name=orders"}, [CHECKOUT_LINES[0], CHECKOUT_LINES[5]]),
        ({"tid": app_store.CHECKOUT}, CHECKOUT_LINES),
        ({"kind": "unstructured"}, [CRASH_MESSAGE, app_store.PLAIN]),
        ({"kind": "structured", "services": "payments"}, [LOOSE[1], *CHECKOUT_LINES[1:5]]),
        ({"sort": "oldest", "services": "orders"}, [CHECKOUT_LINES[5], CHECKOUT_LINES[0]]),
    ],
)
def test_filters_come_from_the_url(
    monkeypatch: Any, store: str, params: dict[str, str], expected: list[str]
) -> None:
    app = run_app(monkeypatch, store, page="logs", **params)
    if expected:
        assert lines_table(app)["message"] == expected
    else:
        assert texts(app, "info") == ["No line matches these filters."]


def test_hop_records_are_lines_when_asked_for(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs", hops="1", tid=app_store.CART)
    assert lines_table(app)["message"] == ["server hop", "client hop", "server hop"]
    assert run_app(monkeypatch, store, page="logs", tid=app_store.CART).info


def test_widgets_write_the_filters_to_the_url(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs")
    app.text_input(key="lg_words").input('card "ending 4242"').run()
    app.multiselect(key="lg_services").select("payments").run()
    app.selectbox(key="lg_level").select("info").run()
    app.text_input(key="lg_since").input("2026-11-25T12:00:00Z").run()
    app.text_input(key="lg_fields").input("trace.id=" + app_store.CHECKOUT).run()
    app.radio(key="lg_kind").set_value("structured").run()
    app.selectbox(key="lg_order").select("oldest").run()
    assert lines_table(app)["message"] == [CHECKOUT_LINES[4], CHECKOUT_LINES[2]]
    assert app.query_params == {
        "page": "logs",
        "words": 'card "ending 4242"',
        "services": "payments",
        "level": "info",
        "since": "2026-11-25T12:00:00Z",
        "fields": "trace.id=" + app_store.CHECKOUT,
        "kind": "structured",
        "sort": "oldest",
    }
    assert app.multiselect(key="lg_services").options == [
        "cart",
        "gateway",
        "orders",
        "payments",
        "search",
    ]


def test_the_histogram_stacks_the_lines_by_level(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs")
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    assert figure["layout"]["barmode"] == "stack"
    counts = {bar["name"]: sum(bar["y"]) for bar in figure["data"]}
    assert counts == {"debug": 1, "info": 6, "warning": 3, "error": 2}


def test_a_click_on_a_bar_narrows_the_time_range(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs")
    (figure,) = [json.loads(s) for s in spec(app, "plotly_chart")]
    (errors,) = [bar for bar in figure["data"] if bar["name"] == "error"]
    last = errors["customdata"][-1]  # the traceback's bucket, the newest
    key = logs_page.chart_key(logs_page.LogFilters())
    app.session_state[key] = {
        "selection": {"points": [{"customdata": last}], "point_indices": [0], "box": []}
    }
    app.run()
    assert app.text_input(key="lg_since").value == last[0]
    assert app.text_input(key="lg_until").value == last[1]
    assert app.query_params["since"] == last[0]
    assert lines_table(app)["message"][0] == CRASH_MESSAGE
    assert CHECKOUT_LINES[6] not in lines_table(app)["message"]


def test_pages_of_lines_follow_the_cursor(monkeypatch: Any, store: str) -> None:
    monkeypatch.setattr(logs_page, "PAGE_SIZE", 5)
    app = run_app(monkeypatch, store, page="logs")
    assert lines_table(app)["message"] == NEWEST_FIRST[:5]
    assert "Lines 1 to 5 (more on the next page), newest first." in texts(app, "caption")[-1]
    app.button(key="lg_next").click().run()
    assert lines_table(app)["message"] == NEWEST_FIRST[5:10]
    app.button(key="lg_next").click().run()
    assert lines_table(app)["message"] == NEWEST_FIRST[10:]
    assert not [b for b in app.button if b.key == "lg_next"]
    app.button(key="lg_prev").click().run()
    assert lines_table(app)["message"] == NEWEST_FIRST[5:10]


def test_picking_a_row_shows_the_line_with_every_field(
    monkeypatch: Any, store: str, opened: Store
) -> None:
    app = run_app(monkeypatch, store, page="logs", tid=app_store.CHECKOUT)
    picked = line(opened, "reserving stock")
    ids = [x.record_id for x in opened.search_logs(LogQuery(trace_id=app_store.CHECKOUT)).lines]
    app.session_state[logs_page.table_key(ids)] = {
        "selection": {"rows": [5], "columns": [], "cells": []}
    }
    app.run()
    assert app.query_params["line"] == picked.record_id
    assert "2026-11-25T12:00:00.025000Z orders info: reserving stock" in texts(app, "code")
    fields = next(t for t in tables(app) if "field" in t)
    shown = dict(zip(fields["field"], fields["value"], strict=True))
    assert shown["message"] == "reserving stock"
    assert shown["trace.id"] == app_store.CHECKOUT
    assert shown["hopscope.schema_version"] == schema.SCHEMA_VERSION
    assert shown["hopscope.record.id"] == picked.record_id
    # Its context: the lines around it in its source, hops included, the line marked.
    # One line before it in its source (the first), five after, hops included.
    context = next(t for t in tables(app) if "offset" in t)
    assert context["message"] == [
        "checkout started for cart 42",
        "reserving stock",
        "charging card ending 4242",
        app_store.HOSTILE,
        "server hop",
        "client hop",
        "charging card ending 4242",
    ]
    assert context[""] == ["", "▶", "", "", "", "", ""]
    assert context["offset"] == sorted(context["offset"])


def test_a_line_opens_its_trace_on_the_hop_that_wrote_it(
    monkeypatch: Any, store: str, opened: Store
) -> None:
    picked = line(opened, "reserving stock")
    app = run_app(monkeypatch, store, page="logs", line=picked.record_id)
    (button,) = [b for b in app.button if b.label == "Open its trace"]
    button.click().run()
    assert [t.value for t in app.title] == ["Trace"]
    assert app.query_params["trace"] == app_store.CHECKOUT
    assert app.query_params["hop"] == picked.span_id
    assert app.selectbox(key="tr_hop").value == picked.span_id
    assert any("reserving stock" in str(t) for t in tables(app))


def test_an_unstructured_line_shows_its_raw_text_and_reason(
    monkeypatch: Any, store: str, opened: Store
) -> None:
    crash = line(opened, CRASH_MESSAGE)
    app = run_app(monkeypatch, store, page="logs", line=crash.record_id, context="1")
    assert "Not a valid record: the collector kept it as an unstructured line." in texts(
        app, "warning"
    )
    code = texts(app, "code")
    assert "not JSON" in code
    assert app_store.CRASH in code
    assert not [b for b in app.button if b.label == "Open its trace"]
    context = next(t for t in tables(app) if "offset" in t)
    assert context["message"] == [app_store.PLAIN, CRASH_MESSAGE]
    assert app.query_params["context"] == "1"


def test_hostile_text_is_never_rendered(monkeypatch: Any, store: str, opened: Store) -> None:
    hostile = line(opened, app_store.HOSTILE)
    app = run_app(monkeypatch, store, page="logs", line=hostile.record_id, words="alert")
    assert lines_table(app)["message"] == [app_store.HOSTILE, app_store.HOSTILE]
    assert any(app_store.HOSTILE in c for c in texts(app, "code"))
    rendered = "\n".join(markdown_texts(app))
    for token in ("<script", "<img", "**bold**", "[click]", ":red["):
        assert token not in rendered


def test_a_bad_filter_is_explained(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs", since="yesterday")
    assert texts(app, "warning") == ["A filter cannot be used as typed."]
    assert any("'yesterday' is neither a duration" in c for c in texts(app, "code"))
    app = run_app(monkeypatch, store, page="logs", fields="no.such.field=1")
    assert texts(app, "warning") == ["A filter cannot be used as typed."]
    assert any("no.such.field" in c for c in texts(app, "code"))
    app = run_app(monkeypatch, store, page="logs", line="no-such-line")
    assert "The store has no such line." in texts(app, "warning")


def test_live_keeps_its_switch_in_the_url(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, page="logs", live="1", kind="unstructured")
    assert app.toggle(key="lg_live").value is True
    assert lines_table(app)["message"] == [CRASH_MESSAGE, app_store.PLAIN]
    app.toggle(key="lg_live").set_value(False).run()
    assert "live" not in app.query_params


def test_the_requests_page_links_to_a_service_s_lines(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, service="gateway")
    requests = next(t for t in tables(app) if "trace_id" in t)
    assert requests["logs"][0] == f"?page=logs&tid={requests['trace_id'][0]}"
    (button,) = [b for b in app.button if b.key == "rq_logs"]
    button.click().run()
    assert [t.value for t in app.title] == ["Logs"]
    assert app.query_params["page"] == "logs"
    assert app.query_params["services"] == "gateway"
    assert lines_table(app)["message"] == [LOOSE[0], CHECKOUT_LINES[6]]


def test_the_trace_page_links_to_the_trace_s_lines(monkeypatch: Any, store: str) -> None:
    app = run_app(monkeypatch, store, trace=app_store.CHECKOUT)
    (button,) = [b for b in app.button if b.label == "Log lines →"]
    button.click().run()
    assert [t.value for t in app.title] == ["Logs"]
    assert app.query_params["tid"] == app_store.CHECKOUT
    assert lines_table(app)["message"] == CHECKOUT_LINES
