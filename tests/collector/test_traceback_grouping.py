from __future__ import annotations

from collector.lines import LineSplitter
from collector.traceback_grouping import TracebackGrouper

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
        out += grouper.feed(splitter.feed(data[start:start + chunk]))
    out += grouper.feed(splitter.flush()) + grouper.flush()
    return [(line.offset, line.end, line.data) for line in out]


def test_chained_traceback_is_one_entry_between_other_lines() -> None:
    data = b"INFO starting\n" + CHAINED + b'{"message": "next"}\nplain\n'
    entries = group(data)
    assert [e[2].split(b"\n")[0] for e in entries] == [
        b"INFO starting", b"Traceback (most recent call last):", b'{"message": "next"}', b"plain"]
    tb = entries[1]
    assert tb[2] == CHAINED.rstrip(b"\n")
    assert tb[0] == len(b"INFO starting\n")
    assert tb[1] == len(b"INFO starting\n") + len(CHAINED)
    # entries tile the stream: checkpoints at their ends never skip a byte
    assert entries[2][0] == tb[1]


def test_blank_line_after_a_traceback_is_not_swallowed() -> None:
    entries = group(b"Traceback (most recent call last):\n  x\nE: 1\n\nnext line\n")
    assert [e[2] for e in entries] == [b"Traceback (most recent call last):\n  x\nE: 1", b"",
                                      b"next line"]


def test_unfinished_traceback_is_given_up_at_the_end() -> None:
    entries = group(b"Traceback (most recent call last):\n  File \"x\"")
    assert len(entries) == 1
    assert entries[0][2].endswith(b'File "x"')
