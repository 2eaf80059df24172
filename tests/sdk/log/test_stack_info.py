"""``stack_info=True`` puts the stack at the call into ``hopscope.stack_info``."""

from __future__ import annotations

import logging

import sdk

from ..conftest import Capture


def checkout() -> None:
    logging.getLogger("cart.stdlib").info("where am I", stack_info=True)
    sdk.get_logger("cart").info("and here", stack_info=True, cart_id=1)


def test_the_stack_goes_to_a_field(capture: Capture) -> None:
    capture.only_sdk_handler()
    checkout()
    stdlib, structured = capture.take()
    for record in (stdlib, structured):
        stack = record["hopscope.stack_info"]
        assert stack.startswith("Stack (most recent call last):")
        assert "in checkout" in stack
        assert "/sdk/log/_" not in stack  # the logging machinery's own frames left out
        assert "labels.stack_info" not in record
    assert structured["labels.cart_id"] == 1
    sdk.get_logger("cart").info("no stack", stack_info=False)
    assert "hopscope.stack_info" not in capture.one()
