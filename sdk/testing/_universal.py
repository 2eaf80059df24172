"""The universal checks every service passes (the seed's "universal tests"): its health
route answers, and its always-failing route reaches error reporting, each with the records
and the Sentry event hopscope should see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sdk.schema import Record, names
from sdk.testing._calling import caller
from sdk.testing._records import HopRecords, capturing
from sdk.testing._sentry import SentryEvent, capturing_sentry

_ERROR_LEVELS: Final = frozenset({"error", "critical"})


def check_health(
    app: Any, path: str = "/health", *, headers: Mapping[str, str] | None = None
) -> Record:
    """Fail (``AssertionError``) unless ``GET path`` answers 200, writes one server hop record
    and no line at level error or above; the hop record comes back."""
    records = HopRecords()
    with capturing(records):
        answer = caller(app)("GET", path, headers)
    problems = []
    if answer.status != 200:
        problems.append(f"answered {_status(answer.status, answer.raised)}, expected 200")
    hops = records.hops(kind="server")
    if len(hops) != 1:
        problems.append(f"wrote {len(hops)} server hop record(s), expected 1")
    problems.extend(
        f"wrote a line at level {r[names.LOG_LEVEL]}: {r.get(names.MESSAGE, '')!r}"
        for r in records.lines
        if r.get(names.LOG_LEVEL) in _ERROR_LEVELS
    )
    problems.extend(f"wrote an invalid line: {i.reason}" for i in records.invalid)
    _fail_on("check_health", f"GET {path}", problems)
    return hops[0]


def check_error_reporting(
    app: Any, path: str, *, method: str = "GET", headers: Mapping[str, str] | None = None
) -> SentryEvent:
    """Fail (``AssertionError``) unless the always-failing route at ``path`` answers 500,
    writes one server hop record with its error, and makes exactly one Sentry event, tagged
    with that request's trace id; the event comes back.

    Sentry is started for the call as :func:`sdk.configure` starts it, with the events kept
    in process (as the ``sentry_events`` fixture does)."""
    records = HopRecords()
    with capturing(records), capturing_sentry() as events:
        answer = caller(app)(method.upper(), path, headers)
    problems = []
    if answer.status != 500:
        problems.append(f"answered {_status(answer.status, answer.raised)}, expected 500")
    hops = records.hops(kind="server")
    trace_id = hops[0].get(names.TRACE_ID) if len(hops) == 1 else None
    if len(hops) != 1:
        problems.append(f"wrote {len(hops)} server hop record(s), expected 1")
    elif names.ERROR_TYPE not in hops[0]:
        problems.append("its server hop record has no error.type")
    if len(events) != 1:
        kinds = ", ".join(str(e.exception_type or names.MESSAGE) for e in events)
        problems.append(
            f"made {len(events)} Sentry event(s), expected exactly 1"
            + (f" ({kinds})" if kinds else "")
        )
    elif trace_id is not None and events[0].trace_id != trace_id:
        problems.append(
            f"its Sentry event is tagged trace.id={events[0].trace_id}, "
            f"not the request's {trace_id}"
        )
    leaked = events.problems()
    if leaked:
        problems.append(leaked)
    _fail_on("check_error_reporting", f"{method.upper()} {path}", problems)
    return events[0]


def _status(status: int, raised: str | None) -> str:
    return f"{status} (raised {raised})" if raised else str(status)


def _fail_on(check: str, request: str, problems: list[str]) -> None:
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise AssertionError(f"{check}: {request}:\n{listed}")
