from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.transforms.lines import TRUNCATION_MARKER, LineSplitter


def split_all(
    data: bytes, cuts: list[int], max_bytes: int = 1 << 20
) -> list[tuple[int, int, bytes, bool]]:
    splitter = LineSplitter(max_line_bytes=max_bytes)
    out = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out.extend(splitter.feed(data[start:cut]))
        start = cut
    out.extend(splitter.flush())
    return [(line.offset, line.end, line.data, line.truncated) for line in out]


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=10))
def test_chunking_does_not_change_the_lines(data: bytes, cuts: list[int]) -> None:
    cuts = [c for c in cuts if c <= len(data)]
    whole = split_all(data, [])
    assert split_all(data, cuts) == whole
    # lines and their offsets cover the stream exactly
    if whole:
        assert whole[0][0] == 0
        assert whole[-1][1] == len(data)
        for before, after in itertools.pairwise(whole):
            assert before[1] == after[0]


def test_offsets_and_carriage_returns() -> None:
    lines = split_all(b"one\r\ntwo\n\nthree", [2, 6])
    assert lines == [
        (0, 5, b"one", False),
        (5, 9, b"two", False),
        (9, 10, b"", False),
        (10, 15, b"three", False),
    ]


@given(st.integers(1, 40), st.lists(st.integers(0, 200), max_size=6))
def test_long_lines_are_cut_and_the_next_lines_survive(limit: int, cuts: list[int]) -> None:
    data = b"x" * 150 + b"\nshort\n" + b"y" * 90 + b"\n"
    lines = split_all(data, [c for c in cuts if c <= len(data)], max_bytes=limit)
    assert [line[0] for line in lines] == [0, 151, 157]
    first = lines[0]
    assert first[2] == b"x" * limit + TRUNCATION_MARKER
    assert first[3] is True
    if limit >= 5:
        assert lines[1][2] == b"short"
        assert lines[1][3] is False


def test_a_huge_line_is_not_held_in_memory() -> None:
    splitter = LineSplitter(max_line_bytes=1000)
    for _ in range(100):
        assert splitter.feed(b"z" * 100_000) == []
    assert len(splitter._pending) <= 1000
    (line,) = splitter.feed(b"\n")
    assert line.truncated
    assert line.end == 10_000_001


def lines_of(data: bytes, limit: int) -> list[tuple[int, int, bytes, bool]]:
    """What the splitter must give for a whole stream, written the obvious way."""
    out, offset = [], 0
    pieces = data.split(b"\n")
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        if last and not piece:
            break
        end = offset + len(piece) + (0 if last else 1)
        kept = piece[:limit]
        kept = kept.removesuffix(b"\r")
        if len(piece) > limit:
            kept += TRUNCATION_MARKER
        out.append((offset, end, kept, len(piece) > limit))
        offset = end
    return out


stream_bytes = st.lists(
    st.sampled_from([b"\n", b"\r", b"{", b"a", b"bc", b"x" * 20]), max_size=60
).map(b"".join)


@given(stream_bytes, st.lists(st.integers(0, 600), max_size=8), st.integers(1, 30))
def test_lines_are_those_of_the_whole_stream(data: bytes, cuts: list[int], limit: int) -> None:
    cuts = [c for c in cuts if c <= len(data)]
    assert split_all(data, cuts, max_bytes=limit) == lines_of(data, limit)
    plain = data.replace(b"\r", b"")  # no carriage return, short lines: the common case
    assert split_all(plain, cuts) == lines_of(plain, 1 << 20)


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_lines_at_the_size_limit(limit: int) -> None:
    for longest in range(limit + 3):
        data = b"".join(b"y" * size + b"\n" for size in [0, *range(longest + 1), 1])
        for cuts in ([], [1], [limit + 1, 2 * limit + 3]):
            assert split_all(data, cuts, max_bytes=limit) == lines_of(data, limit)
