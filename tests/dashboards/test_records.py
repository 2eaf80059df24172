"""Reading stored records: times as the collector stored them, and the failed-hop rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.timestamps import timestamp_parser
from dashboards.records import format_ns, from_ns, is_failure, parse_ns, to_ns


#: years 1000 to 9999 (strftime writes year 999 as three digits)
@given(st.integers(-30_610_224_000_000_000_000, 253_402_300_799_999_999_999))
def test_format_and_parse_round_trip_to_the_microsecond(ns: int) -> None:
    assert parse_ns(format_ns(ns)) == ns // 1000 * 1000
    assert to_ns(from_ns(ns)) == ns // 1000 * 1000


def test_the_query_side_reads_times_as_the_collector_stored_them() -> None:
    """A hop's start and end are read with the rules its ``@timestamp`` was stored with."""
    stored = timestamp_parser()
    for text in (
        "2026-11-25T10:00:00.123456Z",
        "2026-11-25T10:00:00.123456789Z",
        "2026-11-25T12:00:00.5+02:00",
        "2026-11-25T04:30:00-05:30",
    ):
        assert parse_ns(text) == stored(text)
    assert parse_ns("2026-11-25T10:00:00.123456789Z") % 1_000_000_000 == 123_456_789
    assert from_ns(parse_ns("2026-11-25T12:00:00.5+02:00")) == datetime(
        2026, 11, 25, 10, 0, 0, 500_000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T10:00:00.1234567891Z",  # ten digits: the schema allows nine
        "2026-11-25T10:00:00.123z",
        " 2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00Z\n",
    ],
)
def test_text_the_store_cannot_hold_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not RFC 3339"):
        parse_ns(text)


def test_a_failed_hop() -> None:
    assert is_failure({"http.response.status_code": 503})
    assert is_failure({"event.outcome": "failure"})
    assert is_failure({"error.type": "TimeoutError"})
    assert not is_failure({"http.response.status_code": 404})
