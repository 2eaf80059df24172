"""CollectedRecord ids: deterministic per source and offset, distinct across sources, ascending as a
source is read (so the store's unique index grows at its end)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collector.transforms.record import record_id


def test_the_same_line_of_the_same_source_gets_the_same_id() -> None:
    assert record_id("file:abc", 4096) == record_id("file:abc", 4096)


def test_sources_and_offsets_give_distinct_ids() -> None:
    ids = {record_id(source, offset) for source in ("a", "b", "stdin") for offset in range(100)}
    assert len(ids) == 300


@given(st.text(min_size=1), st.integers(0, 2**48 - 2), st.integers(1, 2**20))
def test_ids_of_one_source_ascend_with_the_offset(source: str, offset: int, step: int) -> None:
    later = min(offset + step, 2**48 - 1)
    assert record_id(source, offset) < record_id(source, later)


def test_ids_are_the_strings_earlier_stores_hold() -> None:
    # written before the source digest was remembered: stores keyed by them must still match
    assert record_id("file:abc", 4096) == "80f166ea497cc488000000001000"
    assert record_id("stdin", 0) == "dfea8447afa985ab000000000000"
    assert record_id("docker:9f2c:stdout", 2**48 + 5) == "548398ccdc2172141000000000005"
    assert record_id("é", 123) == "cb1abf8beff3192f00000000007b"
