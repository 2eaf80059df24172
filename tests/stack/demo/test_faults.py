"""Which fault each demo request carries."""

from __future__ import annotations

import pytest

from stack.demo.faults import ALL_FAULTS, Fault, FaultSchedule, fault_of, parse_faults


def test_parse_faults() -> None:
    assert parse_faults("all") == ALL_FAULTS
    assert parse_faults("none") == ()
    assert parse_faults("") == ()
    assert parse_faults("slow, timeout,slow") == (Fault.SLOW, Fault.TIMEOUT)
    with pytest.raises(ValueError, match="unknown fault basket; choose from all, none, slow"):
        parse_faults("slow,basket")


def test_schedule_sends_every_fault_in_turn_between_healthy_requests() -> None:
    schedule = FaultSchedule(ALL_FAULTS, every=3)
    sent = [schedule.fault_for(n) for n in range(schedule.requests_for_all())]
    assert [f for f in sent if f is not None] == list(ALL_FAULTS)
    assert sent.count(None) == 2 * len(ALL_FAULTS)
    assert FaultSchedule((), every=3).fault_for(2) is None
    with pytest.raises(ValueError, match="every must be >= 1"):
        FaultSchedule(ALL_FAULTS, every=0)


def test_fault_of_ignores_unknown_names() -> None:
    assert fault_of("expired-token") is Fault.EXPIRED_TOKEN
    assert fault_of("reboot") is None
    assert fault_of(None) is None
