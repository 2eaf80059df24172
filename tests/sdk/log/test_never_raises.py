"""A log call never raises and never loses its line: any keyword name is a label, any
level given to ``log.log`` writes the line, and a value that cannot be written is
replaced alone."""

from __future__ import annotations

import asyncio
import logging

import pytest

import sdk

from ..conftest import Capture


@pytest.mark.parametrize("method", ["debug", "info", "warning", "error", "critical", "exception"])
def test_every_keyword_name_is_a_label(capture: Capture, method: str) -> None:
    log = sdk.get_logger("names")
    getattr(log, method)("checked out", event="order.paid", self=1, level="high")
    record = capture.one()
    assert record["message"] == "checked out"
    assert (record["labels.event"], record["labels.self"], record["labels.level"]) == (
        "order.paid",
        1,
        "high",
    )


def test_keywords_named_like_parameters_reach_log_and_async_methods(
    info_capture: Capture,
) -> None:
    log = sdk.get_logger("names")
    log.log(logging.WARNING, "warned", level="x", event="y")
    asyncio.run(log.ainfo("async", event="z", self=2))
    warned, late = info_capture.take()
    assert (warned["log.level"], warned["labels.level"], warned["labels.event"]) == (
        "warning",
        "x",
        "y",
    )
    assert (late["message"], late["labels.event"], late["labels.self"]) == ("async", "z", 2)


@pytest.mark.parametrize("level", [None, object(), "loud", 1.5, True])
def test_log_with_any_level_writes_the_line(capture: Capture, level: object) -> None:
    sdk.get_logger("levels").log(level, "still written", n=1)
    record = capture.one()
    assert record["message"] == "still written"
    assert record["labels.n"] == 1


def test_one_unwritable_label_is_replaced_alone(capture: Capture) -> None:
    log = sdk.get_logger("values")
    log.info("paid", n=10**5000, cart_id=42, note="fine")
    record = capture.one()
    assert record["message"] == "paid"
    assert record["labels.n"] == "<int (not renderable: ValueError)>"
    assert (record["labels.cart_id"], record["labels.note"]) == (42, "fine")
    logging.getLogger("values.stdlib").warning("bridge", extra={"n": 10**5000, "ok": True})
    record = capture.one()
    assert record["message"] == "bridge"
    assert record["labels.n"] == "<int (not renderable: ValueError)>"
    assert record["labels.ok"] is True
