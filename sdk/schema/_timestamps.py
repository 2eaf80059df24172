"""RFC 3339 timestamps in UTC with microseconds, cheaply (the per-second prefix is cached),
and the way back: the one parser of ``@timestamp`` text (as the record schema allows it) to
Unix nanoseconds, used by the collector when it stores a line and by the query side when it
rebuilds a trace."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache
from typing import Final

from sdk.schema._document import fields, schema_pattern

_NS: Final = 1_000_000_000
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
#: a whole second whose value is known, so a parser starts with a correct memo
_EPOCH_HEAD: Final = "1970-01-01T00:00:00"
_HOURS: Final = {f"{n:02d}": n * 3600 for n in range(24)}
_MINUTES: Final = {f"{n:02d}": n * 60 for n in range(60)}
_SECONDS: Final = {f"{n:02d}": n for n in range(60)}
#: nanoseconds per unit of a fraction of n digits
_SCALE: Final[tuple[int, ...]] = (0, *(10 ** (9 - n) for n in range(1, 10)))


def _prefix(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))


def timestamp_formatter() -> Callable[[int], str]:
    """A function from nanoseconds since the epoch to ``2026-01-02T03:04:05.123456Z``.

    Works on the decimal digits: slicing a string is cheaper than integer division on
    these large numbers, and the date part changes once a second.
    """
    # (seconds as digits, prefix) replaced whole, so racing threads never mix two seconds
    cached = ("", "")

    def format_timestamp(ns: int) -> str:
        nonlocal cached
        if ns < 1_000_000_000:  # before 1970-01-01T00:00:01: too few digits to slice
            return f"{_prefix(ns // 1_000_000_000)}{ns // 1000 % 1_000_000:06d}Z"
        digits = str(ns)
        seconds, prefix = cached
        if digits[:-9] != seconds:
            seconds = digits[:-9]
            prefix = _prefix(int(seconds))
            cached = (seconds, prefix)
        return prefix + digits[-9:-3] + "Z"

    return format_timestamp


format_timestamp = timestamp_formatter()


def timestamp_parser() -> Callable[[str], int]:
    """A function from RFC 3339 text to Unix nanoseconds, all nine fraction digits kept.

    It takes exactly what the record schema's ``@timestamp`` pattern allows (ASCII digits,
    upper-case ``T`` and ``Z``, a fraction of 1 to 9 digits, ``Z`` or ``±HH:MM``) when it
    names a real moment (no leap second: Python has none), and raises :class:`ValueError`
    saying why for anything else.

    Lines of one stream, and the hops of one trace, share their second often: the last
    whole-second prefix is remembered, so the SDK's own form costs a comparison, a slice
    and one small integer. The prefix's value does not depend on the zone (the offset is
    applied after), so offset forms use it too.
    """
    # (prefix, its seconds as if UTC) replaced whole, so racing threads never mix two seconds
    last = (_EPOCH_HEAD, 0)

    def parse_timestamp(text: str) -> int:
        nonlocal last
        head = text[:19]
        last_head, seconds = last
        if head != last_head:
            try:
                if text[16] != ":" or len(text) < 20:
                    raise KeyError
                seconds = _minute_seconds(text[:16]) + _SECONDS[text[17:19]]
            except (IndexError, KeyError, ValueError):
                raise _refusal(text) from None
            last = (head, seconds)
        # the SDK's own form and any other fraction in UTC
        if len(text) > 21 and text[-1] == "Z" and text[19] == "." and text.isascii():
            fraction = text[20:-1]
            if fraction.isdigit() and len(fraction) < 10:
                return seconds * _NS + int(fraction) * _SCALE[len(fraction)]
        return seconds * _NS + _rest_ns(text)

    return parse_timestamp


#: A parser for callers without a stream of their own (the memo is shared, thread-safely).
parse_timestamp = timestamp_parser()


def is_timestamp(text: str) -> bool:
    """Whether :func:`parse_timestamp` reads *text*: the schema's form naming a real moment
    (the record schema's ``date-time`` format)."""
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


#: whole seconds a :func:`moment_test` remembers, at most
MAX_KNOWN_SECONDS: Final = 4096


def moment_test() -> Callable[[str], bool]:
    """:func:`is_timestamp` for text that already matches the schema's timestamp pattern
    (the collector tests the pattern first), at a fraction of its cost: the whole seconds
    (``2026-11-25T10:07:31``) of the texts it accepted are remembered, and once the pattern
    holds, a known second followed by ``Z`` is a real moment whatever its fraction. The
    hops of a stream share few seconds, so most cost a slice and a set lookup."""
    known: set[str] = set()

    def names_moment(text: str) -> bool:
        if text[-1:] == "Z" and text[:19] in known:
            return True
        if not is_timestamp(text):
            return False
        if len(known) >= MAX_KNOWN_SECONDS:
            known.clear()  # a new stretch of time: forget the old one rather than grow
        known.add(text[:19])
        return True

    return names_moment


@lru_cache(maxsize=1024)
def _minute_seconds(minute: str) -> int:
    """``2026-11-25T10:07`` -> Unix seconds; raises KeyError or ValueError when it is not
    one (remembered per minute: a stream, or a trace, spans few)."""
    if not (
        minute[4] == "-"
        and minute[7] == "-"
        and minute[10] == "T"
        and minute[13] == ":"
        and minute.isascii()
        and (minute[:4] + minute[5:7] + minute[8:10]).isdigit()
    ):
        raise KeyError(minute)
    day = date(int(minute[:4]), int(minute[5:7]), int(minute[8:10]))
    return (
        (day.toordinal() - _EPOCH_ORDINAL) * 86_400 + _HOURS[minute[11:13]] + _MINUTES[minute[14:]]
    )


def _rest_ns(text: str) -> int:
    """What follows the whole second (``.123456789``, then ``Z`` or ``±HH:MM``) as
    nanoseconds to add to it."""
    rest = text[19:]
    offset = 0
    try:
        if rest[-1:] != "Z":
            if len(rest) < 6 or rest[-6] not in "+-" or rest[-3] != ":":
                raise KeyError(rest)
            offset = _HOURS[rest[-5:-3]] + _MINUTES[rest[-2:]]
            if rest[-6] == "+":  # ahead of UTC: the same moment is earlier in UTC
                offset = -offset
            rest = rest[:-5]
        digits = rest[1:-1]
        if rest[:1] == "." and 0 < len(digits) < 10 and digits.isdigit() and digits.isascii():
            return offset * _NS + int(digits) * _SCALE[len(digits)]
        if len(rest) == 1:  # no fraction
            return offset * _NS
    except KeyError:
        pass
    raise _refusal(text)


@cache
def _schema_form() -> re.Pattern[str]:
    """The schema's pattern as the schema means it (``\\d`` an ASCII digit)."""
    return schema_pattern(fields()["@timestamp"]["pattern"])


def _refusal(text: str) -> ValueError:
    if _schema_form().match(text) is None:
        return ValueError(
            f"timestamp {text!r} is not RFC 3339 as the record schema has it: "
            "YYYY-MM-DDTHH:MM:SS, an optional fraction of 1 to 9 digits, then Z or ±HH:MM"
        )
    return ValueError(f"timestamp {text!r} is not a real date and time")
