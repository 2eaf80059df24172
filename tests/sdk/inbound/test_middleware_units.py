"""The middleware's pure pieces: reading ``traceparent``, body excerpts, route names."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk.client._settings import env_prefix
from sdk.inbound import flask_route
from sdk.inbound._excerpts import BodyExcerpt, excerpt, kind_of
from sdk.inbound._hops import ClientHop, ServerHop, Timing
from sdk.inbound._propagation import (
    format_traceparent,
    new_span_id,
    new_trace_id,
    parse_traceparent,
)
from sdk.log import Redactor

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_valid_traceparent_is_read() -> None:
    parent = parse_traceparent(VALID)
    assert parent is not None
    assert parent.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert parent.span_id == "00f067aa0ba902b7"
    assert parent.sampled is True
    unsampled = parse_traceparent(VALID[:-2] + "00")
    assert unsampled is not None
    assert unsampled.sampled is False
    assert parse_traceparent(VALID.upper()) is None  # the spec's hex is lower case


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "00-" + "0" * 32 + "-00f067aa0ba902b7-01",  # all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0" * 16 + "-01",  # all-zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  # not hex
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  # v00 has 4 parts
        "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7aa-01",  # wrong lengths
    ],
)
def test_a_malformed_traceparent_is_ignored(header: str | None) -> None:
    assert parse_traceparent(header) is None


@given(st.text(max_size=80))
def test_any_header_text_is_survived(header: str) -> None:
    parent = parse_traceparent(header)
    assert parent is None or len(parent.trace_id) == 32


def test_minted_ids_round_trip() -> None:
    trace_id, span_id = new_trace_id(), new_span_id()
    parent = parse_traceparent(format_traceparent(trace_id, span_id))
    assert parent is not None
    assert (parent.trace_id, parent.span_id) == (trace_id, span_id)
    assert len({new_span_id() for _ in range(1000)}) == 1000


def test_which_bodies_are_quoted() -> None:
    assert kind_of("application/json; charset=utf-8") == "json"
    assert kind_of("application/problem+json") == "json"
    assert kind_of("application/x-www-form-urlencoded") == "form"
    assert kind_of("text/plain") == "text"
    assert kind_of("multipart/form-data; boundary=x") is None
    assert kind_of("image/png") is None
    assert kind_of(None) is None


def test_cut_json_is_still_redacted_by_key() -> None:
    redactor = Redactor()
    body = json.dumps({"user": "ann", "password": "pw-1", "nested": {"api_key": 12345}})
    body += ', "tail": "' + "y" * 100
    text = excerpt(body.encode(), "json", redactor, complete=False)
    assert "pw-1" not in text
    assert "12345" not in text
    assert '"user": "ann"' in text


def test_excerpt_counts_everything_keeps_the_limit() -> None:
    body = BodyExcerpt(32)
    for _ in range(10):
        body.add(b"0123456789")
    assert body.size == 100
    assert body.complete  # kept whole for redaction, up to PARSE_FACTOR times the limit
    text = body.text("text", Redactor())
    assert text is not None
    assert len(text) <= 32
    assert text.endswith("…[truncated 68 bytes]")
    for _ in range(60):
        body.add(b"0123456789")
    assert body.size == 700
    assert not body.complete
    text = body.text("text", Redactor())
    assert text is not None
    assert len(text) <= 32
    assert text.endswith("…[truncated 668 bytes]")
    assert BodyExcerpt(32).text("text", Redactor()) is None  # empty body: nothing to quote
    binary = BodyExcerpt(32)
    binary.add(b"\x89PNG")
    assert binary.text(None, Redactor()) is None


def test_non_utf8_bodies_are_escaped_not_dropped() -> None:
    assert excerpt(b"caf\xe9", "text", Redactor()) == "caf\\xe9"


def test_route_and_environment_names() -> None:
    assert flask_route("/carts/<int:cart_id>/items/<item>") == "/carts/{cart_id}/items/{item}"
    assert flask_route("/static/<path:filename>") == "/static/{filename}"
    assert env_prefix("cart") == "SERVICE_CART_"
    assert env_prefix("payment-gateway.v2") == "SERVICE_PAYMENT_GATEWAY_V2_"


@pytest.mark.parametrize("kind", ["server", "client"])
def test_a_hop_that_cannot_be_described_still_leaves_a_line(capture: Any, kind: str) -> None:
    trace_id, span_id = new_trace_id(), new_span_id()
    broken = Timing("not a time", 0)  # type: ignore[arg-type]
    hop: ServerHop | ClientHop
    if kind == "server":
        hop = ServerHop(
            method="GET",
            path="/x",
            query="",
            timing=broken,
            trace_id=trace_id,
            span_id=span_id,
            parent_id=None,
            request_body=BodyExcerpt(0),
            response_body=BodyExcerpt(0),
        )
    else:
        hop = ClientHop(
            target="shop",
            method="GET",
            url="http://shop.internal/x",
            path="/x",
            attempt=1,
            as_service=False,
            timing=broken,
            trace_id=trace_id,
            span_id=span_id,
            parent_id=None,
        )
    hop.write(time.perf_counter_ns())
    (line,) = capture.take()
    assert line["message"] == f"hopscope could not build a {kind} hop record: TypeError"
    assert line["log.level"] == "error"
    assert line["hopscope.hop.kind"] == kind
    assert (line["trace.id"], line["span.id"]) == (trace_id, span_id)
