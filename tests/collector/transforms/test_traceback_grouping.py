from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from collector.transforms.lines import LineSplitter
from collector.transforms.traceback_grouping import TracebackGrouper

CHAINED = b"""Traceback (most recent call last):
  File "a.py", line 1, in f
    g()
KeyError: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "a.py", line 3, in h
    raise ValueError("y")
    ^^^^^^^^^^^^^^^^^^^^^
ValueError: y
"""


def group(data: bytes, chunk: int = 7) -> list[tuple[int, int, bytes]]:
    splitter, grouper = LineSplitter(), TracebackGrouper(1 << 20)
    out = []
    for start in range(0, len(data), chunk):
        out += grouper.feed(splitter.feed(data[start : start + chunk]))
    out += grouper.feed(splitter.flush()) + grouper.flush()
    return [(line.offset, line.end, line.data) for line in out]


def test_chained_traceback_is_one_entry_between_other_lines() -> None:
    data = b"INFO starting\n" + CHAINED + b'{"message": "next"}\nplain\n'
    entries = group(data)
    assert [e[2].split(b"\n")[0] for e in entries] == [
        b"INFO starting",
        b"Traceback (most recent call last):",
        b'{"message": "next"}',
        b"plain",
    ]
    tb = entries[1]
    assert tb[2] == CHAINED.rstrip(b"\n")
    assert tb[0] == len(b"INFO starting\n")
    assert tb[1] == len(b"INFO starting\n") + len(CHAINED)
    # entries tile the stream: checkpoints at their ends never skip a byte
    assert entries[2][0] == tb[1]


def test_blank_line_after_a_traceback_is_not_swallowed() -> None:
    entries = group(b"Traceback (most recent call last):\n  x\nE: 1\n\nnext line\n")
    assert [e[2] for e in entries] == [
        b"Traceback (most recent call last):\n  x\nE: 1",
        b"",
        b"next line",
    ]


def test_unfinished_traceback_is_given_up_at_the_end() -> None:
    entries = group(b'Traceback (most recent call last):\n  File "x"')
    assert len(entries) == 1
    assert entries[0][2].endswith(b'File "x"')


PIECES = [
    b'{"message": "a"}\n',
    b'{"message": "b"}\n',
    b"\n",
    b"plain output\n",
    b"Traceback (most recent call last):\n",
    b'  File "a.py", line 1, in f\n',
    b"KeyError: 'x'\n",
    b"During handling of the above exception, another occurred:\n",
    CHAINED,
]


@given(st.lists(st.sampled_from(PIECES), max_size=30), st.integers(1, 400))
def test_how_the_stream_is_cut_does_not_change_the_entries(pieces: list[bytes], chunk: int) -> None:
    data = b"".join(pieces)
    entries = group(data, chunk)
    assert entries == group(data, 1)  # one byte at a time: never more than one line a batch
    assert entries == group(data, len(data) or 1)  # all lines in one batch
    # entries tile the stream in order: none held back past a later one
    if entries:
        assert entries[0][0] == 0
        assert entries[-1][1] == len(data)
        for before, after in itertools.pairwise(entries):
            assert before[1] == after[0]
