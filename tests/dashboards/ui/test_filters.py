"""Filters -> store queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.ui.filters import FilterError, RequestFilters, parse_attributes, to_query

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_defaults_ask_for_everything() -> None:
    query = to_query(RequestFilters(), limit=50, now=NOW)
    assert (query.service, query.status_class, query.time.start) == (None, None, None)
    assert (query.attributes, query.order, query.limit) == ({}, "newest", 50)


def test_every_filter_reaches_the_query() -> None:
    filters = RequestFilters(
        time_range="1h",
        service="gateway",
        route="/checkout",
        method="POST",
        status="5xx",
        errors_only=True,
        min_ms=10.0,
        max_ms=500.0,
        text=" declined ",
        trace_id=" ABCD ",
        attributes="labels.tenant=acme; http.response.status_code = 503",
        order="slowest",
    )
    query = to_query(filters, limit=20, cursor="c", now=NOW)
    assert query.time.start == NOW - timedelta(hours=1)
    assert (query.service, query.route, query.method, query.status_class) == (
        "gateway",
        "/checkout",
        "POST",
        5,
    )
    assert query.errors_only
    assert (query.min_duration_ms, query.max_duration_ms) == (10.0, 500.0)
    assert (query.text, query.trace_id, query.cursor) == ("declined", "abcd", "c")
    assert query.attributes == {"labels.tenant": "acme", "http.response.status_code": "503"}


def test_bad_filters_are_refused_with_a_reason() -> None:
    with pytest.raises(FilterError, match="not field=value"):
        parse_attributes("tenant")
    with pytest.raises(FilterError, match="minimum duration is above"):
        to_query(RequestFilters(min_ms=10, max_ms=5), limit=1)
