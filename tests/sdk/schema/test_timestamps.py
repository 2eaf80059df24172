"""The SDK's timestamps both ways: what ``format_timestamp`` writes, ``parse_timestamp``
reads back to the microsecond, and a parser shared by threads never mixes their seconds;
the collector's quicker test of a real moment answers as the parser does."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk.schema import (
    fields,
    format_timestamp,
    is_timestamp,
    moment_test,
    parse_timestamp,
    timestamp_parser,
)

#: 1970-01-01 to 9999-12-31, in nanoseconds
NANOS = st.integers(0, 253_402_300_799_999_999_999)


@given(NANOS)
def test_reads_back_what_the_sdk_writes(ns: int) -> None:
    assert timestamp_parser()(format_timestamp(ns)) == ns // 1000 * 1000


@given(st.lists(NANOS, min_size=1, max_size=30))
def test_one_parser_reads_a_stream(stream: list[int]) -> None:
    parse = timestamp_parser()
    assert [parse(format_timestamp(ns)) for ns in stream] == [ns // 1000 * 1000 for ns in stream]


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_threads_sharing_a_parser_get_their_own_seconds() -> None:
    """Each thread reads its own seconds through the one shared parser while the others
    replace the remembered second: every answer is still its own text's."""
    wrong: list[tuple[str, int]] = []

    def read(thread: int) -> None:
        for second in range(2000):
            for micros in (1, 2):  # the second line of a second finds it remembered
                ns = (1_700_000_000 + thread * 100_000 + second) * 1_000_000_000 + micros * 1000
                text = format_timestamp(ns)
                if (got := parse_timestamp(text)) != ns:
                    wrong.append((text, got))

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


#: text the record schema's timestamp pattern takes (ASCII digits), real or not
SHAPED = st.from_regex(re.compile(fields()["@timestamp"]["pattern"], re.ASCII), fullmatch=True)
TAILS = st.sampled_from(
    ["Z", ".5Z", ".123456789Z", "+01:00", "-23:59", "+24:00", "-00:60", ".5+00:00"]
)


@given(
    st.lists(
        st.one_of(
            SHAPED,
            st.builds(lambda text, tail: text[:19] + tail, SHAPED, TAILS),
            st.builds(lambda ns, tail: format_timestamp(ns)[:19] + tail, NANOS, TAILS),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_moment_test_answers_as_the_parser_on_the_pattern_s_text(texts: list[str]) -> None:
    """After the pattern, remembering seconds changes no answer: a known second with another
    fraction, or with a zone, is answered as the parser would."""
    names_moment = moment_test()
    for text in texts + texts:  # again, with every second remembered
        assert names_moment(text) == is_timestamp(text), text


def test_what_the_parser_refuses_is_no_timestamp() -> None:
    assert is_timestamp("2026-11-25T10:00:00.123456Z")
    for text in (
        "2026-02-30T10:00:00Z",
        "2026-11-25T23:59:60Z",
        "\uff12026-11-25T10:00:00Z",
        "2026-11-25T10:00:00Z\n",
        "",
        "now",
    ):
        assert not is_timestamp(text)
    names_moment = moment_test()
    assert names_moment("2026-11-25T10:00:00Z")
    assert not names_moment("2026-11-25T10:00:00+24:00")  # a known second, a bad zone
