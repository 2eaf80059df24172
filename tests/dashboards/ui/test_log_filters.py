"""The logs page's filters: since/until, trace id, fields and services as typed."""

from __future__ import annotations

import pytest

from dashboards.records import parse_ns
from dashboards.ui.filters import FilterError
from dashboards.ui.log_filters import (
    LogFilters,
    fields,
    moment_text,
    parse_moment,
    parse_services,
    services_text,
    time_bounds,
    trace_id,
    words,
)

NOW = parse_ns("2026-11-25T12:00:00Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", "2026-11-25T11:59:30Z"),
        ("15m", "2026-11-25T11:45:00Z"),
        (" 2h ", "2026-11-25T10:00:00Z"),
        ("1d", "2026-11-24T12:00:00Z"),
        ("1w", "2026-11-18T12:00:00Z"),
        ("2026-11-25T11:00:00.5+01:00", "2026-11-25T10:00:00.5Z"),
    ],
)
def test_a_moment_is_a_duration_back_from_now_or_a_time(text: str, expected: str) -> None:
    assert parse_moment(text, NOW) == parse_ns(expected)


def test_a_blank_moment_is_open() -> None:
    assert parse_moment("  ", NOW) is None
    assert time_bounds(LogFilters(), NOW) == (None, None)


@pytest.mark.parametrize("text", ["yesterday", "15 minutes", "-5m", "2026-11-25", "5y"])
def test_a_moment_that_is_neither_says_what_is_expected(text: str) -> None:
    with pytest.raises(FilterError, match=r"since .* is neither a duration .* nor an RFC 3339"):
        time_bounds(LogFilters(since=text), NOW)


def test_since_after_until_is_refused() -> None:
    with pytest.raises(FilterError, match="since is not before until"):
        time_bounds(LogFilters(since="1h", until="2h"), NOW)
    assert time_bounds(LogFilters(since="2h", until="1h"), NOW) == (
        parse_ns("2026-11-25T10:00:00Z"),
        parse_ns("2026-11-25T11:00:00Z"),
    )


@pytest.mark.parametrize(
    "text", ["2026-11-25T11:59:30Z", "2026-11-25T11:59:30.123456Z", "2026-11-25T11:59:30.1234567Z"]
)
def test_a_moment_written_back_reads_the_same(text: str) -> None:
    ns = parse_ns(text)
    assert parse_moment(moment_text(ns), NOW) == ns


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", ()),
        ("  timeout   cart ", ("timeout", "cart")),
        ('timeout "card declined"', ("timeout", "card declined")),
        ('"card declined', ("card declined",)),
        ('a"b c"', ("a", "b c")),
        ('"" x', ("x",)),
    ],
)
def test_words_are_words_and_quoted_phrases(typed: str, expected: tuple[str, ...]) -> None:
    assert words(LogFilters(words=typed)) == expected


def test_the_trace_id_is_32_hex_digits_in_any_case() -> None:
    assert trace_id(LogFilters(trace_id=" " + "AB" * 16 + " ")) == "ab" * 16
    assert trace_id(LogFilters()) is None
    with pytest.raises(FilterError, match="'abc' is not 32 hex digits"):
        trace_id(LogFilters(trace_id="abc"))


def test_fields_are_pairs_separated_by_semicolons() -> None:
    typed = LogFilters(fields="http.response.status_code=502; labels.tenant = acme ;")
    assert fields(typed) == (("http.response.status_code", "502"), ("labels.tenant", "acme"))
    with pytest.raises(FilterError, match="'tenant' is not field=value"):
        fields(LogFilters(fields="tenant"))


def test_services_go_in_the_url_as_one_value() -> None:
    assert services_text(("cart", "payments")) == "cart,payments"
    assert services_text(()) is None
    assert parse_services(" cart, ,payments ") == ["cart", "payments"]
    assert parse_services(" , ") is None
