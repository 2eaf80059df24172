from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.timestamps import TimestampParser


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
       st.sampled_from(["Z", "+00:00", "+02:00", "-05:30"]), st.integers(0, 9))
def test_matches_the_standard_library(moment: datetime, zone: str, digits: int) -> None:
    fraction = f"{moment.microsecond:06d}000"[:digits]
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + zone
    parsed = TimestampParser()
    expected = datetime.fromisoformat(text[:19] + ("+00:00" if zone == "Z" else zone))
    nanos = int(fraction.ljust(9, "0")) if digits else 0
    assert parsed(text) == int(expected.timestamp()) * 1_000_000_000 + nanos
    assert parsed(text) == parsed(text)  # the remembered second gives the same answer


def test_not_a_date() -> None:
    with pytest.raises(ValueError, match="not a real date"):
        TimestampParser()("2024-02-30T10:00:00.000000Z")
