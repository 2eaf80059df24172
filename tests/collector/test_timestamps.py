"""The collector's ``@timestamp`` parser and the query side's ``parse_ns`` are one set of
rules: they give the same nanoseconds for every text the record schema allows and that
names a real moment, and both refuse everything else with a ValueError."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.timestamps import timestamp_parser
from dashboards.records import parse_ns
from sdk import schema

NS = 1_000_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: the schema's pattern as JSON Schema (ECMA 262) means it: ``\d`` is an ASCII digit
SCHEMA_FORM = re.compile(
    schema.schema_pattern(schema.fields()["@timestamp"]["pattern"]).pattern, re.ASCII
)
PARTS = re.compile(r"(.{19})(?:\.(\d+))?(Z|.{6})", re.ASCII)


def expected_ns(text: str) -> int | None:
    """What the text means, from the schema's pattern and the standard library; ``None``
    when it is not a timestamp (an offset is 00:00 to 23:59, as RFC 3339 has it)."""
    if SCHEMA_FORM.match(text) is None:
        return None
    matched = PARTS.fullmatch(text)
    assert matched is not None
    head, fraction, zone = matched.groups()
    if zone != "Z" and (int(zone[1:3]) > 23 or int(zone[4:]) > 59):
        return None
    try:
        moment = datetime.fromisoformat(head + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS + int((fraction or "").ljust(9, "0"))


def outcome(parse: Callable[[str], int], text: str) -> int | None:
    """The nanoseconds, or ``None`` for a ValueError (any other exception fails the test)."""
    try:
        return parse(text)
    except ValueError:
        return None


def zones() -> st.SearchStrategy[str]:
    offsets = st.builds(
        lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    )
    return st.one_of(st.just("Z"), offsets)


def heads() -> st.SearchStrategy[str]:
    return st.builds(
        lambda day, clock: f"{day.isoformat()}T{clock:%H:%M:%S}",
        st.dates(date(1, 1, 1), date(9999, 12, 31)),
        st.times(time(0), time.max),
    )


def tails() -> st.SearchStrategy[str]:
    fractions = st.text("0123456789", min_size=1, max_size=9).map(lambda d: f".{d}")
    return st.builds(str.__add__, st.one_of(st.just(""), fractions), zones())


def valid_timestamps() -> st.SearchStrategy[str]:
    return st.builds(str.__add__, heads(), tails())


#: characters an edit puts in: look-alikes of the form (lower case, other digits, spaces)
EDITS = "0123456789TtZz:-+._ \n\u0663\uff11"


@st.composite
def edited(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A valid timestamp with one character replaced, removed or added."""
    text = draw(texts)
    at = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(EDITS))
    how = draw(st.sampled_from(["replace", "remove", "add"]))
    if how == "add":
        return text[:at] + char + text[at:]
    return text[:at] + (char if how == "replace" else "") + text[at + 1 :]


def any_texts() -> st.SearchStrategy[str]:
    """Valid timestamps, near misses, schema-shaped impossible moments (month 99, hour
    24, a leap second) and arbitrary text."""
    shaped = st.from_regex(
        re.compile(schema.fields()["@timestamp"]["pattern"], re.ASCII), fullmatch=True
    )
    return st.one_of(valid_timestamps(), edited(valid_timestamps()), shaped, st.text(max_size=40))


@given(any_texts())
def test_both_entry_points_agree(text: str) -> None:
    expected = expected_ns(text)
    assert outcome(timestamp_parser(), text) == expected
    assert outcome(parse_ns, text) == expected


@given(valid_timestamps())
def test_both_take_every_valid_timestamp(text: str) -> None:
    assert timestamp_parser()(text) == parse_ns(text) == expected_ns(text)


@given(
    heads(),
    st.lists(st.one_of(tails(), st.text(EDITS, max_size=12)), min_size=1, max_size=12),
    any_texts(),
)
def test_remembered_second_changes_no_answer(head: str, rests: list[str], other: str) -> None:
    """A stream of lines sharing a second, valid and not, with another text among them:
    a parser that remembers the last second answers as a fresh one does."""
    stream = [head + rest for rest in rests]
    stream.insert(len(stream) // 2, other)
    collector = timestamp_parser()
    for text in stream:
        expected = expected_ns(text)
        assert outcome(collector, text) == expected
        assert outcome(parse_ns, text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-02-30T10:00:00.000000Z", "not a real date"),
        ("2026-11-25T23:59:60Z", "not a real date"),  # a leap second: Python has none
        ("2026-11-25T24:00:00Z", "not a real date"),
        ("2026-11-25T10:00:00+24:00", "not a real date"),
        ("2026-11-25T10:00:00.1234567891Z", "not RFC 3339"),  # the schema allows nine digits
        ("2026-11-25T10:00:00.123456z", "not RFC 3339"),
        ("2026-11-25 10:00:00.123456Z", "not RFC 3339"),
        ("2026-11-25T10:00:00.12345\u0663Z", "not RFC 3339"),  # an Arabic-Indic digit
        ("2026-11-25T10:00:00", "not RFC 3339"),  # no zone: the moment is not known
    ],
)
def test_refusals_say_why(text: str, reason: str) -> None:
    for parse in (timestamp_parser(), parse_ns):
        with pytest.raises(ValueError, match=reason) as refused:
            parse(text)
        assert repr(text) in str(refused.value)
