"""W3C Trace Context (level 2): reading an inbound ``traceparent`` and ``tracestate``, and
minting ids.

Parsing is done here rather than through OpenTelemetry's generic propagator because it runs
on every request, and the header has one fixed shape (``00-<trace>-<parent>-<flags>``).
What is parsed goes on in the OpenTelemetry span context of the request (flags and
tracestate), so the httpx instrumentation writes both headers of every outbound call.
"""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final, NamedTuple

from opentelemetry import trace

_INVALID_TRACE: Final = "0" * 32
_INVALID_SPAN: Final = "0" * 16
_HEX: Final = frozenset("0123456789abcdef")  # lower case only: the spec forbids upper case
_OWS: Final = " \t"

#: trace-flags bits: the caller may have recorded the trace; the trace id is random
SAMPLED: Final = 0x01
RANDOM: Final = 0x02
#: the flags this version knows; the others are set to zero on outgoing requests
_KNOWN_FLAGS: Final = SAMPLED | RANDOM

#: tracestate limits: list members, and the combined length propagated (the spec's floor;
#: longer lists lose whole members as its truncation rule says)
MAX_MEMBERS: Final = 32
MAX_TRACESTATE: Final = 512
_LONG_MEMBER: Final = 128
_MEMBER: Final = re.compile(
    r"([a-z0-9][a-z0-9_\-*/@]{0,255})"  # key
    r"=([\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e])"  # value
)


class TraceState(trace.TraceState):
    """The list members of an inbound ``tracestate``, as received and validated here.

    OpenTelemetry's own TraceState checks keys against the grammar of level 1
    (``tenant@system`` with fixed lengths) and would drop keys level 2 allows, such as
    ``foo@`` or ``a@b@c``; the members are kept as they are instead.
    """

    def __init__(self, members: OrderedDict[str, str]) -> None:
        self._dict = members


class Parent(NamedTuple):
    """The caller's span, as its ``traceparent`` named it (and its ``tracestate``)."""

    trace_id: str
    span_id: str
    flags: int  # the known trace-flags (SAMPLED, RANDOM); unknown bits are dropped
    state: trace.TraceState | None = None  # what the next hop gets as ``tracestate``

    @property
    def sampled(self) -> bool:
        return bool(self.flags & SAMPLED)


def parse_traceparent(header: str | None) -> Parent | None:
    """The parent named by a ``traceparent`` header, or None when absent or malformed.

    Version ``00`` is exactly 55 characters; a higher version (not ``ff``) is read as far as
    ``00`` reaches, its flags followed by the end or a dash, and what follows ignored.
    """
    if not header:
        return None
    header = header.strip(_OWS)
    if len(header) < 55:
        return None
    version = header[:2]
    if version == "00":
        if len(header) != 55:
            return None
    elif version == "ff" or (len(header) > 55 and header[55] != "-"):
        return None
    if header[2] != "-" or header[35] != "-" or header[52] != "-":
        return None
    trace_id, span_id, flags = header[3:35], header[36:52], header[53:55]
    if (
        not _HEX.issuperset(header[:2] + trace_id + span_id + flags)
        or trace_id == _INVALID_TRACE
        or span_id == _INVALID_SPAN
    ):
        return None
    return Parent(trace_id, span_id, int(flags, 16) & _KNOWN_FLAGS)


def parse_trace_context(traceparent: str | None, tracestate: Sequence[str] | None) -> Parent | None:
    """The parent of an inbound request: its ``traceparent``, with the ``tracestate`` list
    (its header fields in order) when both are valid. A ``tracestate`` is read only with a
    valid ``traceparent``, and never makes the ``traceparent`` invalid."""
    parent = parse_traceparent(traceparent)
    if parent is None or not tracestate:
        return parent
    state = parse_tracestate(tracestate)
    return parent if state is None else parent._replace(state=state)


def parse_tracestate(fields: Sequence[str]) -> TraceState | None:
    """The list members of ``tracestate`` header fields, combined in order as one list
    (RFC 9110, 5.3), or None when there are none or the list is invalid.

    Empty members and the whitespace around members are skipped. A member that breaks the
    grammar, or more than 32 members, make the whole list invalid (a partly read list could
    hand a vendor's entry a meaning it did not have). Of a duplicated key the left-most
    member is kept. A list longer than 512 characters loses whole members: those over 128
    characters first, then from the right.
    """
    members: OrderedDict[str, str] = OrderedDict()
    count = 0
    for field in fields:
        for member in field.split(","):
            member = member.strip(_OWS)
            if not member:
                continue
            count += 1
            match = _MEMBER.fullmatch(member)
            if match is None or count > MAX_MEMBERS:
                return None
            key, value = match.groups()
            members.setdefault(key, value)
    if not members:
        return None
    return TraceState(_fit(members))


def _fit(members: OrderedDict[str, str]) -> OrderedDict[str, str]:
    """``members`` within ``MAX_TRACESTATE`` characters, by the spec's truncation rule."""
    lengths = {key: len(key) + 1 + len(value) for key, value in members.items()}
    total = sum(lengths.values()) + len(lengths) - 1
    if total <= MAX_TRACESTATE:
        return members
    right_first = list(reversed(members))
    long_first = [k for k in right_first if lengths[k] > _LONG_MEMBER]
    long_first += [k for k in right_first if lengths[k] <= _LONG_MEMBER]
    for key in long_first:
        if total <= MAX_TRACESTATE:
            break
        total -= lengths[key] + 1
        del members[key]
    return members


def format_traceparent(trace_id: str, span_id: str, flags: int = SAMPLED | RANDOM) -> str:
    return f"00-{trace_id}-{span_id}-{flags & _KNOWN_FLAGS:02x}"


def span_id_of(header: str | None) -> str | None:
    """The span id a ``traceparent`` header carries (the sender's own span)."""
    parent = parse_traceparent(header)
    return None if parent is None else parent.span_id


# Ids need to be unique, not secret: the module's generator (as in the OpenTelemetry SDK),
# which Python reseeds in every forked worker. All 128 bits are random: the RANDOM flag holds.
def new_trace_id() -> str:
    return format(random.getrandbits(128) or 1, "032x")


def new_span_id() -> str:
    return format(random.getrandbits(64) or 1, "016x")


def span_context_of(parent: Parent) -> trace.SpanContext:
    """An OpenTelemetry context for the remote parent, so spans started under it join the
    trace with its flags and tracestate."""
    return trace.SpanContext(
        trace_id=int(parent.trace_id, 16),
        span_id=int(parent.span_id, 16),
        is_remote=True,
        trace_flags=trace.TraceFlags(parent.flags),
        trace_state=parent.state,
    )
