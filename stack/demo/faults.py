"""The faults the demo can inject, and which request gets which.

The traffic generator names the fault in the payment request; the services act it out on
the hop where it belongs, so each one shows up in the store where an operator would look:

- ``slow``: the cart takes its time verifying (a long cart hop under a normal payment);
- ``error``: the cart fails with a 500 (an error on the cart's server hop, a 502 above it);
- ``timeout``: the cart's first answer comes after the gateway's client timeout, so the
  S2S client retries (two client hops, attempt 1 failed, attempt 2 succeeded);
- ``expired-token``: notifications refuses the gateway's cached service token as expired,
  so the S2S client fetches a new one from SSO and retries;
- ``malformed``: the cart prints a plain-text line on stdout (the collector keeps it as an
  unstructured record rather than dropping it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    SLOW = "slow"
    ERROR = "error"
    TIMEOUT = "timeout"
    EXPIRED_TOKEN = "expired-token"  # noqa: S105 - a fault name
    MALFORMED = "malformed"


ALL_FAULTS: tuple[Fault, ...] = tuple(Fault)


def parse_faults(text: str) -> tuple[Fault, ...]:
    """``all``, ``none`` or a comma list of fault names (``slow,error``)."""
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    if words in ([], ["none"]):
        return ()
    if words == ["all"]:
        return ALL_FAULTS
    known = {f.value: f for f in Fault}
    unknown = [w for w in words if w not in known]
    if unknown:
        choices = ", ".join(["all", "none", *known])
        raise ValueError(f"unknown fault {', '.join(unknown)!s}; choose from {choices}")
    return tuple(dict.fromkeys(known[w] for w in words))


def fault_of(value: str | None) -> Fault | None:
    """The fault named in a request, or ``None`` (unknown names are ignored, not fatal)."""
    if not value:
        return None
    try:
        return Fault(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class FaultSchedule:
    """Every *every*-th request carries the next fault in turn; the others are healthy.

    Deterministic, so a short run is sure to show each enabled fault at least once.
    """

    faults: Sequence[Fault] = ()
    every: int = 3

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError("a fault needs at least one request: every must be >= 1")

    def fault_for(self, request_number: int) -> Fault | None:
        if not self.faults or request_number % self.every != self.every - 1:
            return None
        return self.faults[(request_number // self.every) % len(self.faults)]

    def requests_for_all(self) -> int:
        """How many requests it takes until every fault has been sent once."""
        return self.every * len(self.faults)


#: how long the cart takes under the ``slow`` fault
SLOW_SECONDS = 0.6
#: how long the cart's first answer takes under ``timeout``: beyond the gateway's cart timeout
STALL_SECONDS = 3.5
#: the payment gateway's timeout for one cart attempt
CART_TIMEOUT_SECONDS = 2.0
