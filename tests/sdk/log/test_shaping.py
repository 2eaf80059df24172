"""Shaping: reserved fields cannot be forged, long values are cut with a marker, errors
become error.* fields, messages are interpolated safely."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

import sdk
from sdk import schema
from sdk.log import _context as context

from ..conftest import Capture

TRACE = "0af7651916cd43dd8448eb211c80319c"
SPAN = "b7ad6b7169203331"


def test_the_five_line_example(capture: Capture) -> None:
    log = sdk.get_logger(__name__)
    log.info("cart checked out", cart_id=42, items=3)
    record = capture.one()
    assert list(record)[:3] == ["@timestamp", "log.level", "message"]
    assert record["message"] == "cart checked out"
    assert record["log.level"] == "info"
    assert record["log.logger"] == __name__
    assert record["service.name"] == "cart"
    assert record["service.version"] == "1.4.2"
    assert record["service.environment"] == "test"
    assert record["hopscope.schema_version"] == schema.SCHEMA_VERSION
    assert record["labels.cart_id"] == 42
    assert record["labels.items"] == 3


@pytest.mark.parametrize(
    "name",
    ["trace.id", "span.id", "message", "log.level", "@timestamp", "service.name", "error.type"],
)
def test_keywords_cannot_forge_reserved_fields(capture: Capture, name: str) -> None:
    sdk.get_logger("forge").info("honest", **{name: "evil"})
    record = capture.one()
    assert record.get(name) != "evil"
    assert record[f"labels.{name.replace('.', '_')}"] == "evil"


def test_bound_fields_and_stdlib_extras_cannot_forge_either(capture: Capture) -> None:
    capture.only_sdk_handler()
    with sdk.bound(**{"trace.id": TRACE}):
        sdk.get_logger("forge").bind(**{"span.id": SPAN}).info("bound")
    logging.getLogger("forge.stdlib").warning("extra", extra={"trace.id": TRACE})
    first, second = capture.take()
    assert "trace.id" not in first
    assert "span.id" not in first
    assert (first["labels.trace_id"], first["labels.span_id"]) == (TRACE, SPAN)
    assert "trace.id" not in second
    assert second["labels.trace_id"] == TRACE


def test_trusted_fields_from_the_sdk_are_schema_fields(capture: Capture) -> None:
    token = context.push_fields({"trace.id": TRACE, "span.id": SPAN, "http.route": "/carts"})
    try:
        sdk.get_logger("trusted").info("inside a hop")
    finally:
        context.pop_fields(token)
    sdk.get_logger("trusted").info("after the hop")
    inside, after = capture.take()
    assert (inside["trace.id"], inside["span.id"], inside["http.route"]) == (TRACE, SPAN, "/carts")
    assert "http.route" not in after


def test_emit_keeps_schema_fields_and_moves_the_rest_to_labels(capture: Capture) -> None:
    sdk.emit(
        "GET /carts/{id}",
        {
            "hopscope.hop.kind": "server",
            "http.response.status_code": 200,
            "event.duration": 1_500_000,
            "http.request.method": "get",  # not upper case: invalid, kept as a label
            "message": "cannot replace the message",
            "color": "blue",
            "url.full": "https://bob:pw@api.example.com/x?token=abc&page=2",
        },
    )
    record = capture.one()
    assert record["message"] == "GET /carts/{id}"
    assert record["hopscope.hop.kind"] == "server"
    assert record["http.response.status_code"] == 200
    assert record["event.duration"] == 1_500_000
    assert "http.request.method" not in record
    assert record["labels.http_request_method"] == "get"
    assert record["labels.message"] == "cannot replace the message"
    assert record["labels.color"] == "blue"
    assert record["url.full"] == "https://bob:[REDACTED]@api.example.com/x?token=[REDACTED]&page=2"


def test_long_strings_are_cut_with_a_marker(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture(max_string=100)
    sdk.get_logger("cut").info("m" * 150, body="b" * 1000, short="ok")
    record = capture.one()
    assert record["message"] == "m" * 100 + "…[truncated 50 chars]"
    assert record["labels.body"] == "b" * 100 + "…[truncated 900 chars]"
    assert record["labels.short"] == "ok"
    assert record["hopscope.truncated"] is True


def test_long_trusted_bodies_are_cut_to_the_body_limit(
    make_capture: Callable[..., Capture],
) -> None:
    capture = make_capture(max_body=64)
    sdk.emit("hop", {"http.response.body.content": "x" * 100})
    record = capture.one()
    assert record["http.response.body.content"] == "x" * 64 + "…[truncated 36 chars]"
    assert record["hopscope.truncated"] is True


def test_exception_gives_error_fields_with_the_chain(capture: Capture) -> None:
    log = sdk.get_logger("errors")
    try:
        try:
            {}["missing"]
        except KeyError as exc:
            raise RuntimeError("checkout failed") from exc
    except RuntimeError:
        log.exception("could not check out", cart_id=7)
    record = capture.one()
    assert record["log.level"] == "error"
    assert record["error.type"] == "RuntimeError"
    assert record["error.message"] == "checkout failed"
    trace = record["error.stack_trace"]
    assert "KeyError: 'missing'" in trace
    assert "The above exception was the direct cause" in trace
    assert "RuntimeError: checkout failed" in trace
    assert record["labels.cart_id"] == 7


def test_exc_info_on_any_level_and_on_stdlib_loggers(capture: Capture) -> None:
    capture.only_sdk_handler()
    error = ValueError("bad value")
    sdk.get_logger("errors").warning("warned", exc_info=error)
    try:
        raise OSError("disk")
    except OSError:
        logging.getLogger("stdlib.errors").exception("stdlib failed")
    structlog_line, stdlib_line = capture.take()
    assert structlog_line["error.type"] == "ValueError"
    assert structlog_line["log.level"] == "error"
    assert stdlib_line["error.type"] == "OSError"
    assert "OSError: disk" in stdlib_line["error.stack_trace"]


def test_qualified_error_type_for_library_exceptions(capture: Capture) -> None:
    import json

    try:
        json.loads("{")
    except json.JSONDecodeError:
        sdk.get_logger("errors").exception("parse")
    assert capture.one()["error.type"] == "json.decoder.JSONDecodeError"


@pytest.mark.parametrize(
    ("event", "args", "expected"),
    [
        ("%s items", (3,), "3 items"),
        ("%(n)d items", ({"n": 4},), "4 items"),
        ("%d items", ("three",), "%d items % ('three',) (bad format arguments)"),
        ("no placeholder", (1,), "no placeholder % (1,) (bad format arguments)"),
    ],
)
def test_positional_arguments_are_interpolated_safely(
    capture: Capture, event: str, args: tuple[Any, ...], expected: str
) -> None:
    sdk.get_logger("fmt").info(event, *args)
    assert capture.one()["message"] == expected


def test_shaping_failure_still_writes_a_valid_line(capture: Capture) -> None:
    class Exploding(dict[str, Any]):
        def items(self) -> Any:
            raise RuntimeError("boom")

    sdk.get_logger("broken").bind().info("fine", nested=Exploding(a=1))
    record = capture.one()
    assert record["message"] == "fine"
    assert record["labels.nested"] == "<Exploding (not renderable: RuntimeError)>"


def test_non_string_messages(capture: Capture) -> None:
    log = sdk.get_logger("msgs")
    log.info(b"bytes \xff message")
    log.info({"a": 1})
    log.info(None)
    first, second, third = capture.take()
    assert first["message"] == "bytes \\xff message"
    assert second["message"] == "{'a': 1}"
    assert third["message"] == "None"


def test_label_keys_fold_only_what_ecs_forbids(capture: Capture) -> None:
    log = sdk.get_logger("names")
    log.info("m", **{"User-ID": 1, "a.b.c": 2, "ÄÖ": 3, "__": 4, "x*y\\z": 5, "\ud800": 6})
    record = capture.one()
    assert record["labels.User-ID"] == 1
    assert record["labels.a_b_c"] == 2
    assert (record["labels.ÄÖ"], record["labels.__"], record["labels.x_y_z"]) == (3, 4, 5)
    assert record["labels._ud800"] == 6  # a lone surrogate, escaped
    log.info("long", **{"k" * 300: 1})
    (name,) = [k for k in capture.one() if k.startswith("labels.")]
    assert name == "labels." + "k" * 128


def test_keys_that_fold_alike_keep_both_values(capture: Capture) -> None:
    log = sdk.get_logger("names")
    log.info("m", **{"a*b": 1, "a.b": 2, "id": 3, "_id": 4})
    record = capture.one()
    assert (record["labels.a_b"], record["labels.a_b_2"]) == (1, 2)
    assert (record["labels.id"], record["labels._id"]) == (3, 4)
    # the key written as the name owns it, even when it comes later; every value stays
    log.info("m", **{"p.q": 1, "p_q": 2})
    record = capture.one()
    assert (record["labels.p_q"], record["labels.p_q_2"]) == (2, 1)
    log.info("again", **{"p.q": 5, "a.b": 6})
    record = capture.one()
    assert (record["labels.p_q_2"], record["labels.a_b_2"]) == (5, 6)
    assert "labels.p_q" not in record
    # a key bound and given again is one key: the call's value wins
    log.bind(**{"p.q": "bound"}).info("m", **{"p.q": "call"})
    assert capture.one()["labels.p_q_2"] == "call"


def test_process_and_node_fields(capture: Capture) -> None:
    import os
    import socket

    sdk.get_logger("proc").info("m")
    record = capture.one()
    assert record["process.pid"] == os.getpid()
    assert record["service.node.name"] == socket.gethostname()
