"""Whatever a service logs, every line is one JSON object valid against the shipped schema.

Arbitrary events, keywords, bound fields, stdlib records and hop fields are driven through
the SDK; each output line is checked with jsonschema's Draft 2020-12 validator.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from hopscope_testing import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sdk
from sdk import schema

from ..conftest import Capture

LEVELS = ("debug", "info", "warning", "error", "critical", "exception")
#: fields any line may have; everything else must be labels.*
BASE_FIELDS = {
    "@timestamp",
    "log.level",
    "message",
    "service.name",
    "service.version",
    "service.environment",
    "service.node.name",
    "event.dataset",
    "process.pid",
    "hopscope.schema_version",
    "ecs.version",
    "log.logger",
    "hopscope.truncated",
    "error.type",
    "error.message",
    "error.stack_trace",
}
STDLIB_FIELDS = BASE_FIELDS | {
    "log.origin.file.name",
    "log.origin.file.line",
    "log.origin.function",
    "process.thread.name",
}
RESERVED_NAMES = (
    "trace.id",
    "span.id",
    "message",
    "log.level",
    "@timestamp",
    "service.name",
    "hopscope.schema_version",
    "labels.x",
    "error.type",
    "exc_info",
    "_logger",
)


class Ratio(float):
    """A float subclass, which orjson refuses as it is."""


class Name(str):
    pass


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


@dataclasses.dataclass
class Point:
    x: Any
    y: Any


class Model(pydantic.BaseModel):
    name: str
    size: float


class Hostile:
    """An object whose every text conversion raises."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")


def _recursive_list() -> list[Any]:
    items: list[Any] = [1, "two"]
    items.append(items)
    return items


def _recursive_dict() -> dict[str, Any]:
    mapping: dict[str, Any] = {"password": "hunter2"}
    mapping["self"] = mapping
    return mapping


surrogate_text = st.text(st.characters(exclude_categories=()), max_size=30)
hashables = st.one_of(st.integers(), st.text(max_size=10), st.booleans(), st.none())
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**200),
    st.floats(),
    st.text(max_size=50),
    surrogate_text,
    st.binary(max_size=40),
    st.decimals(),
    st.datetimes(timezones=st.none() | st.just(dt.UTC)),
    st.dates(),
    st.timedeltas(),
    st.uuids(),
    st.builds(ValueError, st.text(max_size=20)),
    st.builds(Hostile),
    st.builds(Model, name=st.text(max_size=10), size=st.floats(allow_nan=False)),
    st.builds(Ratio, st.floats()),
    st.builds(Name, st.text(max_size=10)),
    st.sampled_from([Color.RED, Size.BIG]),
    st.builds(_recursive_list),
    st.builds(_recursive_dict),
    st.sampled_from(
        [
            "Bearer abcdefghijklmnop",
            "https://user:pw@example.com/x?token=abc",
            "x" * 5000,
            float("nan"),
            Decimal("NaN"),
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10) | st.integers(), children, max_size=4),
        st.frozensets(hashables, max_size=4),
        st.sets(hashables, max_size=4),
        st.tuples(children, children),
        st.builds(Point, children, children),
    ),
    max_leaves=12,
)
keys = st.one_of(st.sampled_from(RESERVED_NAMES), st.text(min_size=1, max_size=20), surrogate_text)
keywords = st.dictionaries(keys.filter(lambda k: k != "event"), values, max_size=6)
messages = st.one_of(st.text(max_size=200), surrogate_text, values)

property_settings = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _only_known_fields(record: dict[str, Any], allowed: set[str]) -> None:
    forged = {k for k in record if k not in allowed and not k.startswith("labels.")}
    assert not forged, forged


@property_settings
@given(level=st.sampled_from(LEVELS), message=messages, kw=keywords, bound=keywords)
def test_any_structlog_call_writes_one_valid_line(
    capture: Capture, level: str, message: Any, kw: dict[str, Any], bound: dict[str, Any]
) -> None:
    log = sdk.get_logger("prop").bind(**{k: v for k, v in bound.items() if k != "_logger"})
    getattr(log, level)(message, **kw)
    record = capture.one()
    assert record["service.name"] == "cart"
    assert record["hopscope.schema_version"] == schema.SCHEMA_VERSION
    _only_known_fields(record, BASE_FIELDS)
    expected = "error" if level == "exception" else level
    assert record["log.level"] == expected or "error.type" in record


