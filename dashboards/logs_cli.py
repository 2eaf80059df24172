"""``hopscope logs [WORDS...]``: search, page and follow the stored log lines.

Exit status as grep's: 0 when lines matched, 1 when none did, 2 when the query or the store
cannot be used (the message says why). ``--follow`` runs until Ctrl-C, which exits 0.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, Any, Final

import orjson

from dashboards.logs_view import render_line
from dashboards.records import parse_ns
from dashboards.store import LEVELS, LogLine, LogQuery, Store, StoreError, open_store

PROG: Final = "hopscope logs"
_DURATION: Final = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_TRACE_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_SECOND: Final = 1_000_000_000
#: How often ``--follow`` asks the store for new lines.
FOLLOW_POLL_SECONDS: Final = 0.5
#: ``--follow`` looks this far behind the newest line it printed for lines stored late (a
#: slower service's lines, a collector catching up); older stragglers are not shown.
FOLLOW_SLACK_NS: Final = 30 * _SECOND
#: Lines per store request while following.
FOLLOW_BATCH: Final = 1000


class UsageError(ValueError):
    """A bad option value; the message names the option and what it takes."""


def register(sub: Any, store_help: str) -> None:
    logs = sub.add_parser(
        "logs",
        help="search and follow the stored log lines of every service",
        description="Print the stored log lines that match: every WORD must occur in the "
        "message (quote a phrase: 'card declined'). The newest --limit lines are printed, "
        "oldest first. Hop records are left out unless --hops. Exit status: 0 when lines "
        "matched, 1 when none did, 2 on a bad query or store.",
    )
    logs.add_argument("words", nargs="*", metavar="WORDS", help="words or quoted phrases")
    logs.add_argument("--store", metavar="URL", help=store_help)
    logs.add_argument(
        "--service", action="append", default=[], metavar="NAME", help="this service (repeatable)"
    )
    logs.add_argument(
        "--level", choices=LEVELS, metavar="LEVEL", help=f"minimum level: {', '.join(LEVELS)}"
    )
    logs.add_argument(
        "--since", metavar="WHEN", help="from this time: a duration back (15m, 2h, 1d) or RFC 3339"
    )
    logs.add_argument(
        "--until", metavar="WHEN", help="before this time: a duration back or RFC 3339"
    )
    logs.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a schema field or labels.* with this value (repeatable; all must hold)",
    )
    logs.add_argument("--trace", metavar="ID", help="the lines of one trace (32 hex digits)")
    logs.add_argument(
        "--unstructured", action="store_true", help="only lines that were not valid records"
    )
    logs.add_argument("--hops", action="store_true", help="include hop records")
    logs.add_argument(
        "--limit", type=int, default=100, metavar="N", help="the newest N lines (default 100)"
    )
    logs.add_argument(
        "--page",
        metavar="TOKEN",
        help="the next older lines of the same search (the token it printed)",
    )
    logs.add_argument(
        "--context", type=int, metavar="N", help="also N lines before and after each match"
    )
    logs.add_argument(
        "--json", action="store_true", help="each record exactly as stored, one JSON a line"
    )
    logs.add_argument(
        "--follow",
        action="store_true",
        help="then print new matching lines as they are stored, until Ctrl-C",
    )
    logs.set_defaults(run=run_logs)


def moment(value: str, option: str, now_ns: int) -> int:
    """``15m``/``2h``/``1d`` back from *now_ns*, or an RFC 3339 time, as Unix ns."""
    found = _DURATION.match(value.strip())
    if found:
        return now_ns - int(found.group(1)) * _UNITS[found.group(2)] * _SECOND
    try:
        return parse_ns(value.strip())
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is neither a duration (30s, 15m, 2h, 1d, 1w) nor an RFC 3339 "
            "time (2026-11-25T14:00:00Z)"
        ) from None


def field_pair(value: str) -> tuple[str, str]:
    name, equals, wanted = value.partition("=")
    if not equals or not name.strip():
        raise UsageError(f"--field {value!r}: use NAME=VALUE (http.response.status_code=502)")
    return name.strip(), wanted


def build_query(args: argparse.Namespace, now_ns: int) -> LogQuery:
    """The store query the options ask for (raises :class:`UsageError`)."""
    if args.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {args.limit}")
    if args.context is not None and args.context < 0:
        raise UsageError(f"--context must be 0 or more, got {args.context}")
    if args.follow and (args.until or args.page):
        raise UsageError("--follow shows new lines: it does not combine with --until or --page")
    trace = None
    if args.trace is not None:
        trace = args.trace.strip().lower()
        if not _TRACE_ID.match(trace):
            raise UsageError(f"--trace {args.trace!r} is not a trace id (32 hex digits)")
    return LogQuery(
        since_ns=None if args.since is None else moment(args.since, "--since", now_ns),
        until_ns=None if args.until is None else moment(args.until, "--until", now_ns),
        services=tuple(args.service),
        min_level=args.level,
        words=tuple(w for w in args.words if w.strip()),
        fields=tuple(field_pair(v) for v in args.field),
        trace_id=trace,
        kind="unstructured" if args.unstructured else "both",
        include_hops=args.hops,
        newest_first=True,
        limit=args.limit,
        cursor=args.page,
    )


class Printer:
    """Lines to *out* as text (coloured on a terminal) or as stored JSON records."""

    def __init__(self, out: IO[str], *, as_json: bool, colour: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.colour = colour

    def line(self, line: LogLine, mark: str = "") -> None:
        if self.as_json:
            self.out.write(orjson.dumps(dict(line.doc)).decode() + "\n")
        else:
            self.out.write(render_line(line, colour=self.colour, mark=mark) + "\n")

    def separator(self) -> None:
        if not self.as_json:
            self.out.write("--\n")


def wants_colour(out: IO[str]) -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set (no-color.org)."""
    return out.isatty() and not os.environ.get("NO_COLOR")


