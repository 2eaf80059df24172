"""Request-scoped fields (``sdk.bind``) and trace ids follow the code across asyncio tasks
and threads started with the context; the active OpenTelemetry span's ids are on every line."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

import sdk

from ..conftest import Capture


def test_bind_unbind_clear(capture: Capture) -> None:
    log = sdk.get_logger("ctx")
    sdk.bind(request_id="r1", user="ann")
    log.info("both")
    sdk.unbind("user")
    log.info("one")
    sdk.clear()
    log.info("none")
    both, one, none = capture.take()
    assert (both["labels.request_id"], both["labels.user"]) == ("r1", "ann")
    assert one["labels.request_id"] == "r1"
    assert "labels.user" not in one
    assert not [k for k in none if k.startswith("labels.")]


def test_bound_holds_inside_the_block_only(capture: Capture) -> None:
    log = sdk.get_logger("ctx")
    with sdk.bound(order_id=7):
        log.info("inside")
        with sdk.bound(step="pay"):
            log.info("nested")
    log.info("outside")
    inside, nested, outside = capture.take()
    assert inside["labels.order_id"] == 7
    assert "labels.step" not in inside
    assert (nested["labels.order_id"], nested["labels.step"]) == (7, "pay")
    assert "labels.order_id" not in outside


def test_call_keywords_win_over_bound_labels(capture: Capture) -> None:
    with sdk.bound(step="bound"):
        sdk.get_logger("ctx").bind(step="logger").info("m", step="call")
    assert capture.one()["labels.step"] == "call"


async def test_fields_follow_asyncio_tasks_and_stay_apart(info_capture: Capture) -> None:
    capture = info_capture
    log = sdk.get_logger("ctx")

    async def handle(request_id: str) -> None:
        sdk.bind(request_id=request_id)
        await asyncio.sleep(0)
        log.info("handled")
        await asyncio.sleep(0)
        logging.getLogger("ctx.stdlib").info("stdlib handled")

    capture.only_sdk_handler()
    await asyncio.gather(*(handle(f"r{n}") for n in range(5)))
    records = capture.take()
    assert len(records) == 10
    for record in records:
        assert record["labels.request_id"] in {f"r{n}" for n in range(5)}
    assert sorted(r["labels.request_id"] for r in records) == sorted(
        [f"r{n}" for n in range(5)] * 2
    )
    log.info("outside every task")
    assert "labels.request_id" not in capture.one()


def test_fields_follow_threads_started_with_the_context(capture: Capture) -> None:
    log = sdk.get_logger("ctx")
    sdk.bind(request_id="r-thread")
    ctx = contextvars.copy_context()
    worker = threading.Thread(target=ctx.run, args=(log.info, "in thread"))
    worker.start()
    worker.join()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(contextvars.copy_context().run, log.info, "in pool").result()
    with ThreadPoolExecutor(1) as pool:  # no context given: nothing leaks in
        pool.submit(log.info, "bare pool").result()
    in_thread, in_pool, bare = capture.take()
    assert in_thread["labels.request_id"] == "r-thread"
    assert in_pool["labels.request_id"] == "r-thread"
    assert "labels.request_id" not in bare


async def test_to_thread_carries_the_context(info_capture: Capture) -> None:
    capture = info_capture
    sdk.bind(request_id="r-to-thread")
    await asyncio.to_thread(sdk.get_logger("ctx").info, "to_thread")
    assert capture.one()["labels.request_id"] == "r-to-thread"


def test_active_span_ids_are_on_every_line(capture: Capture) -> None:
    capture.only_sdk_handler()
    tracer = trace.get_tracer("tests")
    log = sdk.get_logger("trace")
    log.info("before")
    with tracer.start_as_current_span("outer") as outer:
        log.info("in outer")
        with tracer.start_as_current_span("inner") as inner:
            logging.getLogger("trace.stdlib").info("in inner")
        log.info("outer again")
    log.info("after")
    before, in_outer, in_inner, outer_again, after = capture.take()
    outer_ctx, inner_ctx = outer.get_span_context(), inner.get_span_context()
    assert "trace.id" not in before
    assert "trace.id" not in after
    assert in_outer["trace.id"] == format(outer_ctx.trace_id, "032x")
    assert in_outer["span.id"] == format(outer_ctx.span_id, "016x")
    assert in_inner["trace.id"] == in_outer["trace.id"]
    assert in_inner["span.id"] == format(inner_ctx.span_id, "016x")
    assert outer_again["span.id"] == in_outer["span.id"]


async def test_span_ids_follow_concurrent_tasks(info_capture: Capture) -> None:
    capture = info_capture
    tracer = trace.get_tracer("tests")
    log = sdk.get_logger("trace")
    expected: dict[str, str] = {}

    async def work(name: str) -> None:
        with tracer.start_as_current_span(name) as span:
            expected[name] = format(span.get_span_context().span_id, "016x")
            for _ in range(3):
                await asyncio.sleep(0)
                log.info("step", task=name)

    await asyncio.gather(*(work(f"t{n}") for n in range(4)))
    records = capture.take()
    assert len(records) == 12
    for record in records:
        assert record["span.id"] == expected[record["labels.task"]]


def test_configure_sets_up_a_tracer_provider() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    sdk.configure(service="cart")
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    with trace.get_tracer("tests").start_as_current_span("s") as span:
        assert span.get_span_context().is_valid