@property_settings
@given(message=st.text(max_size=50), labels=keywords)
def test_labels_bound_with_sdk_bind_stay_labels(
    capture: Capture, message: str, labels: dict[str, Any]
) -> None:
    log = sdk.get_logger("prop")
    with sdk.bound(**labels):
        log.info(message)
    record = capture.one()
    _only_known_fields(record, BASE_FIELDS)
    assert record["message"] == message.encode("utf-8", "backslashreplace").decode()[:2048] or (
        record.get("hopscope.truncated") or "REDACTED" in record["message"]
    )


_record_attributes = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
stdlib_extra = st.dictionaries(
    st.text(min_size=1, max_size=15).filter(lambda k: k not in _record_attributes),
    values,
    max_size=5,
)


@property_settings
@given(
    levelno=st.integers(min_value=logging.DEBUG, max_value=60),
    msg=messages,
    args=st.lists(values, max_size=3).map(tuple),
    extra=stdlib_extra,
    name=st.sampled_from(["uvicorn.error", "httpx", "sqlalchemy.engine", "cart.service"]),
    with_error=st.booleans(),
)
def test_any_stdlib_record_writes_one_valid_line(
    capture: Capture,
    levelno: int,
    msg: Any,
    args: tuple[Any, ...],
    extra: dict[str, Any],
    name: str,
    with_error: bool,
) -> None:
    capture.only_sdk_handler()
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    try:
        if with_error:
            raise KeyError(msg if isinstance(msg, str) else "key")
        logger.log(levelno, msg, *args, extra=extra)
    except KeyError:
        logger.log(levelno, msg, *args, extra=extra, exc_info=True)
    record = capture.one()
    assert record["log.logger"] == name
    _only_known_fields(record, STDLIB_FIELDS)
    assert ("error.type" in record) == with_error


schema_names = st.sampled_from(sorted(schema.fields()))


@property_settings
@given(
    fields=st.dictionaries(st.one_of(schema_names, keys), values, max_size=8),
    level=st.sampled_from(["info", "warning", "error", "warn", "bogus"]),
)
def test_trusted_fields_with_wrong_values_are_kept_as_labels(
    capture: Capture, fields: dict[str, Any], level: str
) -> None:
    sdk.emit("hop", fields, level)
    record = capture.one()
    assert record["message"] == "hop"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"\xffraw", "\\xffraw"),
        ({3, 1, 2}, "[1,2,3]"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2026-01-02T03:04:05+00:00"),
        (Decimal("1.50"), "1.50"),
        (Point(1, [2]), '{"x":1,"y":[2]}'),
        (Model(name="n", size=1.5), '{"name":"n","size":1.5}'),
        (ValueError("bad"), "ValueError: bad"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (2**70, str(2**70)),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),
        (_recursive_list(), '[1,"two","[recursive]"]'),
        (Hostile(), "<Hostile (repr failed: RuntimeError)>"),
        (Ratio("inf"), "inf"),
        ({"c": Color.RED, "s": Size.BIG}, '{"c":"red","s":3}'),
    ],
)
def test_values_of_any_type_are_rendered_as_text(
    capture: Capture, value: Any, expected: str
) -> None:
    sdk.get_logger("values").info("rendered", value=value)
    assert capture.one()["labels.value"] == expected


def test_recursive_mapping_is_cut_and_its_secrets_redacted(capture: Capture) -> None:
    sdk.get_logger("values").info("rendered", value=_recursive_dict())
    assert capture.one()["labels.value"] == '{"password":"[REDACTED]","self":"[recursive]"}'


def test_scalars_keep_their_json_type(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture()
    sdk.get_logger("values").info("typed", n=3, f=1.5, ok=True, nothing=None, s="x")
    record = capture.one()
    assert (record["labels.n"], record["labels.f"], record["labels.ok"]) == (3, 1.5, True)
    assert (record["labels.nothing"], record["labels.s"]) == (None, "x")


def test_numpy_values_become_numbers_and_lists(capture: Capture) -> None:
    np = pytest.importorskip("numpy")
    sdk.get_logger("values").info("np", n=np.int64(5), x=np.float64(2.5), a=np.array([[1, 2]]))
    record = capture.one()
    assert (record["labels.n"], record["labels.x"], record["labels.a"]) == (5, 2.5, "[[1,2]]")


def test_scalar_subclasses_keep_their_plain_value(capture: Capture) -> None:
    sdk.get_logger("values").info("sub", r=Ratio(0.5), n=Name("ann"), c=Color.RED, s=Size.BIG)
    record = capture.one()
    assert (record["labels.r"], record["labels.n"]) == (0.5, "ann")
    assert (record["labels.c"], record["labels.s"]) == ("red", 3)