def run_logs(args: argparse.Namespace) -> int:
    now_ns = time.time_ns()
    try:
        query = build_query(args, now_ns)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    printer = Printer(sys.stdout, as_json=args.json, colour=wants_colour(sys.stdout))
    try:
        with open_store(args.store) as store:
            matched = print_matches(store, query, printer, context=args.context or 0)
            sys.stdout.flush()
            if args.follow:
                try:
                    follow(store, query, printer, matched)
                except KeyboardInterrupt:
                    return 0  # Ctrl-C is how a follow ends
    except StoreError as exc:  # BadQuery included: the store says what is wrong
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.follow:
        return 0
    return 0 if matched else 1


def print_matches(
    store: Store, query: LogQuery, printer: Printer, *, context: int
) -> list[LogLine]:
    """The page of *query* (newest first), printed oldest first; a note on stderr when
    older lines match too. Returns the lines printed as matches."""
    page = store.search_logs(query)
    lines = page.lines[::-1]
    if context:
        print_with_context(store, lines, printer, context)
    else:
        for line in lines:
            printer.line(line)
    if page.next_cursor is not None:
        print(
            f"{PROG}: older lines match too: add --page {page.next_cursor} for the next "
            f"{query.limit}",
            file=sys.stderr,
        )
    return lines


def print_with_context(store: Store, lines: list[LogLine], printer: Printer, n: int) -> None:
    """Each match with the lines around it in its source (``>`` marks the match), groups
    apart by ``--``; a line already printed is not printed again."""
    printed: set[str] = set()
    matches = {line.record_id for line in lines}
    for number, line in enumerate(lines):
        around = store.log_context(line.record_id, n, n)
        group = [*around.before, line, *around.after]
        fresh = [c for c in group if c.record_id not in printed]
        if number and fresh and fresh[0].record_id == group[0].record_id:
            printer.separator()
        for shown_line in fresh:
            printer.line(shown_line, ">" if shown_line.record_id in matches else " ")
            printed.add(shown_line.record_id)


def follow(
    store: Store,
    query: LogQuery,
    printer: Printer,
    printed: list[LogLine],
    *,
    clock: Callable[[], int] = time.time_ns,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Print the lines matching *query* stored from now on, oldest first, until
    interrupted (or *rounds* polls, for tests)."""
    seen = {line.record_id: line.time_ns for line in printed}
    newest = max(seen.values(), default=clock())
    polls = 0
    while rounds is None or polls < rounds:
        polls += 1
        start = min(newest, clock()) - FOLLOW_SLACK_NS
        if query.since_ns is not None:
            start = max(start, query.since_ns)
        window = replace(query, since_ns=start, newest_first=False, limit=FOLLOW_BATCH, cursor=None)
        for line in _all(store, window):
            if line.record_id in seen:
                continue
            seen[line.record_id] = line.time_ns
            newest = max(newest, line.time_ns)
            printer.line(line)
        printer.out.flush()
        # forget what has left the window: it cannot come back
        for record_id in [r for r, t in seen.items() if t < start]:
            del seen[record_id]
        sleep(FOLLOW_POLL_SECONDS)


def _all(store: Store, query: LogQuery) -> Iterator[LogLine]:
    while True:
        page = store.search_logs(query)
        yield from page.lines
        if page.next_cursor is None:
            return
        query = replace(query, cursor=page.next_cursor)
