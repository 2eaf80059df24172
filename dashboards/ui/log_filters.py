"""The logs page's filters as plain values, as they sit in the URL, and how they become a
store log query. No Streamlit here: the page reads widgets into :class:`LogFilters`.

The filters are those of ``hopscope logs``: words, services, a minimum level, since and
until (a duration back from now such as ``15m``, or an RFC 3339 time), ``field=value``
pairs, a trace id, structured / unstructured / both, and hop records in or out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from dashboards.records import format_ns, parse_ns
from dashboards.store.logs import LEVELS, LineKind
from dashboards.ui.filters import FilterError, parse_attributes

#: The minimum level's choices; "any" asks for no minimum.
MIN_LEVELS: Final = ("any", *LEVELS)
KINDS: Final[tuple[LineKind, ...]] = ("both", "structured", "unstructured")
ORDERS: Final = ("newest", "oldest")
_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNIT_NS: Final = {
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
    "d": 86400 * 1_000_000_000,
    "w": 7 * 86400 * 1_000_000_000,
}
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
#: A quoted phrase (an unclosed quote runs to the end), or a run of anything but spaces.
_WORDS = re.compile(r'"([^"]*)"?|([^\s"]+)')


@dataclass(frozen=True, slots=True)
class LogFilters:
    words: str = ""
    services: tuple[str, ...] = ()
    level: str = "any"
    since: str = ""
    until: str = ""
    #: ``field=value`` pairs separated by ``;``
    fields: str = ""
    trace_id: str = ""
    kind: LineKind = "both"
    hops: bool = False
    order: str = "newest"


def parse_moment(text: str, now_ns: int, what: str = "time") -> int | None:
    """``15m`` (that long before *now_ns*) or an RFC 3339 time -> Unix nanoseconds; blank
    -> None. Anything else is a :class:`FilterError` saying what is expected."""
    text = text.strip()
    if not text:
        return None
    duration = _DURATION.match(text.lower())
    if duration:
        return now_ns - int(duration.group(1)) * _UNIT_NS[duration.group(2)]
    try:
        return parse_ns(text)
    except ValueError:
        raise FilterError(
            f"{what} {text!r} is neither a duration (30s, 15m, 2h, 1d, 1w) nor an "
            "RFC 3339 time (2026-11-25T12:00:00Z)"
        ) from None


def moment_text(ns: int) -> str:
    """A time as the since/until boxes take it (RFC 3339 UTC), to the nanosecond when it
    has them (a bucket's bounds are exact, or a bar would lose lines at its edges)."""
    text = format_ns(ns)
    rest = ns % 1000
    return f"{text[:-1]}{rest:03d}Z" if rest and ns >= 1_000_000_000 else text


def words(filters: LogFilters) -> tuple[str, ...]:
    """The words box as query entries: each word, and each quoted phrase as one entry
    (``timeout "card declined"`` -> ``("timeout", "card declined")``)."""
    out: list[str] = []
    for phrase, word in _WORDS.findall(filters.words):
        entry = (phrase or word).strip()
        if entry:
            out.append(entry)
    return tuple(out)


def time_bounds(filters: LogFilters, now_ns: int) -> tuple[int | None, int | None]:
    """``[since, until)`` in Unix nanoseconds (None: open)."""
    since = parse_moment(filters.since, now_ns, "since")
    until = parse_moment(filters.until, now_ns, "until")
    if since is not None and until is not None and since >= until:
        raise FilterError("since is not before until: no line can match")
    return since, until


def trace_id(filters: LogFilters) -> str | None:
    raw = filters.trace_id.strip().lower()
    if not raw:
        return None
    if not _TRACE_ID.match(raw):
        raise FilterError(f"trace id {filters.trace_id.strip()!r} is not 32 hex digits")
    return raw


def fields(filters: LogFilters) -> tuple[tuple[str, str], ...]:
    """The ``field=value`` pairs (values as typed; the store types them)."""
    return tuple((k, str(v)) for k, v in parse_attributes(filters.fields).items())


def services_text(services: tuple[str, ...]) -> str | None:
    """Services as one URL value (``cart,payments``), None for none."""
    return ",".join(services) or None


def parse_services(raw: str) -> list[str] | None:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return names or None
