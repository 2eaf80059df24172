"""W3C Trace Context (level 2): what a service written with ``sdk.instrument`` and
``sdk.BaseClient`` reads from ``traceparent`` / ``tracestate`` and passes on.

The parsing rules one by one, then the whole path through real servers on loopback: a caller
sends the inbound headers to an instrumented service (uvicorn for ASGI, werkzeug for WSGI),
which calls an echo peer with the SDK's client; the peer reports the headers it got.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from flask import Flask
from hopscope_testing import sdk_service
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import sdk
from sdk.inbound._propagation import (
    RANDOM,
    SAMPLED,
    format_traceparent,
    parse_trace_context,
    parse_traceparent,
    parse_tracestate,
)

inprocess = sdk_service("inprocess")
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
VALID = f"00-{TRACE}-{PARENT}-01"


# -- traceparent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "flags"),
    [
        (VALID, SAMPLED),
        (f"00-{TRACE}-{PARENT}-00", 0),
        (f"00-{TRACE}-{PARENT}-02", RANDOM),  # the random trace-id flag is kept
        (f"00-{TRACE}-{PARENT}-03", SAMPLED | RANDOM),
        (f"00-{TRACE}-{PARENT}-ff", SAMPLED | RANDOM),  # flags not defined yet are zeroed
        (f" \t{VALID}\t ", SAMPLED),  # optional whitespace around the value
        (f"cc-{TRACE}-{PARENT}-01", SAMPLED),  # a future version, read as 00
        (f"cc-{TRACE}-{PARENT}-01-what-the-future-will-be-like", SAMPLED),
        (f"01-{TRACE}-{PARENT}-09-x", SAMPLED),
    ],
)
def test_a_valid_traceparent_is_read(header: str, flags: int) -> None:
    parent = parse_traceparent(header)
    assert parent == (TRACE, PARENT, flags, None)
    assert parent.sampled is bool(flags & SAMPLED)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        VALID.upper(),  # the spec's hex is lower case (HEXDIGLC)
        f"00-{TRACE.upper()}-{PARENT}-01",
        f"00-{TRACE}-{PARENT.upper()}-01",
        f"00-{TRACE}-{PARENT}-0A",
        f"0A-{TRACE}-{PARENT}-01",
        f"00-{'0' * 32}-{PARENT}-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
        f"ff-{TRACE}-{PARENT}-01",  # version 255 is forbidden
        f"ff-{TRACE}-{PARENT}-01-future",
        f"{VALID}.",  # version 00 has exactly four fields
        f"{VALID}-what-the-future-will-be-like",
        f"cc-{TRACE}-{PARENT}-01.what-the-future-will-be-like",  # a future version: a dash
        f"cc-{TRACE}-{PARENT}-0",  # shorter than 55 characters
        f".0-{TRACE}-{PARENT}-01",
        f"0-{TRACE}-{PARENT}-01",
        f"000-{TRACE}-{PARENT}-01",
        f"00-{TRACE}3-{PARENT}-01",
        f"00-{TRACE[:-1]}-{PARENT}-01",
        f"00-{TRACE}-{PARENT}7-01",
        f"00-{TRACE}-{PARENT[:-1]}-01",
        f"00-{TRACE}-{PARENT}-001",
        f"00-{TRACE}-{PARENT}-1",
        f"00-{TRACE}-{PARENT}-.0",
        f"00_{TRACE}_{PARENT}_01",
        f"\n{VALID}",  # only spaces and tabs are optional whitespace
        f"{VALID},{VALID}",  # two fields joined by a WSGI server
    ],
)
def test_a_malformed_traceparent_is_ignored(header: str | None) -> None:
    assert parse_traceparent(header) is None


@given(st.text(max_size=80))
def test_any_header_text_is_survived(header: str) -> None:
    parent = parse_traceparent(header)
    assert parent is None or format_traceparent(parent.trace_id, parent.span_id, parent.flags)


def test_the_traceparent_written_is_version_00_with_known_flags_only() -> None:
    assert format_traceparent(TRACE, PARENT, 0xFF) == f"00-{TRACE}-{PARENT}-03"
    assert format_traceparent(TRACE, PARENT, 0) == f"00-{TRACE}-{PARENT}-00"
    assert format_traceparent(TRACE, PARENT) == f"00-{TRACE}-{PARENT}-03"


# -- tracestate -------------------------------------------------------------------------

KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
VALUE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ",=")


def members(*fields: str) -> list[tuple[str, str]] | None:
    state = parse_tracestate(fields)
    return None if state is None else list(state.items())


@pytest.mark.parametrize(
    "key",
    [
        "foo",
        "7up",  # a digit may start a key
        KEY_CHARS,
        KEY_CHARS + "@a-z0-9_-*/",  # tenant@system
        "foo@",
        "foo@@bar",
        "foo@bar@baz",
        "z" * 256,
        "t" * 241 + "@" + "v" * 14,
        "t" * 242 + "@v",
    ],
)
def test_keys_of_the_grammar_are_kept(key: str) -> None:
    assert members(f"{key}=1,bar=2") == [(key, "1"), ("bar", "2")]


@pytest.mark.parametrize(
    "key", ["@foo", "FOO", "Foo", "foo.bar", "foo bar", "_foo", "*foo", "z" * 257, "ключ"]
)
def test_a_key_off_the_grammar_discards_the_whole_list(key: str) -> None:
    assert members(f"{key}=1,bar=2") is None
    assert members("bar=2", f"{key}=1") is None


def test_values_of_the_grammar_are_kept() -> None:
    assert members(f"foo={VALUE_CHARS}") == [("foo", VALUE_CHARS)]
    assert members("foo= leading spaces stay") == [("foo", " leading spaces stay")]
    assert members("foo=trailing ones go \t") == [("foo", "trailing ones go")]
    assert members("foo=" + "v" * 256) == [("foo", "v" * 256)]


@pytest.mark.parametrize(
    "member", ["foo=bar=baz", "foo=", "foo= ", "foo=a,b=", "foo=\x7f", "foo=é", "foo", "=1"]
)
def test_a_value_off_the_grammar_discards_the_whole_list(member: str) -> None:
    assert members(f"{member},bar=3") is None
    assert members("foo=" + "v" * 257) is None


def test_fields_are_combined_in_order_and_empty_members_skipped() -> None:
    assert members("foo=1,bar=2", "rojo=1,congo=2", "baz=3") == [
        ("foo", "1"),
        ("bar", "2"),
        ("rojo", "1"),
        ("congo", "2"),
        ("baz", "3"),
    ]
    assert members("", "foo=1", " , ,\t", "") == [("foo", "1")]
    assert members("foo=1 \t , \t bar=2,\t \tbaz=3") == [("foo", "1"), ("bar", "2"), ("baz", "3")]
    assert members("") is None
    assert members(" , ") is None


def test_at_most_32_members() -> None:
    first = [f"bar{n:02}={n:02}" for n in range(1, 33)]
    assert len(members(",".join(first[:10]), ",".join(first[10:])) or []) == 32
    assert members(",".join(first), "bar33=33") is None
    assert members(",".join(first), ",,") is not None  # empty members do not count


def test_a_duplicated_key_keeps_its_left_most_member() -> None:
    assert members("foo=1,foo=2") == [("foo", "1")]
    assert members("foo=1", "bar=2", "foo=3") == [("foo", "1"), ("bar", "2")]


def test_a_list_over_512_characters_loses_long_members_first_then_from_the_right() -> None:
    long = "long=" + "l" * 200  # 205 characters
    short = [f"k{n:02}={'s' * 36}" for n in range(12)]  # 40 characters each
    # 12 * 40 + 205 + 12 commas = 697: the long member goes, 12 * 40 + 11 = 491 fit
    assert members(",".join([short[0], long, *short[1:]])) == [
        (m.split("=")[0], m.split("=")[1]) for m in short
    ]
    many = [f"k{n:02}={'s' * 60}" for n in range(10)]  # 64 each: 10 * 64 + 9 = 649
    kept = members(",".join(many))
    assert kept is not None
    assert [k for k, _ in kept] == [f"k{n:02}" for n in range(7)]  # 7 * 64 + 6 = 454
    assert len(parse_tracestate([",".join(many)]).to_header()) <= 512  # type: ignore[union-attr]


def test_tracestate_is_read_only_with_a_valid_traceparent() -> None:
    parent = parse_trace_context(VALID, ["foo=1"])
    assert parent is not None
    assert parent.state is not None
    assert parent.state.to_header() == "foo=1"
    assert parse_trace_context(VALID.upper(), ["foo=1"]) is None
    assert parse_trace_context(None, ["foo=1"]) is None
    # and an invalid tracestate leaves the traceparent valid
    assert parse_trace_context(VALID, ["FOO=1"]) == parse_traceparent(VALID)


# -- through real services --------------------------------------------------------------

Headers = list[tuple[str, str]]


def echo() -> Starlette:
    async def headers(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "traceparent": request.headers.getlist("traceparent"),
                "tracestate": request.headers.getlist("tracestate"),
            }
        )

    return Starlette(routes=[Route("/headers", headers)])


def asgi_relay(peer: str) -> FastAPI:
    app = FastAPI()

    @app.get("/relay")
    async def relay() -> Any:
        async with sdk.BaseClient(service="echo", base_url=peer) as client:
            first = (await client.get("/headers")).json()
            second = (await client.get("/headers")).json()
        return [first, second]

    return sdk.instrument(app)


def wsgi_relay(peer: str) -> Flask:
    app = Flask("relay")

    @app.get("/relay")
    def relay() -> Any:
        with sdk.SyncBaseClient(service="echo", base_url=peer) as client:
            return [client.get("/headers").json(), client.get("/headers").json()]

    return sdk.instrument(app)


@pytest.fixture(params=["asgi", "wsgi"])
def relay(request: pytest.FixtureRequest, capture: Any) -> Iterator[str]:
    with inprocess.serve_asgi(echo()) as peer:
        if request.param == "asgi":
            with inprocess.serve_asgi(asgi_relay(peer)) as url:
                yield url
        else:
            with inprocess.serve_wsgi(wsgi_relay(peer)) as url:
                yield url


def outbound(url: str, headers: Headers) -> tuple[str, str | None]:
    """The ``traceparent`` and ``tracestate`` the relay's calls carried: the same on both."""
    response = httpx.get(f"{url}/relay", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    first, second = response.json()
    (traceparent,) = first["traceparent"]
    (other,) = second["traceparent"]
    assert other.split("-")[:2] == traceparent.split("-")[:2]
    assert other.split("-")[2] != traceparent.split("-")[2]  # a span of its own per call
    assert first["tracestate"] == second["tracestate"]
    assert len(first["tracestate"]) <= 1  # sent as one field
    return traceparent, (first["tracestate"] or [None])[0]


def test_traceparent_and_tracestate_go_on_to_the_next_hop(relay: str) -> None:
    traceparent, tracestate = outbound(
        relay, [("traceparent", f"00-{TRACE}-{PARENT}-00"), ("TraceState", "foo=1,bar=2")]
    )
    version, trace_id, parent_id, flags = traceparent.split("-")
    assert (version, trace_id, flags) == ("00", TRACE, "00")
    assert parent_id != PARENT
    assert tracestate == "foo=1,bar=2"


def test_the_random_flag_is_kept(relay: str) -> None:
    traceparent, _ = outbound(relay, [("traceparent", f"00-{TRACE}-{PARENT}-02")])
    assert traceparent.startswith(f"00-{TRACE}-")
    assert int(traceparent[-2:], 16) & RANDOM
    assert not int(traceparent[-2:], 16) & SAMPLED


def test_a_new_trace_is_sampled_and_says_its_id_is_random(relay: str) -> None:
    traceparent, tracestate = outbound(relay, [("tracestate", "foo=1")])
    assert traceparent.endswith("-03")
    assert tracestate is None  # a tracestate without traceparent is discarded


def test_two_traceparent_headers_start_a_new_trace(relay: str) -> None:
    traceparent, tracestate = outbound(
        relay,
        [
            ("traceparent", f"00-{TRACE[:-1]}1-{PARENT}-01"),
            ("traceparent", f"00-{TRACE}-{PARENT}-01"),
            ("tracestate", "foo=1"),
        ],
    )
    assert traceparent.split("-")[1] not in {TRACE, TRACE[:-1] + "1"}
    assert tracestate is None


def test_an_upper_case_traceparent_starts_a_new_trace(relay: str) -> None:
    traceparent, tracestate = outbound(
        relay, [("traceparent", VALID.upper()), ("tracestate", "foo=1")]
    )
    assert traceparent.split("-")[1] != TRACE
    assert tracestate is None


def test_a_future_version_is_continued_as_version_00(relay: str) -> None:
    traceparent, tracestate = outbound(
        relay, [("traceparent", f"cc-{TRACE}-{PARENT}-07-future"), ("tracestate", "foo=1")]
    )
    assert traceparent.startswith(f"00-{TRACE}-")
    assert traceparent.endswith("-03")
    assert tracestate == "foo=1"


def test_tracestate_fields_are_combined_validated_and_deduplicated(relay: str) -> None:
    parent = ("traceparent", VALID)
    combined = [parent, ("tracestate", "foo=1,bar=2"), ("tracestate", ""), ("tracestate", "baz=3")]
    assert outbound(relay, combined)[1] == "foo=1,bar=2,baz=3"
    duplicated = [parent, ("tracestate", "foo=1"), ("tracestate", "foo=2")]
    assert outbound(relay, duplicated)[1] == "foo=1"
    assert outbound(relay, [parent, ("tracestate", "foo@@bar=1,a@b@c=2")])[1] == (
        "foo@@bar=1,a@b@c=2"
    )
    invalid = [parent, ("tracestate", "foo=1"), ("tracestate", "@bar=2")]
    traceparent, tracestate = outbound(relay, invalid)
    assert traceparent.startswith(f"00-{TRACE}-")  # the traceparent still holds
    assert tracestate is None
    too_many = ",".join(f"k{n}=v" for n in range(33))
    assert outbound(relay, [parent, ("tracestate", too_many)])[1] is None
